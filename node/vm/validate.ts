// Static checks of a program against docs/PROTOCOL.md §2, run before execution. Anything
// the step semantics leaves undefined (a Map read out of range, a bias read out of range, an
// activation slot read before it is written, …) is rejected here with a message naming the
// instruction, so neither the fast executor nor the stepper has to guess.
import {
  COMPILER_VERSION,
  FIRST_BINARY_MAP_OP,
  mapArity,
  Instruction,
  Kind,
  MapOp,
  Operand,
  Program,
  ReduceOp,
  SlotRef,
  Space,
  product,
  slotLength,
  stepCount,
} from "../program/isa";
import { RefereeError } from "../errors";

export class InvalidProgramError extends RefereeError {
  constructor(message: string) {
    super("INTERNAL", `invalid program: ${message}`);
    this.name = "InvalidProgramError";
  }
}

const U32_MAX = 0xffffffff;
const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;

/**
 * Largest value of each iteration variable over the box that `it` ranges over. With
 * `reductionAtZero` the reduction variables are pinned to 0 (the bias read of a Dot).
 */
export function iterationMax(ins: Instruction, reductionAtZero = false): number[] {
  const hi = ins.iterDims.map((n) => Math.max(0, n - 1));
  for (const m of ins.redDims) hi.push(reductionAtZero ? 0 : Math.max(0, m - 1));
  return hi;
}

/** Exact [min, max] of coordinate `j` of `operand` over the box 0 ≤ it_i ≤ hi_i. */
export function coordRange(operand: Operand, j: number, hi: readonly number[]): [number, number] {
  const w = hi.length;
  let lo = operand.offset[j];
  let up = operand.offset[j];
  for (let i = 0; i < w; i++) {
    const t = operand.coef[j * w + i] * hi[i];
    if (t < 0) lo += t;
    else up += t;
  }
  return [lo, up];
}

/** Every read of `operand` is in range over the box. */
export function alwaysValid(operand: Operand, hi: readonly number[]): boolean {
  for (let j = 0; j < operand.dims.length; j++) {
    const [lo, up] = coordRange(operand, j, hi);
    if (lo < 0 || up >= operand.dims[j]) return false;
  }
  return true;
}

function isBinary32(x: number): boolean {
  return typeof x === "number" && (x !== x || Math.fround(x) === x);
}

function isDim(x: number, max = U32_MAX): boolean {
  return Number.isInteger(x) && x >= 0 && x <= max;
}

function slotExists(program: Program, ref: SlotRef): boolean {
  if (!Number.isInteger(ref.index) || ref.index < 0) return false;
  switch (ref.space) {
    case Space.Weight:
      return ref.index < program.weights.length;
    case Space.Input:
      return ref.index < program.inputs.length;
    case Space.Activation:
      return ref.index < program.activations.length;
    default:
      return false;
  }
}

function slotName(ref: SlotRef): string {
  return `${Space[ref.space] ?? ref.space}[${ref.index}]`;
}

/** Throws InvalidProgramError naming the first problem found; returns N on success. */
export function validateProgram(program: Program): number {
  if (program.version !== COMPILER_VERSION) {
    throw new InvalidProgramError(`version ${program.version}, this VM implements ${COMPILER_VERSION}`);
  }
  program.weights.forEach((w, i) => {
    if (!(w.data instanceof Float32Array)) throw new InvalidProgramError(`weight slot ${i} is not a Float32Array`);
  });
  program.inputs.forEach((spec, i) => {
    if (spec.slot.space !== Space.Input || spec.slot.index !== i) {
      throw new InvalidProgramError(`input ${i} (${spec.name}) must name slot Input[${i}]`);
    }
    if (!spec.dims.every((d) => isDim(d))) throw new InvalidProgramError(`input ${spec.name} has bad dims`);
  });
  program.activations.forEach((a, i) => {
    if (!isDim(a.length)) throw new InvalidProgramError(`activation slot ${i} has bad length ${a.length}`);
  });
  if (program.instructions.length >= U32_MAX) throw new InvalidProgramError("too many instructions");

  // writtenBy[a] = index of the instruction writing activation slot a.
  const writtenBy = new Array<number>(program.activations.length).fill(-1);
  let total = 0;
  program.instructions.forEach((ins, i) => {
    const where = `instruction ${i} (${Kind[ins.kind] ?? ins.kind})`;
    const fail = (msg: string): never => {
      throw new InvalidProgramError(`${where}: ${msg}`);
    };
    validateInstruction(program, ins, fail);
    // SSA: one writer per slot; reads only of slots finished by earlier instructions (§4
    // derives the state at step s assuming later slots are still zero).
    if (writtenBy[ins.out.index] !== -1) {
      fail(`output ${slotName(ins.out)} already written by instruction ${writtenBy[ins.out.index]}`);
    }
    ins.inputs.forEach((op, j) => {
      if (op.slot.space !== Space.Activation) return;
      if (op.slot.index === ins.out.index) fail(`operand ${j} reads the instruction's own output`);
      if (writtenBy[op.slot.index] === -1) {
        fail(`operand ${j} reads ${slotName(op.slot)} before any instruction writes it`);
      }
    });
    writtenBy[ins.out.index] = i;
    total += stepCount(ins);
  });
  writtenBy.forEach((w, a) => {
    if (w === -1)
      throw new InvalidProgramError(`activation slot ${a} (${program.activations[a].name}) is never written`);
  });
  program.outputs.forEach((spec) => {
    if (!slotExists(program, spec.slot)) throw new InvalidProgramError(`output ${spec.name} names a missing slot`);
    if (product(spec.dims) !== slotLength(program, spec.slot)) {
      throw new InvalidProgramError(`output ${spec.name}: dims [${spec.dims}] do not match its slot`);
    }
  });
  if (!Number.isSafeInteger(total)) throw new InvalidProgramError(`${total} steps: beyond 2^53`);
  return total;
}

