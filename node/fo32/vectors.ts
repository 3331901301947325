// FO32 test vectors for the Solidity port (contracts/lib/LibF32*.sol, LibMapOps.sol): inputs
// chosen to hit every branch — random bit patterns, random normals, and the hard cases (±0,
// subnormals, min/max normal, ±inf, NaN with payloads and sign, exact rounding ties,
// overflow and underflow boundaries, function-specific breakpoints) — with the expected
// result computed by node/fo32. Deterministic: the same seed gives the same vectors.
// Replayed on the EVM by test/evm-fo32.test.ts.
import { FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, MapOp } from "../program/isa";
import { mulberry32 } from "./mulberry32";
import { bitsOf, fromBits } from "./core";
import { binaryFunction, ternaryFunction, unaryFunction } from "./index";

/** One op over many inputs. Bit patterns are uint32 numbers; `want` is canonical (NaN = 0x7FC00000). */
export interface UnaryVectors {
  kind: "unary";
  op: MapOp;
  p0: number; // params[0] bits
  p1: number; // params[1] bits
  x: number[];
  want: number[];
}

export interface BinaryVectors {
  kind: "binary";
  op: MapOp;
  x: number[];
  y: number[];
  want: number[];
}

/** IEEE comparisons of (x, y): bit 0 x < y, bit 1 x ≤ y, bit 2 x = y, bit 3 x > y, bit 4 x ≥ y. */
export interface CompareVectors {
  kind: "compare";
  x: number[];
  y: number[];
  want: number[];
}

/** A ternary op (Where) on (c, x, y) = (x[i], y[i], z[i]). */
export interface TernaryVectors {
  kind: "ternary";
  op: MapOp;
  x: number[];
  y: number[];
  z: number[];
  want: number[];
}

export type Vectors = UnaryVectors | BinaryVectors | CompareVectors | TernaryVectors;

/** Special and boundary bit patterns every op sees (also as the second operand). */
export const HARD_BITS: readonly number[] = [
  0x00000000,
  0x80000000, // ±0
  0x00000001,
  0x80000001,
  0x00000002,
  0x00000003,
  0x007fffff,
  0x807fffff,
  0x00400000,
  0x00000100, // subnormals
  0x00800000,
  0x80800000,
  0x00800001,
  0x00ffffff,
  0x01000000, // min normal and around
  0x7f7fffff,
  0xff7fffff,
  0x7f7ffffe,
  0x7f000000,
  0x7effffff, // max normal and around
  0x7f800000,
  0xff800000, // ±inf
  0x7fc00000,
  0xffc00000,
  0x7f800001,
  0x7fbfffff,
  0xffffffff,
  0xff800001,
  0x7fc00001, // NaNs
  0x3f800000,
  0xbf800000,
  0x3f800001,
  0x3f7fffff,
  0x40000000,
  0x3f000000,
  0xbf000000, // ±1, 1±ulp, 2, ±½
  0x33800000,
  0x33000000,
  0x34000000,
  0x4b800000,
  0x4b000000,
  0x4b7fffff,
  0xcb000001, // 2^-24, 2^-25, 2^-23, 2^24, 2^23
  0x3fc00000,
  0x40400000,
  0x3eaaaaab,
  0x5f800000,
  0x1f800000,
  0xc0200000,
  0x3fb504f3, // 1.5, 3, 1/3, 2^64, 2^-64, −2.5, √2
];

const SIGN = 0x80000000;

