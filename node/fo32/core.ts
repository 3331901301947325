// FO32 primitives (docs/PROTOCOL.md §1, docs/FO32.md §1). Every function takes binary32
// values (JS numbers that are exact binary32) and returns one. For + − × ÷ √ of binary32
// operands, the double-precision result rounded once more by Math.fround is the correctly
// rounded binary32 result (double has > 2·24+2 bits), so these are exact IEEE operations.
// NaN results may be any JS NaN: storage canonicalizes to 0x7FC00000 (bitsOf).

export const f32 = Math.fround;

// One shared 4-byte buffer for bit casts. Both views use the platform byte order, so a value
// written through one view and read through the other is a pure reinterpretation.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Bit pattern of a binary32 value as an unsigned 32-bit integer; every NaN → 0x7FC00000. */
export function bitsOf(x: number): number {
  if (x !== x) return 0x7fc00000;
  F32[0] = x;
  return U32[0];
}

/** The binary32 value with bit pattern `u` (taken modulo 2^32). NaN patterns give a JS NaN. */
export function fromBits(u: number): number {
  U32[0] = u >>> 0;
  return F32[0];
}

/** Raw bits without NaN canonicalization (internal: only for values known not to be NaN). */
export function rawBits(x: number): number {
  F32[0] = x;
  return U32[0];
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

/** NaN if either is NaN; max(−0, +0) = +0; otherwise the larger value. */
export function max(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a !== b) return a > b ? a : b;
  // Equal: only ±0 can differ in sign; the result is −0 only if both are −0.
  return a === 0 ? (isNegative(a) && isNegative(b) ? -0 : 0) : a;
}

/** NaN if either is NaN; min(−0, +0) = −0; otherwise the smaller value. */
export function min(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a !== b) return a < b ? a : b;
  // Equal: the result is −0 if either is −0.
  return a === 0 ? (isNegative(a) || isNegative(b) ? -0 : 0) : a;
}

/** Sign bit set (true for −0 and negative values; false for NaN). */
export function isNegative(x: number): boolean {
  return x < 0 || (x === 0 && 1 / x < 0);
}

/** −x with NaN → NaN (never a sign-flipped NaN). */
export function neg(x: number): number {
  return x !== x ? NaN : -x;
}

/** |x| with NaN → NaN. */
export function abs(x: number): number {
  return x !== x ? NaN : Math.abs(x);
}

/**
 * 2^n as a binary32, built from its bit pattern; n must be an integer in [−149, 127]
 * (exponents below −126 give the subnormal powers of two).
 */
export function pow2(n: number): number {
  return n >= -126 ? fromBits((n + 127) << 23) : fromBits(1 << (n + 149));
}

const P2_127 = fromBits(0x7f000000); // 2^127
const P2_M126 = fromBits(0x00800000); // 2^-126

/**
 * y · 2^n rounded once (n any integer). For n in [−126, 127] this is one mul by the power of
 * two. Outside, y is first scaled exactly into range (y·2^127, or y·2^(n+126), which stay
 * normal for 2^-1 ≤ |y| < 2) and the remaining power applied with the single rounding.
 * Precondition: y is 0, ±inf or 2^-1 ≤ |y| < 2 (beyond n ∈ [−251, 254] the result is then
 * ±0 / ±inf as it must be).
 */
export function scale(y: number, n: number): number {
  if (n >= -126 && n <= 127) return mul(y, pow2(n));
  if (n > 127) return mul(mul(y, P2_127), n > 254 ? P2_127 : pow2(n - 127));
  return mul(mul(y, n < -251 ? P2_M126 : pow2(n + 126)), P2_M126);
}