function validateInstruction(program: Program, ins: Instruction, fail: (msg: string) => never): void {
  if (!(ins.kind in Kind) || typeof ins.kind !== "number") fail(`unknown kind ${ins.kind}`);
  if (!ins.iterDims.every((d) => isDim(d))) fail(`bad iterDims [${ins.iterDims}]`);
  if (!ins.redDims.every((d) => isDim(d))) fail(`bad redDims [${ins.redDims}]`);
  if (ins.iterDims.length > 255 || ins.redDims.length > 255 || ins.params.length > 255 || ins.inputs.length > 255) {
    fail("more than 255 dims, params or operands");
  }
  if (!ins.params.every(isBinary32)) fail(`params [${ins.params}] are not all binary32 values`);
  const E = product(ins.iterDims);
  const K = product(ins.redDims);
  // E = 0 would leave pc = (i, 0, 0) pointing at no element (the advance rule enters every
  // instruction at element 0).
  if (E === 0 || E > U32_MAX) fail(`E = ${E} output elements: must be in [1, 2^32)`);
  if (K > U32_MAX - 1) fail(`K = ${K} reduction steps: k = K must fit a u32`);
  if (ins.out.space !== Space.Activation || !slotExists(program, ins.out)) {
    fail(`output must be an existing Activation slot, got ${slotName(ins.out)}`);
  }
  if (program.activations[ins.out.index].length !== E) {
    fail(`E = ${E} but output slot ${slotName(ins.out)} has length ${program.activations[ins.out.index].length}`);
  }

  const w = ins.iterDims.length + ins.redDims.length;
  const hi = iterationMax(ins);
  ins.inputs.forEach((op, j) => {
    if (!slotExists(program, op.slot)) fail(`operand ${j} names missing slot ${slotName(op.slot)}`);
    if (!op.dims.every((d) => isDim(d))) fail(`operand ${j} has bad dims [${op.dims}]`);
    if (op.dims.length > 255) fail(`operand ${j} has more than 255 dims`);
    if (product(op.dims) !== slotLength(program, op.slot)) {
      fail(
        `operand ${j} dims [${op.dims}] (product ${product(op.dims)}) do not match ${slotName(op.slot)} of length ${slotLength(program, op.slot)}`,
      );
    }
    if (op.offset.length !== op.dims.length)
      fail(`operand ${j} has ${op.offset.length} offsets for ${op.dims.length} dims`);
    if (op.coef.length !== op.dims.length * w) {
      fail(`operand ${j} has ${op.coef.length} coefs, expected ${op.dims.length} × ${w}`);
    }
    const isI32 = (x: number): boolean => Number.isInteger(x) && x >= I32_MIN && x <= I32_MAX;
    if (!op.offset.every(isI32) || !op.coef.every(isI32)) fail(`operand ${j} offsets/coefs must be i32 integers`);
    // Coordinates, and the fast path's incremental addresses (Σ coord·stride), are computed
    // in JS numbers: keep every partial sum exact.
    let bound = 0;
    let stride = 1;
    for (let d = op.dims.length - 1; d >= 0; d--) {
      const [lo, up] = coordRange(op, d, hi);
      bound += Math.max(Math.abs(lo), Math.abs(up)) * stride;
      stride *= op.dims[d];
    }
    if (!(bound <= Number.MAX_SAFE_INTEGER)) fail(`operand ${j} coordinates or addresses can exceed 2^53`);
  });

  const n = ins.inputs.length;
  switch (ins.kind) {
    case Kind.Dot:
      if (n !== 2 && n !== 3) fail(`Dot takes A, B [, bias], got ${n} operands`);
      if (!(ins.op in MapOp) || ins.op >= FIRST_BINARY_MAP_OP) fail(`Dot epilogue ${ins.op} is not a unary Map op`);
      if (n === 3 && !alwaysValid(ins.inputs[2], iterationMax(ins, true))) {
        fail("bias read can be out of range (it must be valid for every element at r = 0)");
      }
      break;
    case Kind.Reduce:
      if (n !== 1) fail(`Reduce takes one operand, got ${n}`);
      if (!(ins.op in ReduceOp)) fail(`unknown reduce op ${ins.op}`);
      if (ins.op === ReduceOp.Mean && ins.params.length < 1) fail("Mean needs params[0] (the divisor)");
      break;
    case Kind.Map: {
      if (ins.redDims.length !== 0) fail("Map has no reduction dims");
      if (!(ins.op in MapOp) || ins.op === MapOp.None) fail(`unknown Map op ${ins.op}`);
      const arity = mapArity(ins.op);
      if (n !== arity) fail(`${MapOp[ins.op]} takes ${arity} operand(s), got ${n}`);
      ins.inputs.forEach((op, j) => {
        if (!alwaysValid(op, hi)) fail(`Map operand ${j} can be read out of range`);
      });
      break;
    }
    case Kind.Move:
      if (ins.redDims.length !== 0) fail("Move has no reduction dims");
      if (ins.op !== 0) fail(`Move op must be 0, got ${ins.op}`);
      // params[0] is only read for elements with no valid source; the executors check that
      // at run time (an exact static check would need the union of the sources' boxes).
      break;
  }
}
