// The instruction set: what the compiler emits and what the VM, the commitments and the
// on-chain verifier all interpret. It sits at the bottom of the import graph: every stage
// may import it, it imports nothing of the project. Semantics are specified in
// docs/PROTOCOL.md; any change to them bumps COMPILER_VERSION.

/** Version of the compiler and of the program semantics. Part of the model commitment. */
export const COMPILER_VERSION = 2;

/** The three memory spaces. Each is a list of slots; each slot is a flat float32 tensor. */
export enum Space {
  Weight = 0,
  Input = 1,
  Activation = 2,
}

export interface SlotRef {
  space: Space;
  index: number;
}

/** The four kernel kinds every ONNX op lowers to. */
export enum Kind {
  Dot = 1,
  Map = 2,
  Reduce = 3,
  Move = 4,
}

/**
 * Elementwise operations (Map's `op`, and Dot's epilogue). Unary ops read inputs[0];
 * binary ops read inputs[0] and inputs[1]; ternary ops read inputs[0..2]. `params` are
 * binary32 values. Booleans are 1.0 (true) and +0 (false).
 * The numbering is part of the program encoding: never renumber, only append.
 */
export enum MapOp {
  None = 0, // Dot epilogue only: no activation
  // unary
  Identity = 1,
  Neg = 2,
  Abs = 3,
  Relu = 4,
  LeakyRelu = 5, // params[0] = alpha
  Clip = 6, // params[0] = min, params[1] = max
  HardSigmoid = 7, // params[0] = alpha, params[1] = beta
  HardSwish = 8,
  Sigmoid = 9,
  Tanh = 10,
  Exp = 11,
  Log = 12,
  Sqrt = 13,
  Erf = 14,
  Reciprocal = 15,
  Floor = 16,
  Ceil = 17,
  Softplus = 18,
  Gelu = 19, // exact (erf) form
  Sin = 20,
  Cos = 21,
  Elu = 22, // params[0] = alpha
  Selu = 23, // params[0] = alpha, params[1] = gamma
  Softsign = 24,
  Sign = 25,
  Round = 26,
  // binary
  Add = 64,
  Sub = 65,
  Mul = 66,
  Div = 67,
  Max = 68,
  Min = 69,
  Pow = 70,
  PRelu = 71, // x < 0 ? x * slope : x
  Equal = 72, // x == y ? 1 : +0 (−0 == +0; NaN equals nothing)
  Less = 73, // x < y ? 1 : +0 (false when either is NaN)
  LessOrEqual = 74, // x <= y ? 1 : +0 (false when either is NaN)
  // ternary
  Where = 128, // c ≠ ±0 ? x : y, for (c, x, y) = inputs[0..2]; a NaN c counts as true
}

export const FIRST_BINARY_MAP_OP = 64;
export const FIRST_TERNARY_MAP_OP = 128;

/** Operands a Map op reads: 1, 2 or 3. */
export function mapArity(op: number): 1 | 2 | 3 {
  return op >= FIRST_TERNARY_MAP_OP ? 3 : op >= FIRST_BINARY_MAP_OP ? 2 : 1;
}

/** Reductions (Reduce's `op`). */
export enum ReduceOp {
  Sum = 1,
  Max = 2,
  Min = 3,
  Mean = 4, // sum, then divided by params[0] at the write step
}

/**
 * An operand: a view of one slot as a tensor of `dims` (row-major, product = slot length),
 * addressed by an affine map of the iteration index.
 *
 * For iteration index it = (o_0..o_{n-1}, r_0..r_{m-1}) (output iteration dims, then
 * reduction dims):   coord_j = offset[j] + Σ_i coef[j*(n+m) + i] * it_i
 * The read is valid iff 0 ≤ coord_j < dims[j] for every j; its address is the row-major
 * offset of coord. An invalid read is a padded tap (Dot, Reduce: skipped) or selects the
 * next source (Move).
 */
