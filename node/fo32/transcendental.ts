// FO32 transcendental functions (docs/FO32.md §3). Each is a fixed algorithm made only of
// FO32 primitives (add/sub/mul/div rounded to binary32), comparisons, binary32 constants
// given as bit patterns, and exact bit-level operations. The Solidity verifier mirrors these
// definitions operation by operation, so the order of operations here IS the specification:
// do not "simplify" an expression without updating docs/FO32.md and bumping COMPILER_VERSION.
// Coefficients come from node/fo32/tools/fit.py. The constants are exported for the
// WebAssembly engine's copy of these algorithms (node/vm/wasm/ops-transcendental.ts).
import { add, div, fromBits, isNegative, mul, pow2, rawBits, scale, sqrt, sub } from "./core";

const ONE = 1;
const TWO = 2;
const HALF = 0.5;

// ---- exp / expm1 ---------------------------------------------------------------------

export const LOG2E = fromBits(0x3fb8aa3b); // 1.44269502
export const LN2HI = fromBits(0x3f317200); // 0.693145752: 15 significant bits, so n·LN2HI is exact for |n| < 512
export const LN2LO = fromBits(0x35bfbe8e); // 1.42860677e-6 = ln2 − LN2HI rounded
export const MAGIC = fromBits(0x4b400000); // 1.5·2^23: adding it rounds |v| < 2^22 to an integer (RNE)
export const MAGIC_BITS = 0x4b400000;
export const EXP_OVF = fromBits(0x42b17217); // 88.7228317: exp(x) > FLT_MAX (rounded) above this
export const EXP_UNF = fromBits(0xc2d00000); // −104: exp(x) < 2^-150 (rounds to +0) below this
export const EXPM1_NEG = fromBits(0xc1900000); // −18: expm1(x) rounds to −1 below this

// expm1(r) ≈ r + r²·(E0 + r·(E1 + r·(E2 + r·(E3 + r·E4)))) on |r| ≤ 0.3475
export const E0 = fromBits(0x3effffff);
export const E1 = fromBits(0x3e2aaa59);
export const E2 = fromBits(0x3d2aab7b);
export const E3 = fromBits(0x3c09136c);
export const E4 = fromBits(0x3ab5cc96);

function expm1Kernel(r: number): number {
  const q = add(E0, mul(r, add(E1, mul(r, add(E2, mul(r, add(E3, mul(r, E4))))))));
  return add(r, mul(mul(r, r), q));
}

/** n from the last reduction (range reduction returns two results; JS is single threaded). */
let redN = 0;

/**
 * Cody–Waite reduction x = n·ln2 + r. n = round-half-even(x·LOG2E) by the MAGIC addition,
 * read exactly from the sum's bit pattern; x − n·LN2HI is exact (Sterbenz-like, see FO32.md).
 * Requires |x| ≤ 128. Sets redN, returns r.
 */
function reduceLn2(x: number): number {
  const k = add(mul(x, LOG2E), MAGIC);
  redN = rawBits(k) - MAGIC_BITS;
  const nf = sub(k, MAGIC);
  const hi = sub(x, mul(nf, LN2HI));
  const lo = mul(nf, LN2LO);
  return sub(hi, lo);
}

export function exp(x: number): number {
  if (x !== x) return NaN;
  if (x > EXP_OVF) return Infinity;
  if (x < EXP_UNF) return 0;
  const r = reduceLn2(x);
  return scale(add(ONE, expm1Kernel(r)), redN);
}

/**
 * exp(a + b) as y·2^redN (y in [0.7, 1.42], not yet scaled), for a exact and a small tail b
 * (|b| ≤ 2^-10·|a|): the tail joins the reduction's low part, so the rounding of a + b never
 * enters the result; a − n·LN2HI stays exact as in reduceLn2. Requires |a + b| ≤ 128.
 */
function expTail(a: number, b: number): number {
  const k = add(mul(add(a, b), LOG2E), MAGIC);
  redN = rawBits(k) - MAGIC_BITS;
  const nf = sub(k, MAGIC);
  const hi = sub(a, mul(nf, LN2HI));
  const lo = sub(mul(nf, LN2LO), b);
  return add(ONE, expm1Kernel(sub(hi, lo)));
}