class Gen {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  u32(): number {
    return this.next() >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
  /** Uniform in [lo, hi), rounded to binary32, as bits. */
  uniform(lo: number, hi: number): number {
    return bitsOf(Math.fround(lo + ((hi - lo) * this.next()) / 4294967296));
  }
  /** Random sign, biased exponent in [eLo, eHi], random fraction. */
  normal(eLo: number, eHi: number): number {
    const s = this.next() & 1 ? SIGN : 0;
    const e = eLo + this.int(eHi - eLo + 1);
    return (s | (e << 23) | (this.next() & 0x7fffff)) >>> 0;
  }
  /** Random sign and random subnormal (or zero) fraction. */
  subnormal(): number {
    const s = this.next() & 1 ? SIGN : 0;
    return (s | ((this.next() & 0x7fffff) >>> this.int(23))) >>> 0;
  }
  /** A value whose significand has only `bits` leading bits (exact products / ties). */
  short(bits: number, eLo: number, eHi: number): number {
    const mask = (0x7fffff >>> (23 - bits)) << (23 - bits);
    return (this.normal(eLo, eHi) & ~(0x7fffff & ~mask)) >>> 0;
  }
  /** The neighbours u−2 … u+2 of a pattern (same sign side), as bits. */
  around(u: number, r = 2): number[] {
    const out: number[] = [];
    for (let d = -r; d <= r; d++) {
      const v = u + d;
      if (v >= 0 && v <= 0xffffffff) out.push(v >>> 0);
    }
    return out;
  }
}

/** Bits of a binary32 value given as a JS number (rounded). */
function b(x: number): number {
  return bitsOf(Math.fround(x));
}

/** Inputs for a binary primitive: hard pairs, ties, overflow/underflow, random. */
function binaryInputs(g: Gen, op: MapOp, nRandom: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const x of HARD_BITS) for (const y of HARD_BITS) pairs.push([x, y]);
  for (let i = 0; i < nRandom; i++) {
    switch (i % 9) {
      case 0: // random bit patterns
        pairs.push([g.u32(), g.u32()]);
        break;
      case 1: // random normals of similar magnitude
        pairs.push([g.normal(110, 140), g.normal(110, 140)]);
        break;
      case 2: {
        // add/sub ties: a in [1, 2), b an odd multiple of 2^-24 (half an ulp of a)
        const a = (0x3f800000 | (g.u32() & 0x7fffff)) >>> 0;
        const k = (g.u32() & 0xff) | 1;
        const t = b(k * 2 ** -24);
        pairs.push(g.u32() & 1 ? [a, t] : [t, (a | SIGN) >>> 0]);
        break;
      }
      case 3: // 12-bit significands: exact products and ties, exact quotients
        pairs.push([g.short(12, 100, 150), g.short(12, 100, 150)]);
        break;
      case 4: // overflow neighbourhood
        pairs.push([g.normal(250, 254), op === MapOp.Div ? g.normal(110, 127) : g.normal(120, 135)]);
        break;
      case 5: // underflow neighbourhood: tiny × small, tiny / large, subnormal sums
        pairs.push(
          op === MapOp.Add || op === MapOp.Sub
            ? [g.subnormal(), g.normal(0, 3)]
            : [g.normal(0, 4), op === MapOp.Div ? g.normal(127, 165) : g.normal(90, 127)],
        );
        break;
      case 6: // subnormal with anything
        pairs.push([g.subnormal(), g.u32() & 1 ? g.subnormal() : g.normal(1, 254)]);
        break;
      case 7:
        // exact ties in the subnormal range: x's low s fraction bits are 100…0 and x·2^k
        // (mul) or x / 2^−k (div) puts x's LSB s bits below 2^-149; other ops get cancellation
        if (op === MapOp.Mul || op === MapOp.Div) {
          const s = 1 + g.int(23);
          const ex = 1 + g.int(100);
          const frac = ((g.u32() & 0x7fffff & ~((1 << s) - 1)) | (1 << (s - 1))) >>> 0;
          const x = ((g.u32() & SIGN) | (ex << 23) | frac) >>> 0;
          const k = 1 - s - ex; // x·2^k has its LSB at 2^(−149 − s)
          const p2 = ((k + 127) << 23) >>> 0; // 2^k, normal: k ∈ [−122, −1]
          pairs.push([x, op === MapOp.Mul ? p2 : ((254 - k - 127) << 23) >>> 0]);
        } else {
          const a = g.normal(100, 150);
          pairs.push([a, (a ^ SIGN ^ (g.u32() & 0xf)) >>> 0]);
        }
        break;
      default: // far-apart exponents (add alignment beyond 40 bits, sticky)
        pairs.push([g.normal(100, 200), g.normal(30, 160)]);
    }
  }
  return pairs;
}

