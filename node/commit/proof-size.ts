// The size of a program's one-step proofs (PROTOCOL §6.1), from the program alone: no run,
// no trace. Each step's proof carries its instruction with a path, then each value it uses
// with a leaf path and a (joined) slot path, so its length follows from the slot sizes and
// slot indices the instructions name. The bound assumes no zero sibling (a zero subtree only
// shortens a path) and counts every hash, leaf and address byte as non-zero, so it is at
// least each real proof's calldata; on the last element of a slot, the heaviest step of an
// instruction, real proofs come within a few siblings of it. Large models' heaviest proofs
// cost their EIP-7623 calldata floor (`npm run gas -- --real-size`), which this gives.
import { Instruction, Kind, Program, Space, product } from "../program/isa";
import { depthFor, leafCount } from "./leaves";
import { encodeInstruction } from "./program-root";
import { meetingLevel } from "./witness";

/** The largest proof of one instruction's steps of one phase. */
export interface StepProofBound {
  instr: number;
  kind: Kind;
  /** "accumulate": a Dot or Reduce step with k < K; "write": every other step. */
  phase: "accumulate" | "write";
  /** The proof's bytes (§6.1) and the one-step transaction's calldata as `npm run gas` sends it. */
  proofBytes: number;
  calldataBytes: number;
  /** EIP-7623 calldata tokens (a zero byte 1, any other 4), at most. */
  tokens: number;
  /** The transaction's EIP-7623 floor, 21,000 + 10 · tokens: what a calldata-bound step costs. */
  floorGas: number;
}

/** One value of a proof: its space, slot, and the slot's length in values. */
interface ValueRef {
  space: Space;
  slot: number;
  length: number;
}

const WORD = 32;
const TX_BASE_GAS = 21_000;
const FLOOR_GAS_PER_TOKEN = 10;
/** Tokens of `n` bytes counted as non-zero (hashes, leaves, addresses: an upper bound). */
const dense = (n: number): number => 4 * n;

function tokensOf(bytes: Uint8Array): number {
  let t = 0;
  for (const b of bytes) t += b === 0 ? 1 : 4;
  return t;
}

/** Tokens of a big-endian unsigned integer of `size` bytes. */
function uintTokens(x: number, size: number): number {
  let t = 0;
  for (let i = size - 1; i >= 0; i--) t += Math.floor(x / 256 ** i) % 256 === 0 ? 1 : 4;
  return t;
}

function slotCount(program: Program, space: Space): number {
  return space === Space.Weight
    ? program.weights.length
    : space === Space.Input
      ? program.inputs.length
      : program.activations.length;
}

/**
 * Levels of each value's slot path (§6.1 "Joined slot paths"): the full depth of its space
 * for the first value of a space; else joined to an earlier read of its space — 0 for the
 * same slot, else the lowest meeting level. The write (last) is never a reference.
 */
function slotPathLevels(program: Program, values: readonly ValueRef[]): number[] {
  return values.map((v, i) => {
    // Values before it are reads: the write comes last.
    const earlier = values.slice(0, i).filter((r) => r.space === v.space);
    if (earlier.length === 0) return depthFor(Math.max(1, slotCount(program, v.space)));
    if (earlier.some((r) => r.slot === v.slot)) return 0;
    return Math.min(...earlier.map((r) => meetingLevel(r.slot, v.slot)));
  });
}

function operandRef(ins: Instruction, j: number): ValueRef {
  const o = ins.inputs[j];
  return { space: o.slot.space, slot: o.slot.index, length: product(o.dims) };
}

/** The value lists a phase of an instruction can prove: several for Move (one per source). */
function valueSets(ins: Instruction): { phase: StepProofBound["phase"]; reads: ValueRef[]; write: boolean }[] {
  const reads = (js: number[]) => js.map((j) => operandRef(ins, j));
  switch (ins.kind) {
    case Kind.Dot:
      return [
        { phase: "accumulate", reads: reads([0, 1]), write: false },
        { phase: "write", reads: ins.inputs.length > 2 ? reads([2]) : [], write: true },
      ];
    case Kind.Reduce:
      return [
        { phase: "accumulate", reads: reads([0]), write: false },
        { phase: "write", reads: [], write: true },
      ];
    case Kind.Map:
      return [{ phase: "write", reads: reads(ins.inputs.map((_, j) => j)), write: true }];
    case Kind.Move:
      // The first valid source is read: any one of them.
      return ins.inputs.map((_, j) => ({ phase: "write" as const, reads: reads([j]), write: true }));
  }
}