export function expm1(x: number): number {
  if (x !== x) return NaN;
  if (x > EXP_OVF) return Infinity;
  if (x < EXPM1_NEG) return -1;
  if (x === 0) return x; // keeps −0 (the kernel would give +0)
  const r = reduceLn2(x);
  const n = redN;
  const p = expm1Kernel(r);
  if (n === 0) return p; // r = x exactly
  // expm1(x) = 2^n·(1 + p) − 1, arranged so the only rounding is one add/sub of similar sizes
  if (n > 0) return scale(add(p, sub(ONE, pow2(-n))), n);
  const t = pow2(n);
  return sub(mul(p, t), sub(ONE, t));
}

// ---- log / log1p ---------------------------------------------------------------------

// R(z) = z·(L0 + z·(L1 + z·L2)) ≈ (2·atanh(s) − 2s)/s, z = s², |s| ≤ 0.1716
export const L0 = fromBits(0x3f2aaabd);
export const L1 = fromBits(0x3eccaf66);
export const L2 = fromBits(0x3e98f11f);
export const SQRT2_MANT = 0x3504f3; // mantissa bits of binary32 √2 (1.41421354)
export const SQRT2M1 = fromBits(0x3ed413cd); // 0.414213568 > √2 − 1
export const TWO23 = fromBits(0x4b000000); // 2^23
export const MIN_NORMAL = fromBits(0x00800000); // 2^-126

/** log(1 + u) + k·ln2 for u in [√2/2 − 1, √2 − 1] (u exact), k an integer with |k| < 512. */
function logKernel(u: number, k: number): number {
  const s = div(u, add(TWO, u));
  const z = mul(s, s);
  const R = mul(z, add(L0, mul(z, add(L1, mul(z, L2)))));
  const hfsq = mul(mul(HALF, u), u);
  // log(1+u) = u − (hfsq − s·(hfsq + R)); k·LN2HI is exact and added last
  return add(mul(k, LN2HI), sub(u, sub(hfsq, add(mul(s, add(hfsq, R)), mul(k, LN2LO)))));
}

export function log(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let k = 0;
  if (x < MIN_NORMAL) {
    x = mul(x, TWO23); // exact: subnormal → normal
    k = -23;
  }
  const ix = rawBits(x);
  k += (ix >>> 23) - 127;
  const m = ix & 0x7fffff;
  let f: number; // x = f·2^k with f in (√2/2, √2]
  if (m > SQRT2_MANT) {
    f = fromBits(m | 0x3f000000);
    k += 1;
  } else {
    f = fromBits(m | 0x3f800000);
  }
  return logKernel(sub(f, ONE), k); // f − 1 is exact
}

/** log(1 + u) for 0 ≤ u < 2^24 (internal: softplus). Small u goes to the kernel unrounded. */
function log1pPos(u: number): number {
  if (u < SQRT2M1) return logKernel(u, 0);
  return log(add(ONE, u));
}

// ---- functions built on exp / expm1 / log ----------------------------------------------

/**
 * sigmoid(x) = 1/(1 + exp(−x)): a chain of monotone correctly rounded steps, so monotone.
 * Below −EXP_OVF, exp(−x) overflows; there 1 + e^x rounds to 1 and sigmoid(x) = exp(x).
 */
export function sigmoid(x: number): number {
  if (x !== x) return NaN;
  if (x < -EXP_OVF) return exp(x);
  return div(ONE, add(ONE, exp(-x)));
}

export function tanh(x: number): number {
  if (x !== x) return NaN;
  const t = expm1(mul(-2, Math.abs(x))); // in (−1, 0]
  const r = div(-t, add(t, TWO)); // tanh|x| = −t/(t + 2)
  return isNegative(x) ? -r : r;
}

export const SOFTPLUS_ID = fromBits(0x41800000); // 16: above, e^-x < ulp(x)/8 and softplus(x) = x

/**
 * softplus(x) = log1p(exp(x)) (a chain of monotone steps), = x above 16. log1p keeps small
 * e^x unrounded (logKernel) so the negative tail keeps its relative accuracy.
 */
export function softplus(x: number): number {
  if (x !== x) return NaN;
  if (x > SOFTPLUS_ID) return x;
  return log1pPos(exp(x));
}