/** Inputs for pow(x, y): every rule of docs/FO32.md §3.9 and random points. */
function powInputs(g: Gen, n: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const ys = [
    0,
    -0,
    1,
    -1,
    2,
    -2,
    3,
    -3,
    0.5,
    -0.5,
    0.25,
    1.5,
    2.5,
    -1.5,
    16,
    17,
    -17,
    100,
    2 ** 24,
    2 ** 24 + 2,
    -(2 ** 25),
    1e10,
    Infinity,
    -Infinity,
    NaN,
  ].map(b);
  for (const x of HARD_BITS) for (const y of ys) pairs.push([x, y]);
  for (const x of ys) for (const y of HARD_BITS) pairs.push([x, y]);
  for (let i = 0; i < n; i++) {
    switch (i % 6) {
      case 0: // x > 0, non-integer y, |y·ln x| moderate
        pairs.push([g.uniform(0, 8), g.uniform(-6, 6)]);
        break;
      case 1: // integer y (rule 8)
        pairs.push([g.uniform(-4, 4), b(g.int(65) - 32)]);
        break;
      case 2: // large integers, near 2^24
        pairs.push([g.uniform(0.999, 1.001), b((g.u32() & 1 ? -1 : 1) * (2 ** 24 - g.int(64) * 2))]);
        break;
      case 3: // x in [0.5, 2], y = k/2 + 1/4
        pairs.push([g.uniform(0.5, 2), b(g.int(33) / 2 - 8 + 0.25)]);
        break;
      case 4: // negative x with non-integer y → NaN; odd/even integer y
        pairs.push([(g.normal(100, 140) | SIGN) >>> 0, g.u32() & 1 ? g.uniform(-5, 5) : b(g.int(41) - 20)]);
        break;
      default:
        pairs.push([g.u32(), g.u32()]);
    }
  }
  return pairs;
}

/** Unary inputs shared by all ops: hard values, random bits, normals, subnormals. */
function commonUnary(g: Gen, n: number): number[] {
  const xs: number[] = [...HARD_BITS];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        xs.push(g.u32());
        break;
      case 1:
        xs.push(g.normal(100, 140));
        break;
      case 2:
        xs.push(g.subnormal());
        break;
      default:
        xs.push(g.uniform(-4, 4));
    }
  }
  return xs;
}

/** Function-specific breakpoints and ranges (each value also with its neighbours). */
function specificUnary(g: Gen, op: MapOp, n: number): number[] {
  const xs: number[] = [];
  // each pattern with its neighbours, on both signs
  const near = (...bits: number[]): void => {
    for (const u of bits) xs.push(...g.around(u), ...g.around((u ^ SIGN) >>> 0));
  };
  const nearValues = (...vals: number[]): void => near(...vals.map(b));
  const range = (lo: number, hi: number, k: number): void => {
    for (let i = 0; i < k; i++) xs.push(g.uniform(lo, hi));
  };
  switch (op) {
    case MapOp.Exp:
    case MapOp.Sigmoid:
    case MapOp.Softplus:
      near(0x42b17217, 0xc2d00000, 0xc2aeac50, 0xc2cff1b5, 0x41800000); // overflow, underflow, subnormal edge, 16
      range(-104, 89, n / 2);
      range(-1, 1, n / 4);
      range(-20, 20, n / 4);
      break;
    case MapOp.Tanh:
    case MapOp.Elu:
    case MapOp.Selu:
      near(0x42b17217, 0xc1900000, 0x3eb17218, 0x3f317218); // expm1 branches: 88.7, −18, ln2/2, ln2
      range(-20, 10, n / 2);
      range(-0.5, 0.5, n / 4);
      range(-1e-6, 1e-6, n / 4);
      break;
    case MapOp.Log:
      near(0x3f3504f3, 0x3fb504f3, 0x3f800000, 0x00800000, 0x00000001);
      range(0, 4, n / 2);
      range(0.9, 1.1, n / 4);
      for (let i = 0; i < n / 4; i++) xs.push(g.normal(0, 254) & 0x7fffffff);
      break;
    case MapOp.Erf:
    case MapOp.Gelu:
      // erf split 0.75, 4, erfc piece bounds; gelu's zero bound −14.5 and tail start −1.06
      near(0x3f400000, 0x40800000, 0x3f900000, 0x3fd00000, 0x40180000, 0x40600000, 0x40a80000, 0x40f80000, 0x41280000);
      near(0xc1680000, 0x3f87c3b6, 0x3f87c3b7, 0x413f0000);
      range(-15, 6, n / 2);
      range(-1.5, 1.5, n / 4);
      range(-4, -0.5, n / 4);
      break;
    case MapOp.Sin:
    case MapOp.Cos:
      near(0x3f490fdb, 0x3fc90fdb, 0x40490fdb, 0x40c90fdb, 0x4b800000, 0x7f7fffff, 0x5f800000, 0x46000000);
      range(-7, 7, n / 2);
      for (let i = 0; i < n / 4; i++) xs.push(g.normal(100, 254));
      range(-1e6, 1e6, n / 4);
      break;
    case MapOp.Floor:
    case MapOp.Ceil:
    case MapOp.Round:
      nearValues(0.5, 1.5, 2.5, 3.5, 0.49999997, 8388607.5, 8388606.5, 2.4, 2.6, 1, 0.99999994);
      range(-10, 10, n / 2);
      for (let i = 0; i < n / 2; i++) xs.push(g.normal(120, 155));
      break;
    case MapOp.Reciprocal:
    case MapOp.Sqrt:
    case MapOp.Softsign:
      for (let i = 0; i < n / 2; i++) xs.push(g.normal(0, 254));
      for (let i = 0; i < n / 2; i++) xs.push(g.short(12, 100, 150) & 0x7fffffff); // perfect squares and exact quotients
      break;
    case MapOp.HardSigmoid:
    case MapOp.HardSwish:
    case MapOp.Clip:
    case MapOp.Relu:
    case MapOp.LeakyRelu:
    case MapOp.Sign:
      nearValues(3, 2.5, 0, 6, 1);
      range(-8, 8, n);
      break;
    default:
      range(-10, 10, n);
  }
  return xs;
}

