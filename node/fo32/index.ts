// FO32 public API (docs/PROTOCOL.md §1, docs/FO32.md). Every function takes binary32 values
// (JS numbers that are exact binary32) and returns a binary32 value. NaN results may be any
// JS NaN: storage canonicalizes to 0x7FC00000 (see bitsOf).
// NOTE(owner: fo32 helper): transcendental placeholders below are replaced by the fixed
// FO32 algorithms; the signatures are the contract the VM and compiler rely on.
import { MapOp } from "../compiler/program";

export const f32 = Math.fround;

const bitsBuf = new DataView(new ArrayBuffer(4));

/** Bit pattern of a binary32 value as an unsigned 32-bit integer; every NaN → 0x7FC00000. */
export function bitsOf(x: number): number {
  if (x !== x) return 0x7fc00000;
  bitsBuf.setFloat32(0, x);
  return bitsBuf.getUint32(0);
}

export function fromBits(u: number): number {
  bitsBuf.setUint32(0, u >>> 0);
  return bitsBuf.getFloat32(0);
}

export function add(a: number, b: number): number {
  return Math.fround(a + b);
}
export function sub(a: number, b: number): number {
  return Math.fround(a - b);
}
export function mul(a: number, b: number): number {
  return Math.fround(a * b);
}
export function div(a: number, b: number): number {
  return Math.fround(a / b);
}
export function sqrt(a: number): number {
  return Math.fround(Math.sqrt(a));
}
export function max(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return a === 0 && (Object.is(a, -0) ? b : a) === b ? (Object.is(a, 0) || Object.is(b, 0) ? 0 : a) : a;
  return a > b ? a : b;
}
export function min(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return a === 0 ? (Object.is(a, -0) || Object.is(b, -0) ? -0 : 0) : a;
  return a < b ? a : b;
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
    case MapOp.Relu:
      return (x) => (x !== x ? NaN : x > 0 ? x : 0);
    case MapOp.Neg:
      return (x) => (x !== x ? NaN : -x);
    case MapOp.Sqrt:
      return sqrt;
    case MapOp.Reciprocal:
      return (x) => div(1, x);
    case MapOp.Exp:
      return (x) => f32(Math.exp(x)); // placeholder
    case MapOp.Sigmoid:
      return (x) => f32(1 / (1 + Math.exp(-x))); // placeholder
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
    default:
      throw new Error(`FO32: binary op ${MapOp[op] ?? op} not implemented`);
  }
}