/** Elu: x ≥ 0 ? x : alpha·expm1(x). */
export function elu(x: number, alpha: number): number {
  if (x !== x) return NaN;
  return x >= 0 ? x : mul(alpha, expm1(x));
}

/** Selu: x > 0 ? gamma·x : gamma·(alpha·expm1(x)). */
export function selu(x: number, alpha: number, gamma: number): number {
  if (x !== x) return NaN;
  return x > 0 ? mul(gamma, x) : mul(gamma, mul(alpha, expm1(x)));
}

// ---- erf / gelu --------------------------------------------------------------------------

// erf(x) ≈ x + x·P(x²) on |x| < 0.75
export const P0 = fromBits(0x3e0375d4);
export const P1 = fromBits(0xbec0939d);
export const P2 = fromBits(0x3de71567);
export const P3 = fromBits(0xbcdbd3ae);
export const P4 = fromBits(0x3ba78c44);
export const P5 = fromBits(0xba309f16);
// erfc(a) = exp(−a²)·R(a), a in [0.75, 10.5): 7 pieces; row = [upper bound, centre c, c0..c7],
// R(a) = c0 + u·(c1 + … + u·c7), u = a − c (exact: |u| < 2^24 ulps of a)
export const ERFC_PIECES: readonly (readonly number[])[] = [
  // [0.75, 1.125)
  [
    0x3f900000, 0x3f700000, 0x3ee3fc0a, 0xbe964258, 0x3e2e3ab4, 0xbdb6e4bf, 0x3d32283e, 0xbca19fdd, 0x3b43c3ea,
    0x3a09d632,
  ],
  // [1.125, 1.625)
  [
    0x3fd00000, 0x3fb00000, 0x3eafc47b, 0xbe3cbd32, 0x3db807cd, 0xbd25e549, 0x3c8d2cc5, 0xbbe142ff, 0x3a855ea0,
    0xb9302403,
  ],
  // [1.625, 2.375)
  [
    0x40180000, 0x40000000, 0x3e82c339, 0xbddab81b, 0x3d2b38cf, 0xbc7d4d47, 0x3bb29614, 0xbaf0c191, 0x3a124581,
    0xb92c6e89,
  ],
  // [2.375, 3.5)
  [
    0x40600000, 0x403c0000, 0x3e3ad778, 0xbd670fc3, 0x3c893fd9, 0xbb9d3bfe, 0x3aadd1db, 0xb9bab01d, 0x38d70443,
    0xb7dfc9f0,
  ],
  // [3.5, 5.25)
  [
    0x40a80000, 0x408c0000, 0x3e00d7e6, 0xbce0a5b8, 0x3bbfa90f, 0xbaa0379c, 0x398339e1, 0xb8535d45, 0x37313840,
    0xb60919ce,
  ],
  // [5.25, 7.75)
  [
    0x40f80000, 0x40d00000, 0x3dafbae2, 0xbc537168, 0x3afbb003, 0xb9943c58, 0x382ca0fd, 0xb6c75f73, 0x3572c9ac,
    0xb408ec62,
  ],
  // [7.75, 10.5)
  [
    0x41280000, 0x41120000, 0x3d7bc1e7, 0xbbda24f1, 0x3a3bf057, 0xb8a102ab, 0x37095d42, 0xb568c0e4, 0x33c0a0fe,
    0xb221fb95,
  ],
].map((row) => row.map(fromBits));
export const ERF_SPLIT = fromBits(0x3f400000); // 0.75
export const ERF_ONE = fromBits(0x40800000); // 4: erf(x) rounds to 1 from 3.92 on
export const INV_SQRT2 = fromBits(0x3f3504f3);
export const GELU_ZERO = fromBits(0xc1680000); // −14.5: gelu(x) rounds to −0 below (|gelu| < 2^-150)

function erfSmall(x: number): number {
  const z = mul(x, x);
  const p = add(P0, mul(z, add(P1, mul(z, add(P2, mul(z, add(P3, mul(z, add(P4, mul(z, P5))))))))));
  return add(x, mul(x, p));
}

