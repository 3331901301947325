// FO32 public API (docs/PROTOCOL.md §1, docs/FO32.md). Every function takes binary32 values
// (JS numbers that are exact binary32) and returns a binary32 value. NaN results may be any
// JS NaN: storage canonicalizes to 0x7FC00000 (see bitsOf).
import { FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, MapOp } from "../program/isa";
import { abs, add, div, fromBits, isNegative, max, min, mul, neg, sqrt, sub } from "./core";
import { cos, elu, erf, exp, gelu, log, pow, selu, sigmoid, sin, softplus, tanh } from "./transcendental";

export { f32, bitsOf, fromBits, add, sub, mul, div, sqrt, max, min, abs, neg, isNegative } from "./core";
export { exp, expm1, log, tanh, sigmoid, softplus, erf, gelu, elu, selu, pow, sin, cos } from "./transcendental";

// ---- elementwise definitions (docs/FO32.md §2) ----------------------------------------------

const TWO23 = fromBits(0x4b000000); // 2^23: from here on every binary32 is an integer

// ONNX attribute defaults, used when an instruction carries fewer params.
const LEAKY_ALPHA = fromBits(0x3c23d70a); // 0.01
const HSIG_ALPHA = fromBits(0x3e4ccccd); // 0.2
const HSIG_BETA = fromBits(0x3f000000); // 0.5
const HSWISH_ALPHA = fromBits(0x3e2aaaab); // f32(1/6)
export const ELU_ALPHA = fromBits(0x3f800000); // 1
export const SELU_ALPHA = fromBits(0x3fd62d7d); // 1.67326319
export const SELU_GAMMA = fromBits(0x3f867d5f); // 1.05070102

export function relu(x: number): number {
  return x !== x ? NaN : x > 0 ? x : 0;
}

export function leakyRelu(x: number, alpha: number): number {
  return x < 0 ? mul(alpha, x) : x;
}

/** Clip = min(max(x, lo), hi). */
export function clip(x: number, lo: number, hi: number): number {
  return min(max(x, lo), hi);
}

/** HardSigmoid = max(0, min(1, alpha·x + beta)), each operation rounded. */
export function hardSigmoid(x: number, alpha: number, beta: number): number {
  return max(0, min(1, add(mul(alpha, x), beta)));
}

/** HardSwish = x·HardSigmoid(x; f32(1/6), 0.5); HardSwish(−inf) = −0 (the limit, not inf·0). */
export function hardSwish(x: number): number {
  if (x === -Infinity) return -0;
  return mul(x, hardSigmoid(x, HSWISH_ALPHA, HSIG_BETA));
}

/** Softsign = x / (1 + |x|); ±inf → ±1 (the limit, not inf/inf). */
export function softsign(x: number): number {
  if (x === Infinity) return 1;
  if (x === -Infinity) return -1;
  return div(x, add(1, abs(x)));
}

/** Sign: NaN → NaN, ±0 → ±0, otherwise ±1. */
export function sign(x: number): number {
  if (x !== x) return NaN;
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

/** Round half to even: |x| < 2^23 is rounded by (|x| + 2^23) − 2^23, sign restored. */
export function round(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a >= TWO23) return x; // integral already (or ±inf)
  const r = sub(add(a, TWO23), TWO23);
  return isNegative(x) ? -r : r;
}

export function floor(x: number): number {
  return Math.floor(x); // exact; NaN → NaN, −0 → −0
}

export function ceil(x: number): number {
  return Math.ceil(x); // exact; NaN → NaN, ceil(−0.5) = −0
}

export function reciprocal(x: number): number {
  return div(1, x);
}

/** Comparisons: 1 (true) or +0 (false); IEEE ordering, so −0 = +0 and NaN compares false. */
export function equal(x: number, y: number): number {
  return x === y ? 1 : 0;
}
export function less(x: number, y: number): number {
  return x < y ? 1 : 0;
}
export function lessOrEqual(x: number, y: number): number {
  return x <= y ? 1 : 0;
}

/** Where: x if c is not ±0 (a NaN c counts as true, as ONNX's Cast to bool reads it), else y. */
export function where(c: number, x: number, y: number): number {
  return c !== 0 ? x : y;
}

/** PRelu: x < 0 ? x·slope : x. */
export function prelu(x: number, slope: number): number {
  return x < 0 ? mul(x, slope) : x;
}