export interface Operand {
  slot: SlotRef;
  dims: number[];
  offset: number[];
  coef: number[]; // dims.length × (iterDims.length + redDims.length), row-major
}

/**
 * One instruction. It writes its output slot element by element, e = 0 … E−1, where
 * E = Π iterDims and e is the row-major index of (o_0..o_{n-1}) in iterDims.
 *
 * - Dot:    inputs [A, B] or [A, B, bias]. K = Π redDims multiply-accumulate steps then one
 *           write step: out[e] = epilogue(op, acc (+ bias)).
 * - Reduce: inputs [X]. K reduction steps then one write step.
 * - Map:    inputs [X], [X, Y] or [C, X, Y] (mapArity). One write step per element; redDims = [].
 * - Move:   inputs are sources tried in order; the first valid read is copied; if none is
 *           valid, params[0] is written. One write step per element; redDims = [].
 */
export interface Instruction {
  kind: Kind;
  op: number; // MapOp for Map and Dot (epilogue), ReduceOp for Reduce, 0 for Move
  params: number[]; // binary32 values
  iterDims: number[];
  redDims: number[];
  out: SlotRef; // always Space.Activation
  inputs: Operand[];
}

export interface WeightSlot {
  name: string;
  data: Float32Array;
}

export interface ActivationSlot {
  name: string;
  length: number;
}

/**
 * ONNX element types a runtime input may have besides float32. Their values are stored
 * exactly as binary32 (docs/PROTOCOL.md §2): integers only in [−2^24, 2^24], bools as 0 / 1.
 */
export type IntegerInputType = "int64" | "int32" | "int16" | "int8" | "uint64" | "uint32" | "uint16" | "uint8" | "bool";

export const INTEGER_INPUT_TYPES: readonly IntegerInputType[] = [
  "int64",
  "int32",
  "int16",
  "int8",
  "uint64",
  "uint32",
  "uint16",
  "uint8",
  "bool",
];

/** Largest magnitude of an integer input: every integer up to 2^24 is exactly a binary32. */
export const MAX_EXACT_INTEGER = 16777216;

/** A graph input or output: its name, its concrete dims, and the slot that holds it. */
export interface TensorSpec {
  name: string;
  dims: number[];
  slot: SlotRef;
  /**
   * A graph input's ONNX element type when it is an integer or bool type; absent for float32.
   * Not part of any commitment (§3.5): it only tells input readers which values to refuse.
   */
  elemType?: IntegerInputType;
}

export interface Program {
  version: number;
  instructions: Instruction[];
  weights: WeightSlot[];
  inputs: TensorSpec[]; // inputs[i].slot = { space: Input, index: i }
  activations: ActivationSlot[];
  outputs: TensorSpec[];
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/** Number of reduction steps per output element (1 for kinds without a reduction). */
export function reductionLength(ins: Instruction): number {
  return product(ins.redDims);
}

/** Steps one instruction takes: E·(K+1) for Dot and Reduce, E for Map and Move. */
export function stepCount(ins: Instruction): number {
  const e = product(ins.iterDims);
  if (ins.kind === Kind.Dot || ins.kind === Kind.Reduce) return e * (product(ins.redDims) + 1);
  return e;
}

/** Steps per output element: K+1 for Dot and Reduce, 1 for Map and Move. */
export function stepsPerElement(ins: Instruction): number {
  if (ins.kind === Kind.Dot || ins.kind === Kind.Reduce) return product(ins.redDims) + 1;
  return 1;
}

/** Total steps N of a program: the halted state is reached after exactly N steps. */
export function totalSteps(program: Program): number {
  let n = 0;
  for (const ins of program.instructions) n += stepCount(ins);
  return n;
}

/** Length in elements of the slot a SlotRef names. */
export function slotLength(program: Program, ref: SlotRef): number {
  switch (ref.space) {
    case Space.Weight:
      return program.weights[ref.index].data.length;
    case Space.Input:
      return product(program.inputs[ref.index].dims);
    case Space.Activation:
      return program.activations[ref.index].length;
  }
}
