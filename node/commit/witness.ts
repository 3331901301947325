// One-step witnesses and their verifier (docs/PROTOCOL.md §2.2, §3, §4).
//
// A witness for step s carries everything `step(S_s)` needs: the pre-state parts, the
// instruction at pc with its proof against the program, every value the step uses with its
// leaf, leaf proof and slot-root proof, and the old leaf of the written element. The
// verifier recomputes S_{s+1}'s hash from the witness alone; it is the executable model of
// the on-chain one-step verifier, so it reads like one: check, decode, compute, hash.
import {
  FIRST_BINARY_MAP_OP,
  FIRST_TERNARY_MAP_OP,
  Instruction,
  Kind,
  ReduceOp,
  SlotRef,
  Space,
  product,
} from "../program/isa";
import { RefereeError } from "../errors";
import * as fo32 from "../fo32";
import type { Pc } from "../vm/memory";
import { evalOperand, multiIndex, reduceInit, reduceStep, stepAccesses } from "../vm/step";
import { ByteReader, ByteWriter } from "./bytes";
import { MEMORY_NODE, PROGRAM_NODE, TENSOR_NODE } from "./domains";
import { Bytes32, bytesEqual, hashNode, toHex, zeroHash } from "./keccak";
import { VALUES_PER_LEAF, depthFor, f32Bits, leafValue, slotDepth, withLeafValue } from "./leaves";
import { rootFromProof } from "./merkle";
import { ProgramHeader, decodeInstruction, instructionHash, programRootOf } from "./program-root";
import { StateParts, stateHash } from "./state";
import { TraceCommitter, stateParts } from "./trace";

/** One value of memory at the pre-state, with the proofs linking it to the state's roots. */
export interface ValueWitness {
  slot: SlotRef;
  /** Element index in the slot. */
  address: number;
  /** Leaf ⌊address/8⌋ of the slot (at the pre-state). */
  leaf: Bytes32;
  /** Siblings of the leaf in the slot tree, bottom-up (D of the slot). */
  leafProof: Bytes32[];
  slotRoot: Bytes32;
  /** Siblings of the slot root in its space tree, bottom-up. */
  slotProof: Bytes32[];
}

export interface StepWitness {
  /** The step number s (informative: the verifier works from pc). */
  step: number;
  pre: StateParts;
  header: ProgramHeader;
  /** The instruction at pre.pc and its proof in the instruction tree; null iff halted. */
  instruction: { bytes: Uint8Array; proof: Bytes32[] } | null;
  /** The values the step uses, in operand order (only reads whose value matters). */
  reads: ValueWitness[];
  /** The written element's pre-state leaf (write steps only). */
  write: ValueWitness | null;
  /** Hash of S_{s+1} as computed by the builder. */
  postHash: Bytes32;
}

// ---------------------------------------------------------------------------------------
// Building

/** The witness of step s (0 ≤ s ≤ N; s = N is a step of the halted state). */
export function buildWitness(trace: TraceCommitter, s: number): StepWitness {
  const pre = trace.stateAt(s);
  const pc = pre.pc;
  const access = stepAccesses(trace.program, pc);
  const header = trace.programTree.header;
  // Read the activation space tree now: it is shared and the post-state query moves it.
  const actTree = trace.activationSpaceAt(pc);
  const valueWitness = (slot: SlotRef, address: number): ValueWitness => {
    const j = Math.floor(address / VALUES_PER_LEAF);
    switch (slot.space) {
      case Space.Weight:
      case Space.Input: {
        const space = slot.space === Space.Weight ? trace.weights : trace.inputs;
        const t = space.slots[slot.index];
        return {
          slot,
          address,
          leaf: t.leaf(j),
          leafProof: t.proof(j),
          slotRoot: t.root(),
          slotProof: space.slotProof(slot.index),
        };
      }
      case Space.Activation: {
        const t = trace.activations[slot.index];
        const p = trace.writtenPrefix(slot.index, pc);
        return {
          slot,
          address,
          leaf: t.prefixLeaf(p, j),
          leafProof: t.prefixProof(p, j),
          slotRoot: t.prefixRoot(p),
          slotProof: actTree.proof(slot.index),
        };
      }
    }
  };
  const reads = access.reads.filter((r) => r.used).map((r) => valueWitness(r.slot, r.address));
  const write = access.write === null ? null : valueWitness(access.write.slot, access.write.address);
  const instruction =
    access.phase === "halted"
      ? null
      : { bytes: trace.programTree.bytes[pc.instr], proof: trace.programTree.proof(pc.instr) };
  const postHash = s === trace.N ? pre.hash : trace.stateAt(s + 1).hash;
  return { step: s, pre: stateParts(pre), header, instruction, reads, write, postHash };
}