/** Params used per unary op: ONNX defaults and a typical non-default choice. */
function unaryParams(op: MapOp): Array<[number, number]> {
  switch (op) {
    case MapOp.LeakyRelu:
      return [
        [0x3c23d70a, 0],
        [b(0.2), 0],
      ];
    case MapOp.Clip:
      return [
        [0xff800000, 0x7f800000],
        [b(0), b(6)],
        [b(-1), b(1)],
      ];
    case MapOp.HardSigmoid:
      return [
        [0x3e4ccccd, 0x3f000000],
        [b(1 / 6), b(0.5)],
      ];
    case MapOp.Elu:
      return [
        [0x3f800000, 0],
        [b(0.5), 0],
      ];
    case MapOp.Selu:
      return [
        [0x3fd62d7d, 0x3f867d5f],
        [b(1.5), b(2)],
      ];
    default:
      return [[0, 0]];
  }
}

export const UNARY_OPS: readonly MapOp[] = Object.values(MapOp).filter(
  (v): v is MapOp => typeof v === "number" && v < FIRST_BINARY_MAP_OP,
);
export const BINARY_OPS: readonly MapOp[] = Object.values(MapOp).filter(
  (v): v is MapOp => typeof v === "number" && v >= FIRST_BINARY_MAP_OP && v < FIRST_TERNARY_MAP_OP,
);
export const TERNARY_OPS: readonly MapOp[] = Object.values(MapOp).filter(
  (v): v is MapOp => typeof v === "number" && v >= FIRST_TERNARY_MAP_OP,
);
/**
 * Binary ops added after the vector sets were first fixed (issue 12). Their vectors are
 * drawn after every older set, so adding them left the older sets' bits unchanged.
 */
const LATER_BINARY_OPS: readonly MapOp[] = [MapOp.Equal, MapOp.Less, MapOp.LessOrEqual];

/** Sizes of the random parts (hard cases are added on top). */
export interface VectorOptions {
  seed?: number;
  binaryRandom?: number; // random pairs per binary op (default 1200)
  unaryRandom?: number; // common random inputs per unary op (default 200)
  unarySpecific?: number; // op-specific inputs per unary op (default 200)
  compareRandom?: number; // random comparison pairs (default 1000)
}

