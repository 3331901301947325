// Instruction bytes, the instruction tree and the program root (docs/PROTOCOL.md §3.3).
import { Instruction, Kind, Operand, Program, Space, TensorSpec, product } from "../program/isa";
import { ByteReader, ByteWriter, checkInt } from "./bytes";
import { INSTRUCTION_LEAF, PROGRAM_NODE, PROGRAM_ROOT } from "./domains";
import { Bytes32, keccak256, keccak256Concat } from "./keccak";
import { CANONICAL_NAN, f32Bits } from "./leaves";
import { MerkleTree } from "./merkle";

/** Bits of a param, which must already be an exact binary32 (else the VM and Solidity differ). */
function paramBits(x: number, where: string): number {
  if (typeof x !== "number") throw new TypeError(`${where}: param is not a number`);
  if (x !== x) return CANONICAL_NAN;
  if (Math.fround(x) !== x) throw new RangeError(`${where}: param ${x} is not a binary32 value`);
  return f32Bits(x);
}

/**
 * Canonical bytes of one instruction (§3.3):
 *
 *     u8 kind ‖ u8 op ‖ u8 #params ‖ u8 #iterDims ‖ u8 #redDims ‖ u8 #operands ‖ u32 outIndex
 *     ‖ u32 params[] ‖ u32 iterDims[] ‖ u32 redDims[]
 *     ‖ per operand: u8 space ‖ u8 #dims ‖ u32 slotIndex ‖ u32 dims[] ‖ i32 offset[] ‖ i32 coef[]
 *
 * Throws on any field that does not fit its width or on inconsistent array lengths.
 */
export function encodeInstruction(ins: Instruction, index?: number): Uint8Array {
  const at = index === undefined ? "instruction" : `instruction ${index}`;
  if (ins.out.space !== Space.Activation) throw new RangeError(`${at}: output must be an Activation slot`);
  const w = new ByteWriter(64);
  const width = ins.iterDims.length + ins.redDims.length;
  w.u8(ins.kind, `${at}: kind`)
    .u8(ins.op, `${at}: op`)
    .u8(ins.params.length, `${at}: #params`)
    .u8(ins.iterDims.length, `${at}: #iterDims`)
    .u8(ins.redDims.length, `${at}: #redDims`)
    .u8(ins.inputs.length, `${at}: #operands`)
    .u32(ins.out.index, `${at}: outIndex`);
  ins.params.forEach((p, j) => w.u32(paramBits(p, `${at}: params[${j}]`)));
  ins.iterDims.forEach((d, j) => w.u32(d, `${at}: iterDims[${j}]`));
  ins.redDims.forEach((d, j) => w.u32(d, `${at}: redDims[${j}]`));
  ins.inputs.forEach((op: Operand, q) => {
    const o = `${at}: operand ${q}`;
    const c = op.dims.length;
    if (op.offset.length !== c) throw new RangeError(`${o}: ${op.offset.length} offsets for ${c} dims`);
    if (op.coef.length !== c * width) throw new RangeError(`${o}: ${op.coef.length} coefs, expected ${c}×${width}`);
    w.u8(op.slot.space, `${o}: space`).u8(c, `${o}: #dims`).u32(op.slot.index, `${o}: slotIndex`);
    op.dims.forEach((d, j) => w.u32(d, `${o}: dims[${j}]`));
    op.offset.forEach((x, j) => w.i32(x, `${o}: offset[${j}]`));
    op.coef.forEach((x, j) => w.i32(x, `${o}: coef[${j}]`));
  });
  return w.finish();
}

/** Inverse of encodeInstruction; rejects truncated or trailing bytes. */
export function decodeInstruction(bytes: Uint8Array): Instruction {
  const r = new ByteReader(bytes);
  const kind = r.u8("kind");
  const op = r.u8("op");
  const nParams = r.u8("#params");
  const nIter = r.u8("#iterDims");
  const nRed = r.u8("#redDims");
  const nOps = r.u8("#operands");
  const outIndex = r.u32("outIndex");
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const params: number[] = [];
  for (let j = 0; j < nParams; j++) {
    u[0] = r.u32("param");
    params.push(f[0]);
  }
  const iterDims: number[] = [];
  for (let j = 0; j < nIter; j++) iterDims.push(r.u32("iterDim"));
  const redDims: number[] = [];
  for (let j = 0; j < nRed; j++) redDims.push(r.u32("redDim"));
  const width = nIter + nRed;
  const inputs: Operand[] = [];
  for (let q = 0; q < nOps; q++) {
    const space = r.u8("operand space");
    if (space > Space.Activation) throw new RangeError(`operand ${q}: unknown space ${space}`);
    const c = r.u8("#dims");
    const index = r.u32("slotIndex");
    const dims: number[] = [];
    for (let j = 0; j < c; j++) dims.push(r.u32("dim"));
    const offset: number[] = [];
    for (let j = 0; j < c; j++) offset.push(r.i32("offset"));
    const coef: number[] = [];
    for (let j = 0; j < c * width; j++) coef.push(r.i32("coef"));
    inputs.push({ slot: { space: space, index }, dims, offset, coef });
  }
  r.end("instruction bytes");
  if (!(kind in Kind)) throw new RangeError(`unknown instruction kind ${kind}`);
  return { kind: kind, op, params, iterDims, redDims, out: { space: Space.Activation, index: outIndex }, inputs };
}