// ---------------------------------------------------------------------------------------
// Verifying

/** A one-step proof the verifier refuses (bad input, not a bug: the proof may come from anyone). */
export class WitnessError extends RefereeError {
  constructor(message: string) {
    super("WITNESS", `invalid witness: ${message}`);
    this.name = "WitnessError";
  }
}

export interface VerifyResult {
  preHash: Bytes32;
  post: StateParts;
  postHash: Bytes32;
  /** Whether postHash equals the witness's claimed postHash (false when it claims none). */
  agrees: boolean;
}

function fail(message: string): never {
  throw new WitnessError(message);
}

function slotsIn(header: ProgramHeader, space: Space): number {
  switch (space) {
    case Space.Weight:
      return header.weightSlots;
    case Space.Input:
      return header.inputSlots;
    case Space.Activation:
      return header.activationSlots;
    default:
      return fail(`unknown space ${space as number}`);
  }
}

function spaceRootOf(pre: StateParts, space: Space): Bytes32 {
  return space === Space.Weight ? pre.weightsRoot : space === Space.Input ? pre.inputsRoot : pre.activationsRoot;
}

/**
 * Check a value witness against the pre-state: the leaf is at ⌊address/8⌋ of a slot of
 * `slotLength` values whose root is at slot.index of its space. Returns the value.
 */
function checkValue(
  w: ValueWitness,
  want: SlotRef,
  address: number,
  slotLength: number,
  pre: StateParts,
  header: ProgramHeader,
  what: string,
): number {
  if (w.slot.space !== want.space || w.slot.index !== want.index || w.address !== address) {
    fail(
      `${what}: witness is for (${w.slot.space}, ${w.slot.index})[${w.address}], step reads (${want.space}, ${want.index})[${address}]`,
    );
  }
  const slots = slotsIn(header, want.space);
  if (!(want.index >= 0 && want.index < slots)) fail(`${what}: slot ${want.index} out of range [0, ${slots})`);
  if (w.leafProof.length !== slotDepth(slotLength))
    fail(`${what}: leaf proof has ${w.leafProof.length} levels, slot depth is ${slotDepth(slotLength)}`);
  if (w.slotProof.length !== depthFor(Math.max(1, slots))) fail(`${what}: slot proof has ${w.slotProof.length} levels`);
  const j = Math.floor(address / VALUES_PER_LEAF);
  if (!bytesEqual(rootFromProof(TENSOR_NODE, w.leaf, j, w.leafProof), w.slotRoot))
    fail(`${what}: leaf proof does not match the slot root`);
  if (!bytesEqual(rootFromProof(MEMORY_NODE, w.slotRoot, want.index, w.slotProof), spaceRootOf(pre, want.space))) {
    fail(`${what}: slot proof does not match the state's space root`);
  }
  return leafValue(w.leaf, address % VALUES_PER_LEAF);
}

/**
 * Recompute S_{s+1} from a witness for S_s, trusting nothing but `programRoot`. Throws
 * WitnessError when a proof or field is inconsistent.
 */