/** Bounds of each phase of instruction `i` (for Move, of its heaviest source). */
export function instructionProofBounds(program: Program, i: number): StepProofBound[] {
  const ins = program.instructions[i];
  const bytes = encodeInstruction(ins, i);
  const instrDepth = depthFor(Math.max(1, program.instructions.length));
  const fixed = {
    // pre: three roots, pc (instr exact; elem and k at most) and acc.
    preTokens: dense(3 * WORD) + uintTokens(i, 4) + dense(12),
    // header: instruction tree root and the four counts.
    headerTokens:
      dense(WORD) +
      uintTokens(program.instructions.length, 4) +
      uintTokens(program.weights.length, 4) +
      uintTokens(program.inputs.length, 4) +
      uintTokens(program.activations.length, 4),
  };
  const out: StepProofBound[] = [];
  for (const set of valueSets(ins)) {
    const values = set.write
      ? [...set.reads, { space: Space.Activation, slot: ins.out.index, length: product(ins.iterDims) }]
      : set.reads;
    const slotLevels = slotPathLevels(program, values);
    // pre (112) ‖ header (48) ‖ u32 length ‖ instruction ‖ path ‖ u8 #reads ‖ values ‖ u8 hasWrite
    let proofBytes = 112 + 48 + 4 + bytes.length + 5 + WORD * instrDepth + 1 + 1;
    let tokens =
      fixed.preTokens +
      fixed.headerTokens +
      uintTokens(bytes.length, 4) +
      tokensOf(bytes) +
      uintTokens(instrDepth, 1) +
      4 + // zero mask 0: no zero sibling assumed
      dense(WORD * instrDepth) +
      uintTokens(set.reads.length, 1) +
      uintTokens(set.write ? 1 : 0, 1);
    values.forEach((v, n) => {
      const leafLevels = depthFor(leafCount(v.length));
      // u8 space ‖ u32 slot ‖ u32 address ‖ leaf ‖ leaf path ‖ slot path
      proofBytes += 9 + WORD + 5 + WORD * leafLevels + 5 + WORD * slotLevels[n];
      tokens +=
        uintTokens(v.space, 1) +
        uintTokens(v.slot, 4) +
        dense(4) +
        dense(WORD) +
        uintTokens(leafLevels, 1) +
        4 +
        dense(WORD * leafLevels) +
        uintTokens(slotLevels[n], 1) +
        4 +
        dense(WORD * slotLevels[n]);
    });
    // step(bytes32 programRoot, bytes32 preStateHash, bytes proof): selector, two words, the
    // offset word, the length word, the proof padded to words.
    const padded = Math.ceil(proofBytes / WORD) * WORD;
    const calldataBytes = 4 + 4 * WORD + padded;
    tokens += dense(4) + dense(2 * WORD) + (WORD - 1 + 4) + uintTokens(proofBytes, WORD) + (padded - proofBytes);
    out.push({
      instr: i,
      kind: ins.kind,
      phase: set.phase,
      proofBytes,
      calldataBytes,
      tokens,
      floorGas: TX_BASE_GAS + FLOOR_GAS_PER_TOKEN * tokens,
    });
  }
  // Move: one bound per source; keep the heaviest.
  if (ins.kind === Kind.Move) return [out.reduce((a, b) => (b.tokens > a.tokens ? b : a))];
  return out;
}

/** The heaviest one-step proof bound of the whole program (null for no instructions). */
export function heaviestProofBound(program: Program): StepProofBound | null {
  let best: StepProofBound | null = null;
  for (let i = 0; i < program.instructions.length; i++)
    for (const b of instructionProofBounds(program, i)) if (best === null || b.tokens > best.tokens) best = b;
  return best;
}
