// The affine analysis of one instruction, shared by both engines: every operand address and
// every coordinate that can leave its dim is an affine form of the loop variables. Pure data,
// no code: the engines' plans (lanes.ts, vector.ts) and emitters start from it.
//
// Levels are the loop variables in program order: iterDims (output levels) then redDims
// (reduction levels). Addresses are element indices within a slot; the emitters scale them
// (bytes, a slot's base offset) as their memory model needs.
import { Instruction, Kind } from "../../program/isa";
import { coordRange, iterationMax } from "../validate";

/** value = offset + Σ coefs[l]·i_l over the instruction's levels. */
export interface Form {
  offset: number;
  coefs: number[];
}

/** A coordinate that can leave [0, dim) over the iteration box: the read is valid iff it stays inside. */
export interface Check {
  /** The operand dim it indexes. */
  coord: number;
  form: Form;
  dim: number;
  /** The last level the coordinate moves along (the loop level that fixes it). */
  level: number;
  /** It can be < 0 / ≥ dim somewhere in the box. */
  lower: boolean;
  upper: boolean;
}

/**
 * "reduce": read at every reduction step (Dot A and B, Reduce X); "element": read once per
 * output element (Dot bias, Map inputs, Move sources).
 */
export type Role = "reduce" | "element";

export interface OperandPlan {
  index: number;
  role: Role;
  /** Element index within the operand's slot. */
  addr: Form;
  /** Checked coordinates (reduction operands and Move sources; others are always in range). */
  checks: Check[];
  /** Some coordinate is a constant out of range: no read is ever valid. */
  neverValid: boolean;
  /** Every checked coordinate's range and dim fit in a signed 32-bit integer. */
  fitsI32: boolean;
}

export interface Level {
  extent: number;
  reduction: boolean;
}

export interface InstructionPlan {
  kind: Kind;
  levels: Level[];
  /** Number of output levels (iterDims.length); they come first. */
  outputLevels: number;
  /** Output element index: the row-major index of the output levels. */
  out: Form;
  operands: OperandPlan[];
  /** Reduction steps per element (Π redDims; 1 without reduction levels). */
  reductionSteps: number;
  /** Dot / Reduce whose reduction never reads (K = 0, or a reduction operand never valid). */
  emptyReduction: boolean;
}

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;

/** Row-major strides of `dims` (in elements). */
export function rowMajorStrides(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  for (let d = dims.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= dims[d];
  }
  return strides;
}

/** The role of input j of `ins`. */
export function roleOf(ins: Instruction, j: number): Role {
  const reduces = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  return reduces && !(ins.kind === Kind.Dot && j === 2) ? "reduce" : "element";
}

function planOperand(ins: Instruction, j: number, hi: readonly number[]): OperandPlan {
  const op = ins.inputs[j];
  const a = ins.iterDims.length;
  const L = a + ins.redDims.length;
  const role = roleOf(ins, j);
  // An element operand of a Dot (the bias) is read once, at reduction index 0.
  const onlyOutputLevels = role === "element" && ins.kind === Kind.Dot;
  const coefAt = (d: number, l: number): number => (onlyOutputLevels && l >= a ? 0 : op.coef[d * L + l]);
  const strides = rowMajorStrides(op.dims);
  const addr: Form = { offset: 0, coefs: new Array<number>(L).fill(0) };
  for (let d = 0; d < op.dims.length; d++) {
    addr.offset += op.offset[d] * strides[d];
    for (let l = 0; l < L; l++) addr.coefs[l] += coefAt(d, l) * strides[d];
  }
  const plan: OperandPlan = { index: j, role, addr, checks: [], neverValid: false, fitsI32: true };
  // Map reads and the Dot bias are always in range (validateProgram); nothing to check.
  if (role === "element" && ins.kind !== Kind.Move) return plan;
  for (let d = 0; d < op.dims.length; d++) {
    const [lo, up] = coordRange(op, d, hi);
    if (lo >= 0 && up < op.dims[d]) continue; // always in range: no check
    if (lo < I32_MIN || up > I32_MAX || op.dims[d] > I32_MAX) plan.fitsI32 = false;
    const coefs = Array.from({ length: L }, (_, l) => coefAt(d, l));
    const level = coefs.reduce((last, c, l) => (c !== 0 ? l : last), -1);
    if (level === -1) {
      plan.neverValid = true; // a constant coordinate out of range
      continue;
    }
    plan.checks.push({
      coord: d,
      form: { offset: op.offset[d], coefs },
      dim: op.dims[d],
      level,
      lower: lo < 0,
      upper: up >= op.dims[d],
    });
  }
  return plan;
}

/** The affine plan of `ins` (a validated instruction). */
export function planInstruction(ins: Instruction): InstructionPlan {
  const a = ins.iterDims.length;
  const dims = ins.iterDims.concat(ins.redDims);
  const hi = iterationMax(ins);
  const out: Form = { offset: 0, coefs: new Array<number>(dims.length).fill(0) };
  const strides = rowMajorStrides(ins.iterDims);
  for (let l = 0; l < a; l++) out.coefs[l] = strides[l];
  const operands = ins.inputs.map((_, j) => planOperand(ins, j, hi));
  const reductionSteps = ins.redDims.reduce((p, d) => p * d, 1);
  const reduces = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  return {
    kind: ins.kind,
    levels: dims.map((extent, l) => ({ extent, reduction: l >= a })),
    outputLevels: a,
    out,
    operands,
    reductionSteps,
    emptyReduction: reduces && (reductionSteps === 0 || operands.some((o) => o.role === "reduce" && o.neverValid)),
  };
}