export function verifyWitness(w: OneStepProof & { postHash?: Bytes32 }, programRoot: Uint8Array): VerifyResult {
  const { pre, header } = w;
  // INVARIANT: the header (instruction count, slot counts) is the program's.
  if (!bytesEqual(programRootOf(header), programRoot)) fail("program header does not hash to the program root");
  const preHash = stateHash(pre);
  const pc = pre.pc;
  const n = header.instructions;
  const done = (post: StateParts): VerifyResult => {
    const postHash = stateHash(post);
    return { preHash, post, postHash, agrees: w.postHash !== undefined && bytesEqual(postHash, w.postHash) };
  };

  // INVARIANT: a halted state is a fixed point.
  if (pc.instr === n) {
    if (pc.elem !== 0 || pc.k !== 0) fail(`halted pc must be (${n}, 0, 0)`);
    if (w.instruction !== null || w.reads.length > 0 || w.write !== null)
      fail("halted step takes no instruction or values");
    return done(pre);
  }
  if (!(pc.instr >= 0 && pc.instr < n)) fail(`pc.instr ${pc.instr} out of range [0, ${n}]`);

  // INVARIANT: the instruction is the one at pc.instr of the committed program.
  if (w.instruction === null) fail("missing instruction");
  const { bytes, proof } = w.instruction;
  if (proof.length !== depthFor(Math.max(1, n))) fail(`instruction proof has ${proof.length} levels`);
  if (!bytesEqual(rootFromProof(PROGRAM_NODE, instructionHash(bytes), pc.instr, proof), header.instructionTreeRoot)) {
    fail(`instruction proof does not match the program for instruction ${pc.instr}`);
  }
  let ins: Instruction;
  try {
    ins = decodeInstruction(bytes);
  } catch (e) {
    fail(`instruction bytes: ${(e as Error).message}`);
  }

  const E = product(ins.iterDims);
  const hasReduction = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  const K = hasReduction ? product(ins.redDims) : 0;
  // INVARIANT: pc lies inside the instruction.
  if (!(pc.elem >= 0 && pc.elem < E)) fail(`pc.elem ${pc.elem} out of range [0, ${E})`);
  if (!(pc.k >= 0 && pc.k <= K)) fail(`pc.k ${pc.k} out of range [0, ${K}]`);

  const o = multiIndex(pc.elem, ins.iterDims);
  let nextRead = 0;
  const readValue = (operand: number, it: number[], what: string): number | null => {
    const opnd = ins.inputs[operand];
    if (opnd === undefined) fail(`${what}: instruction has no operand ${operand}`);
    const r = evalOperand(opnd, it);
    if (!r.valid) return null;
    const v = w.reads[nextRead++];
    if (v === undefined) fail(`${what}: missing read witness`);
    return checkValue(v, opnd.slot, r.address, product(opnd.dims), pre, header, what);
  };
  const must = (x: number | null, what: string): number => (x === null ? fail(`${what}: read out of range`) : x);
  const a = pc.k === 0 ? reduceInit(ins) : pre.acc;
  const next: Pc = { instr: pc.instr, elem: pc.elem, k: pc.k + 1 };
  const accumulate = (acc: number): StateParts => {
    if (w.write !== null) fail("reduction step writes nothing");
    if (nextRead !== w.reads.length) fail(`${w.reads.length - nextRead} unused read witnesses`);
    return { ...pre, pc: next, acc };
  };

  // Reduction steps: Dot multiply-accumulate, Reduce step.
  if (hasReduction && pc.k < K) {
    const it = o.concat(multiIndex(pc.k, ins.redDims));
    if (ins.kind === Kind.Dot) {
      // A padded tap (either read out of range) leaves acc unchanged and needs no value.
      const va = evalOperand(ins.inputs[0], it).valid && evalOperand(ins.inputs[1], it).valid;
      if (!va) return done(accumulate(a));
      const x = must(readValue(0, it, "A"), "A");
      const y = must(readValue(1, it, "B"), "B");
      return done(accumulate(fo32.add(a, fo32.mul(x, y))));
    }
    const x = readValue(0, it, "X");
    return done(accumulate(x === null ? a : reduceStep(ins.op, a, x)));
  }

  // Write steps.
  let value: number;
  switch (ins.kind) {
    case Kind.Dot: {
      let s = a;
      if (ins.inputs.length > 2)
        s = fo32.add(s, must(readValue(2, o.concat(ins.redDims.map(() => 0)), "bias"), "bias"));
      value = fo32.unaryOp(ins.op, s, ins.params);
      break;
    }
    case Kind.Reduce:
      if (ins.op === ReduceOp.Mean && ins.params.length < 1) fail("Mean needs params[0]");
      value = ins.op === ReduceOp.Mean ? fo32.div(a, ins.params[0]) : a;
      break;
    case Kind.Map: {
      const x = must(readValue(0, o, "X"), "X");
      if (ins.op >= FIRST_TERNARY_MAP_OP) {
        const y = must(readValue(1, o, "Y"), "Y");
        value = fo32.mapOp(ins.op, [x, y, must(readValue(2, o, "Z"), "Z")], ins.params);
      } else {
        value =
          ins.op >= FIRST_BINARY_MAP_OP
            ? fo32.binaryOp(ins.op, x, must(readValue(1, o, "Y"), "Y"))
            : fo32.unaryOp(ins.op, x, ins.params);
      }
      break;
    }
    case Kind.Move: {
      let got: number | null = null;
      for (let q = 0; q < ins.inputs.length && got === null; q++) got = readValue(q, o, `source ${q}`);
      if (got === null && ins.params.length < 1) fail("Move with no valid source needs params[0]");
      value = got ?? ins.params[0];
      break;
    }
  }
  if (nextRead !== w.reads.length) fail(`${w.reads.length - nextRead} unused read witnesses`);

  // INVARIANT: the old leaf is the pre-state's; the new one differs only at the element.
  if (w.write === null) fail("missing write witness");
  const ww = w.write;
  checkValue(ww, ins.out, pc.elem, E, pre, header, "write");
  const j = Math.floor(pc.elem / VALUES_PER_LEAF);
  const newLeaf = withLeafValue(ww.leaf, pc.elem % VALUES_PER_LEAF, value);
  const newSlotRoot = rootFromProof(TENSOR_NODE, newLeaf, j, ww.leafProof);
  const activationsRoot = rootFromProof(MEMORY_NODE, newSlotRoot, ins.out.index, ww.slotProof);

  // advance
  const pcNext: Pc =
    pc.elem + 1 < E
      ? { instr: pc.instr, elem: pc.elem + 1, k: 0 }
      : pc.instr + 1 < n
        ? { instr: pc.instr + 1, elem: 0, k: 0 }
        : { instr: n, elem: 0, k: 0 };
  return done({ ...pre, activationsRoot, pc: pcNext, acc: 0 });
}