function param(params: readonly number[], i: number, dflt: number): number {
  return i < params.length ? params[i] : dflt;
}

/** Apply a unary Map op (or Dot epilogue) with its params. */
export function unaryOp(op: MapOp, x: number, params: readonly number[]): number {
  return unaryFunction(op, params)(x);
}

/** Apply a binary Map op. */
export function binaryOp(op: MapOp, x: number, y: number): number {
  return binaryFunction(op)(x, y);
}

/** A specialized closure for a unary op: the VM's fast path calls this once per instruction. */
export function unaryFunction(op: MapOp, params: readonly number[]): (x: number) => number {
  switch (op) {
    case MapOp.None:
    case MapOp.Identity:
      return (x) => x;
    case MapOp.Neg:
      return neg;
    case MapOp.Abs:
      return abs;
    case MapOp.Relu:
      return relu;
    case MapOp.LeakyRelu: {
      const alpha = param(params, 0, LEAKY_ALPHA);
      return (x) => leakyRelu(x, alpha);
    }
    case MapOp.Clip: {
      const lo = param(params, 0, -Infinity);
      const hi = param(params, 1, Infinity);
      return (x) => clip(x, lo, hi);
    }
    case MapOp.HardSigmoid: {
      const alpha = param(params, 0, HSIG_ALPHA);
      const beta = param(params, 1, HSIG_BETA);
      return (x) => hardSigmoid(x, alpha, beta);
    }
    case MapOp.HardSwish:
      return hardSwish;
    case MapOp.Sigmoid:
      return sigmoid;
    case MapOp.Tanh:
      return tanh;
    case MapOp.Exp:
      return exp;
    case MapOp.Log:
      return log;
    case MapOp.Sqrt:
      return sqrt;
    case MapOp.Erf:
      return erf;
    case MapOp.Reciprocal:
      return reciprocal;
    case MapOp.Floor:
      return floor;
    case MapOp.Ceil:
      return ceil;
    case MapOp.Softplus:
      return softplus;
    case MapOp.Gelu:
      return gelu;
    case MapOp.Sin:
      return sin;
    case MapOp.Cos:
      return cos;
    case MapOp.Elu: {
      const alpha = param(params, 0, ELU_ALPHA);
      return (x) => elu(x, alpha);
    }
    case MapOp.Selu: {
      const alpha = param(params, 0, SELU_ALPHA);
      const gamma = param(params, 1, SELU_GAMMA);
      return (x) => selu(x, alpha, gamma);
    }
    case MapOp.Softsign:
      return softsign;
    case MapOp.Sign:
      return sign;
    case MapOp.Round:
      return round;
    default:
      throw new Error(`FO32: unary op ${MapOp[op] ?? op} not implemented`);
  }
}

/** A specialized closure for a binary op. */
export function binaryFunction(op: MapOp): (x: number, y: number) => number {
  switch (op) {
    case MapOp.Add:
      return add;
    case MapOp.Sub:
      return sub;
    case MapOp.Mul:
      return mul;
    case MapOp.Div:
      return div;
    case MapOp.Max:
      return max;
    case MapOp.Min:
      return min;
    case MapOp.Pow:
      return pow;
    case MapOp.PRelu:
      return prelu;
    case MapOp.Equal:
      return equal;
    case MapOp.Less:
      return less;
    case MapOp.LessOrEqual:
      return lessOrEqual;
    default:
      throw new Error(`FO32: binary op ${MapOp[op] ?? op} not implemented`);
  }
}

/** A specialized closure for a ternary op. */
export function ternaryFunction(op: MapOp): (c: number, x: number, y: number) => number {
  switch (op) {
    case MapOp.Where:
      return where;
    default:
      throw new Error(`FO32: ternary op ${MapOp[op] ?? op} not implemented`);
  }
}

/** Apply a Map op of any arity to its operand values (params for unary ops). */
export function mapOp(op: MapOp, xs: readonly number[], params: readonly number[]): number {
  if (op >= FIRST_TERNARY_MAP_OP) return ternaryFunction(op)(xs[0], xs[1], xs[2]);
  if (op >= FIRST_BINARY_MAP_OP) return binaryFunction(op)(xs[0], xs[1]);
  return unaryFunction(op, params)(xs[0]);
}