/** R(a) = erfc(a)·exp(a²) for a in [0.75, 10.5): the first piece whose bound exceeds a. */
function erfcScaled(a: number): number {
  let i = 0;
  while (a >= ERFC_PIECES[i][0]) i++;
  const c = ERFC_PIECES[i];
  const u = sub(a, c[1]);
  let p = c[9];
  for (let k = 8; k >= 2; k--) p = add(c[k], mul(u, p));
  return p;
}

export function erf(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a < ERF_SPLIT) return erfSmall(x);
  const r = a >= ERF_ONE ? ONE : sub(ONE, mul(exp(-mul(a, a)), erfcScaled(a)));
  return x < 0 ? -r : r;
}

/**
 * gelu(x) = 0.5·x·(1 + erf(x/√2)). Below x/√2 = −0.75 it uses 1 + erf(−a) = erfc(a) =
 * exp(−x²/2)·R(a) with x²/2 split exactly (x = xh + xl, xh with 12 significant bits), so the
 * tiny negative tail keeps its relative accuracy; the final ·2^n scaling rounds once.
 */
export function gelu(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity) return x;
  if (x < GELU_ZERO) return -0;
  const z = mul(x, INV_SQRT2);
  if (z >= -ERF_SPLIT) return mul(mul(HALF, x), add(ONE, erf(z)));
  const xh = fromBits(rawBits(x) & 0xfffff000);
  const a2 = -mul(mul(xh, xh), HALF); // exact
  const b2 = -mul(mul(sub(x, xh), add(x, xh)), HALF);
  const y = expTail(a2, b2);
  // |x·R·y| is in [0.33, 1.2] and redN ≥ −152, so scale's first product is exact
  return scale(mul(mul(x, erfcScaled(-z)), y), redN - 1);
}

// ---- pow ------------------------------------------------------------------------------------

const TWO24 = fromBits(0x4b800000); // 2^24
/** Integer exponents up to this go through repeated squaring (docs/FO32.md §3.9 rule 8). */
const POW_INT_MAX = 16;

function isInt(y: number): boolean {
  return Math.floor(y) === y; // exact for binary32 y (finite)
}
function isOddInt(y: number): boolean {
  return Math.abs(y) < TWO24 && isInt(y) && Math.abs(y) % 2 === 1;
}

/** x^N for an integer 1 ≤ N ≤ 16: square-and-multiply from the least significant bit. */
function powInt(x: number, N: number): number {
  let acc = ONE;
  let base = x;
  for (;;) {
    if (N & 1) acc = mul(acc, base);
    N = N >>> 1;
    if (N === 0) return acc;
    base = mul(base, base);
  }
}

/** pow(x, y): IEEE 754 special cases first, then the rules in docs/FO32.md §3.9. */
export function pow(x: number, y: number): number {
  if (y === 0) return ONE;
  if (x === ONE) return ONE;
  if (x !== x || y !== y) return NaN;
  const ax = Math.abs(x);
  if (y === Infinity || y === -Infinity) {
    if (ax === ONE) return ONE;
    return ax < ONE === y > 0 ? 0 : Infinity;
  }
  if (x === 0) {
    if (isOddInt(y)) return y > 0 ? x : div(ONE, x); // ±0 / ±inf with the sign of x
    return y > 0 ? 0 : Infinity;
  }
  if (ax === Infinity) {
    const r = y > 0 ? Infinity : 0;
    return x < 0 && isOddInt(y) ? -r : r;
  }
  if (y === HALF) return sqrt(x);
  const ay = Math.abs(y);
  const yInt = isInt(y);
  // Repeated squaring doubles the relative error at each squaring: exact enough for small
  // exponents only; larger ones go through exp·log, whose error is bounded by |y·ln x| ≤ 89.
  if (yInt && ay <= POW_INT_MAX) {
    const p = powInt(x, ay);
    return y < 0 ? div(ONE, p) : p;
  }
  if (x < 0 && !yInt) return NaN;
  // remaining: x > 0 with non-integer y, or an integer |y| > 16 (x of either sign)
  const r = exp(mul(y, log(ax)));
  return x < 0 && isOddInt(y) ? -r : r;
}

// ---- sin / cos ------------------------------------------------------------------------------
export { sin, cos } from "./trig";