// ---------------------------------------------------------------------------------------
// One-step proof bytes (docs/PROTOCOL.md §6): what a challenger submits and the on-chain
// verifier reads with a cursor. Everything is big-endian.
//
//   proof   = pre ‖ header ‖ body
//   pre     = bytes32 weightsRoot ‖ bytes32 inputsRoot ‖ bytes32 activationsRoot
//             ‖ u32 pc.instr ‖ u32 pc.elem ‖ u32 pc.k ‖ u32 f32(acc)      H(0x06 ‖ pre) = stateHash
//   header  = bytes32 instructionTreeRoot ‖ u32 #instructions ‖ u32 #weightSlots
//             ‖ u32 #inputSlots ‖ u32 #activationSlots                     H(0x05 ‖ header) = programRoot
//   body    = nothing when the state is halted (pc.instr = #instructions), else
//             u32 byteLength ‖ instruction bytes ‖ path(0x03)
//             ‖ u8 #reads ‖ value[#reads] ‖ u8 hasWrite ‖ [value]
//   value   = u8 space ‖ u32 slotIndex ‖ u32 address ‖ bytes32 leaf ‖ path(0x01) ‖ slotPath
//   path(p) = u8 n ‖ u32 zeroMask ‖ bytes32 sibling[n − popcount(zeroMask)]
//             siblings bottom-up; bit d of zeroMask set ⇔ the sibling at level d is Z_d of
//             prefix p (the all-zero subtree, §3.1) and is left out.
//   slotPath: the first value of a space carries the full path(0x02) of its slot to the
//             space root. A later value of the same space is joined to its reference: the
//             earliest earlier read of the space in the same slot, else the earliest with the
//             lowest meeting level m = ⌊log2(slot ⊕ refSlot)⌋. Same slot → n = 0; else n = m,
//             the siblings of levels < m; the rest of its path is the reference's.
//
// Slot roots are not sent: each is recomputed from its leaf and leaf path.

/** A witness without the informative fields: exactly what the proof bytes carry. */
export type OneStepProof = Omit<StepWitness, "step" | "postHash">;

/** Bit length − 1 of a ⊕ b (a ≠ b): the level at which the paths of leaves a and b meet. */
export function meetingLevel(a: number, b: number): number {
  if (a === b) throw new RangeError("meetingLevel of equal indices");
  return 31 - Math.clz32((a ^ b) >>> 0);
}

function writePath(w: ByteWriter, prefix: number, siblings: readonly Uint8Array[], what: string): void {
  if (siblings.length > 32) throw new RangeError(`${what}: path of ${siblings.length} levels (at most 32)`);
  let mask = 0;
  const kept: Uint8Array[] = [];
  siblings.forEach((s, d) => {
    if (bytesEqual(s, zeroHash(prefix, d))) mask = (mask | (1 << d)) >>> 0;
    else kept.push(s);
  });
  w.u8(siblings.length, `${what}: path length`).u32(mask);
  for (const s of kept) w.bytes(s);
}