/** Expected bits of a unary op with params (p0, p1) given as bits. */
export function unaryExpected(op: MapOp, x: number, p0: number, p1: number): number {
  return bitsOf(unaryFunction(op, [fromBits(p0), fromBits(p1)])(fromBits(x)));
}

/** Expected bits of a binary op on bit patterns. */
export function binaryExpected(op: MapOp, x: number, y: number): number {
  return bitsOf(binaryFunction(op)(fromBits(x), fromBits(y)));
}

/** Expected comparison bits (see CompareVectors). */
export function compareExpected(x: number, y: number): number {
  const a = fromBits(x);
  const c = fromBits(y);
  return (a < c ? 1 : 0) | (a <= c ? 2 : 0) | (a === c ? 4 : 0) | (a > c ? 8 : 0) | (a >= c ? 16 : 0);
}

/** Expected bits of a ternary op on bit patterns. */
export function ternaryExpected(op: MapOp, c: number, x: number, y: number): number {
  return bitsOf(ternaryFunction(op)(fromBits(c), fromBits(x), fromBits(y)));
}

/** All vector sets: every unary op (with each params choice), every binary op, comparisons, Where. */
export function generateVectors(opts: VectorOptions = {}): Vectors[] {
  const g = new Gen(opts.seed ?? 0x5eed);
  const out: Vectors[] = [];
  for (const op of UNARY_OPS) {
    const xs = [...commonUnary(g, opts.unaryRandom ?? 200), ...specificUnary(g, op, opts.unarySpecific ?? 200)];
    for (const [p0, p1] of unaryParams(op)) {
      out.push({ kind: "unary", op, p0, p1, x: xs, want: xs.map((x) => unaryExpected(op, x, p0, p1)) });
    }
  }
  for (const op of BINARY_OPS) {
    if (LATER_BINARY_OPS.includes(op)) continue;
    const pairs =
      op === MapOp.Pow ? powInputs(g, opts.binaryRandom ?? 1200) : binaryInputs(g, op, opts.binaryRandom ?? 1200);
    const x = pairs.map((p) => p[0]);
    const y = pairs.map((p) => p[1]);
    out.push({ kind: "binary", op, x, y, want: pairs.map(([u, v]) => binaryExpected(op, u, v)) });
  }
  {
    const pairs: Array<[number, number]> = [];
    for (const x of HARD_BITS) for (const y of HARD_BITS) pairs.push([x, y]);
    for (let i = 0; i < (opts.compareRandom ?? 1000); i++) {
      const x = i % 2 ? g.u32() : g.normal(120, 130);
      pairs.push([x, i % 3 ? g.u32() : (x ^ (g.u32() & 3)) >>> 0]);
    }
    out.push({
      kind: "compare",
      x: pairs.map((p) => p[0]),
      y: pairs.map((p) => p[1]),
      want: pairs.map(([u, v]) => compareExpected(u, v)),
    });
  }
  for (const op of LATER_BINARY_OPS) {
    const pairs = binaryInputs(g, op, opts.binaryRandom ?? 1200);
    // Equal pairs are rare among random ones: add each pair's (x, x) and (x, −x).
    for (const [x] of pairs.slice(0, 200)) pairs.push([x, x], [x, (x ^ SIGN) >>> 0]);
    const x = pairs.map((p) => p[0]);
    const y = pairs.map((p) => p[1]);
    out.push({ kind: "binary", op, x, y, want: pairs.map(([u, v]) => binaryExpected(op, u, v)) });
  }
  for (const op of TERNARY_OPS) {
    // Conditions: every hard pattern (±0, NaNs, subnormals, …) and random ones, each with
    // random values to select from.
    const c = [...HARD_BITS, ...Array.from({ length: 300 }, (_, i) => (i % 3 ? g.u32() : 0))];
    const x = c.map(() => g.u32());
    const y = c.map((_, i) => HARD_BITS[i % HARD_BITS.length]);
    out.push({ kind: "ternary", op, x: c, y: x, z: y, want: c.map((ci, i) => ternaryExpected(op, ci, x[i], y[i])) });
  }
  return out;
}

/** Number of individual checks in a list of vector sets. */
export function vectorCount(sets: readonly Vectors[]): number {
  return sets.reduce((n, s) => n + s.x.length, 0);
}