/** h_i = H(0x04 ‖ bytes_i). */
export function instructionHash(bytes: Uint8Array): Bytes32 {
  return keccak256Concat([Uint8Array.of(INSTRUCTION_LEAF), bytes]);
}

/** The program header fields bound into programRoot next to the instruction tree root. */
export interface ProgramHeader {
  instructionTreeRoot: Bytes32;
  instructions: number;
  weightSlots: number;
  inputSlots: number;
  activationSlots: number;
}

/** programRoot = H(0x05 ‖ instructionTreeRoot ‖ u32 #instr ‖ u32 #weights ‖ u32 #inputs ‖ u32 #activations). */
export function programRootOf(header: ProgramHeader): Bytes32 {
  const w = new ByteWriter(49)
    .u8(PROGRAM_ROOT)
    .bytes(header.instructionTreeRoot)
    .u32(header.instructions, "#instructions")
    .u32(header.weightSlots, "#weightSlots")
    .u32(header.inputSlots, "#inputSlots")
    .u32(header.activationSlots, "#activationSlots");
  return keccak256(w.finish());
}

/** Instruction bytes, their tree and the program root of a program. */
export class ProgramTree {
  readonly bytes: readonly Uint8Array[];
  readonly hashes: readonly Bytes32[];
  readonly tree: MerkleTree;
  readonly header: ProgramHeader;
  readonly root: Bytes32;

  private constructor(program: Program) {
    this.bytes = program.instructions.map((ins, i) => encodeInstruction(ins, i));
    this.hashes = this.bytes.map(instructionHash);
    this.tree = MerkleTree.fromList(PROGRAM_NODE, this.hashes);
    this.header = {
      instructionTreeRoot: this.tree.root(),
      instructions: program.instructions.length,
      weightSlots: program.weights.length,
      inputSlots: program.inputs.length,
      activationSlots: program.activations.length,
    };
    this.root = programRootOf(this.header);
  }

  static build(program: Program): ProgramTree {
    return new ProgramTree(program);
  }

  /** Proof of h_i in the instruction tree (siblings bottom-up). */
  proof(i: number): Bytes32[] {
    if (!(Number.isInteger(i) && i >= 0 && i < this.bytes.length)) {
      throw new RangeError(`instruction ${i} out of range [0, ${this.bytes.length})`);
    }
    return this.tree.proof(i);
  }
}

export function programRoot(program: Program): Bytes32 {
  return ProgramTree.build(program).root;
}

/**
 * Whole-program bytes, to pin "same ONNX → same program". Everything that defines the
 * program except weight values (committed by weightsRoot) and internal slot names (which
 * mean nothing to execution):
 *
 *     "RFPG" ‖ u32 version ‖ u32 #instructions ‖ u32 #weightSlots ‖ u32 #inputSlots
 *     ‖ u32 #activationSlots
 *     ‖ u32 length[] of every weight slot ‖ u32 length[] of every activation slot
 *     ‖ inputs spec list ‖ outputs spec list               (as in §3.5, without the prefix)
 *     ‖ per instruction: u32 byteLength ‖ instruction bytes (§3.3)
 */
export function encodeProgram(program: Program): Uint8Array {
  const w = new ByteWriter(1024);
  w.bytes(new TextEncoder().encode("RFPG"))
    .u32(program.version, "version")
    .u32(program.instructions.length, "#instructions")
    .u32(program.weights.length, "#weightSlots")
    .u32(program.inputs.length, "#inputSlots")
    .u32(program.activations.length, "#activationSlots");
  program.weights.forEach((s, i) => w.u32(s.data.length, `weight ${i} length`));
  program.activations.forEach((s, i) => w.u32(s.length, `activation ${i} length`));
  writeSpecList(w, program.inputs);
  writeSpecList(w, program.outputs);
  program.instructions.forEach((ins, i) => {
    const b = encodeInstruction(ins, i);
    w.u32(b.length).bytes(b);
  });
  return w.finish();
}

/** u32 count ‖ per spec: u8 space ‖ u32 slotIndex ‖ u8 #dims ‖ u32 dims[] ‖ u16 nameLength ‖ name. */
export function writeSpecList(w: ByteWriter, specs: readonly TensorSpec[]): void {
  w.u32(specs.length, "#specs");
  for (const s of specs) {
    const name = new TextEncoder().encode(s.name);
    checkInt(product(s.dims), 0, Number.MAX_SAFE_INTEGER, `spec ${s.name}: element count`);
    w.u8(s.slot.space, `spec ${s.name}: space`)
      .u32(s.slot.index, `spec ${s.name}: slotIndex`)
      .u8(s.dims.length, `spec ${s.name}: #dims`);
    s.dims.forEach((d, j) => w.u32(d, `spec ${s.name}: dims[${j}]`));
    w.u16(name.length, `spec ${s.name}: name length`).bytes(name);
  }
}