function readPath(r: ByteReader, prefix: number, what: string): Bytes32[] {
  const n = r.u8(`${what}: path length`);
  const mask = r.u32(`${what}: zero mask`);
  if (n > 32) throw new RangeError(`${what}: path of ${n} levels (at most 32)`);
  if (n < 32 && mask >>> n !== 0) throw new RangeError(`${what}: zero mask has bits above level ${n}`);
  const out: Bytes32[] = [];
  for (let d = 0; d < n; d++)
    out.push((mask >>> d) & 1 ? zeroHash(prefix, d).slice() : r.bytes(32, `${what}: sibling`));
  return out;
}

/** A read already in the proof, which later values of its space may join: its full slot path and nodes. */
interface ProvenRead {
  space: Space;
  slot: number;
  siblings: Bytes32[];
  /** nodes[d] = node of the path at level d (nodes[0] = its slot root). */
  nodes: Bytes32[];
}

function provenRead(space: Space, slot: number, slotRoot: Bytes32, siblings: Bytes32[]): ProvenRead {
  const nodes = [slotRoot];
  siblings.forEach((s, d) =>
    nodes.push((slot >>> d) & 1 ? hashNode(MEMORY_NODE, s, nodes[d]) : hashNode(MEMORY_NODE, nodes[d], s)),
  );
  return { space, slot, siblings, nodes };
}

/**
 * The reference a value at `slot` of `space` joins (§6.1): the earliest earlier read of the
 * space in the same slot, else the earliest with the lowest meeting level. The levels its
 * joined path carries are `m` (0 for the same slot). Undefined for the first value of a space.
 */
function referenceOf(
  reads: readonly ProvenRead[],
  space: Space,
  slot: number,
): { ref: ProvenRead; m: number } | undefined {
  let best: { ref: ProvenRead; m: number; rank: number } | undefined;
  for (const ref of reads) {
    if (ref.space !== space) continue;
    const m = ref.slot === slot ? 0 : meetingLevel(ref.slot, slot);
    const rank = ref.slot === slot ? 0 : m + 1;
    if (best === undefined || rank < best.rank) best = { ref, m, rank };
  }
  return best;
}

function checkU32(x: number, what: string): void {
  if (!(Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) throw new RangeError(`${what}: ${x} is not a u32`);
}

/**
 * The proof bytes of a witness (§6). Needs initHasher(). The slot path of a value joined to
 * its reference (an earlier read of its space) is cut at the meeting level: the witness must be
 * consistent there (a value's full slot proof above that level equals the reference's), as
 * built witnesses are.
 */
export function encodeWitness(wit: OneStepProof): Uint8Array {
  const w = new ByteWriter(2048);
  const pre = wit.pre;
  w.bytes(pre.weightsRoot).bytes(pre.inputsRoot).bytes(pre.activationsRoot);
  w.u32(pre.pc.instr, "pc.instr").u32(pre.pc.elem, "pc.elem").u32(pre.pc.k, "pc.k").u32(f32Bits(pre.acc));
  const h = wit.header;
  w.bytes(h.instructionTreeRoot).u32(h.instructions).u32(h.weightSlots).u32(h.inputSlots).u32(h.activationSlots);
  if (pre.pc.instr === h.instructions) {
    if (wit.instruction !== null || wit.reads.length > 0 || wit.write !== null) {
      throw new RangeError("a halted state's proof carries no instruction, reads or write");
    }
    return w.finish();
  }
  if (wit.instruction === null) throw new RangeError("a running state's proof needs the instruction");
  w.u32(wit.instruction.bytes.length, "instruction length").bytes(wit.instruction.bytes);
  writePath(w, PROGRAM_NODE, wit.instruction.proof, "instruction");
  const proven: ProvenRead[] = [];
  const value = (v: ValueWitness, what: string): void => {
    checkU32(v.slot.index, `${what}: slot`);
    checkU32(v.address, `${what}: address`);
    w.u8(v.slot.space, `${what}: space`).u32(v.slot.index).u32(v.address).bytes(v.leaf);
    writePath(w, TENSOR_NODE, v.leafProof, `${what} leaf`);
    const j = referenceOf(proven, v.slot.space, v.slot.index);
    writePath(w, MEMORY_NODE, j === undefined ? v.slotProof : v.slotProof.slice(0, j.m), `${what} slot`);
  };
  w.u8(wit.reads.length, "#reads");
  wit.reads.forEach((r, i) => {
    value(r, `read ${i}`);
    proven.push(provenRead(r.slot.space, r.slot.index, r.slotRoot, r.slotProof));
  });
  if (wit.write === null) w.u8(0);
  else {
    w.u8(1);
    value(wit.write, "write");
  }
  return w.finish();
}

/** Inverse of encodeWitness, full proofs and slot roots rebuilt. Needs initHasher(). */
export function decodeWitness(bytes: Uint8Array): OneStepProof {
  const r = new ByteReader(bytes);
  const weightsRoot = r.bytes(32, "weightsRoot");
  const inputsRoot = r.bytes(32, "inputsRoot");
  const activationsRoot = r.bytes(32, "activationsRoot");
  const pc = { instr: r.u32("pc.instr"), elem: r.u32("pc.elem"), k: r.u32("pc.k") };
  const accBox = new Uint32Array([r.u32("acc")]);
  const acc = new Float32Array(accBox.buffer)[0];
  const header: ProgramHeader = {
    instructionTreeRoot: r.bytes(32, "instructionTreeRoot"),
    instructions: r.u32("#instructions"),
    weightSlots: r.u32("#weightSlots"),
    inputSlots: r.u32("#inputSlots"),
    activationSlots: r.u32("#activationSlots"),
  };
  const pre: StateParts = { weightsRoot, inputsRoot, activationsRoot, pc, acc };
  if (pc.instr === header.instructions) {
    r.end("halted proof");
    return { pre, header, instruction: null, reads: [], write: null };
  }
  const insBytes = r.bytes(r.u32("instruction length"), "instruction");
  const instruction = { bytes: insBytes, proof: readPath(r, PROGRAM_NODE, "instruction") };
  const proven: ProvenRead[] = [];
  const value = (what: string): ValueWitness => {
    const space = r.u8(`${what}: space`);
    if (space > Space.Activation) throw new RangeError(`${what}: unknown space ${space}`);
    const index = r.u32(`${what}: slot`);
    const address = r.u32(`${what}: address`);
    const leaf = r.bytes(32, `${what}: leaf`);
    const leafProof = readPath(r, TENSOR_NODE, `${what} leaf`);
    // .slice(): a depth-0 slot's root is its leaf, and the two must not share storage.
    const slotRoot = rootFromProof(TENSOR_NODE, leaf, Math.floor(address / VALUES_PER_LEAF), leafProof).slice();
    const given = readPath(r, MEMORY_NODE, `${what} slot`);
    const j = referenceOf(proven, space, index);
    let slotProof: Bytes32[];
    if (j === undefined) slotProof = given;
    else {
      const { ref: a, m } = j;
      if (given.length !== m)
        throw new RangeError(`${what}: joined slot path has ${given.length} levels, expected ${m}`);
      if (m >= a.siblings.length && a.slot !== index)
        throw new RangeError(`${what}: slot ${index} is outside its reference's tree`);
      const rest = a.slot === index ? a.siblings : [a.nodes[m], ...a.siblings.slice(m + 1)];
      slotProof = [...given, ...rest.map((x) => x.slice())];
    }
    return { slot: { space: space, index }, address, leaf, leafProof, slotRoot, slotProof };
  };
  const nReads = r.u8("#reads");
  const reads: ValueWitness[] = [];
  for (let i = 0; i < nReads; i++) {
    const v = value(`read ${i}`);
    reads.push(v);
    proven.push(provenRead(v.slot.space, v.slot.index, v.slotRoot, v.slotProof));
  }
  const hasWrite = r.u8("hasWrite");
  if (hasWrite > 1) throw new RangeError(`hasWrite must be 0 or 1, got ${hasWrite}`);
  const write = hasWrite === 1 ? value("write") : null;
  r.end("one-step proof");
  return { pre, header, instruction, reads, write };
}

/** A one-line description for logs. */
export function describeWitness(w: StepWitness): string {
  const pc = w.pre.pc;
  return `step ${w.step} pc (${pc.instr}, ${pc.elem}, ${pc.k}): ${w.reads.length} reads${w.write ? ", 1 write" : ""} → ${toHex(w.postHash)}`;
}
