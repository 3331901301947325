// Integer-only reference for binary32 add, sub, mul, div, sqrt on bit patterns (uint32 as
// number in, uint32 out). Round to nearest, ties to even; subnormals kept; every NaN result is
// 0x7FC00000; x − x = +0. It is written to be ported line by line to Solidity
// (contracts/lib/LibF32.sol): BigInt stands for uint256, every intermediate fits in 256 bits,
// and only +, −, ×, ÷, %, shifts, masks and comparisons are used. The JS float ops in core.ts
// are checked against it (test/fo32-softfloat.test.ts).

export const QNAN = 0x7fc00000;
export const POS_INF = 0x7f800000;
const SIGN = 0x80000000;

const B0 = BigInt(0);
const B1 = BigInt(1);
const B2 = BigInt(2);

/** A finite nonzero value as sign, exponent and a normalized significand: value = m · 2^e, 2^23 ≤ m < 2^24. */
interface Unpacked {
  sign: number; // 0 or 1
  e: number; // exponent of the significand's LSB
  m: bigint;
}

function isNaNBits(a: number): boolean {
  return (a & 0x7fffffff) >>> 0 > POS_INF;
}
function isInfBits(a: number): boolean {
  return (a & 0x7fffffff) >>> 0 === POS_INF;
}
function isZeroBits(a: number): boolean {
  return (a & 0x7fffffff) >>> 0 === 0;
}
function signOf(a: number): number {
  return a >>> 31;
}

/** Finite nonzero only. Subnormals are normalized (shifted until bit 23 is set). */
function unpack(a: number): Unpacked {
  const sign = a >>> 31;
  const ex = (a >>> 23) & 0xff;
  const frac = a & 0x7fffff;
  if (ex === 0) {
    // subnormal: value = frac · 2^-149
    let m = BigInt(frac);
    let e = -149;
    while (m < BigInt(0x800000)) {
      m <<= B1;
      e -= 1;
    }
    return { sign, e, m };
  }
  return { sign, e: ex - 150, m: BigInt(frac | 0x800000) };
}

const B32 = BigInt(32);
const MASK32 = BigInt(0xffffffff);

/** Number of significant bits of x ≥ 0 (Solidity: 1 + msb). 32 bits at a time, then clz32. */
function bitLength(x: bigint): number {
  let n = 0;
  while (x > MASK32) {
    x >>= B32;
    n += 32;
  }
  return n + 32 - Math.clz32(Number(x));
}

/**
 * Round sign · sig · 2^e to binary32 (RNE) and pack. `sig` may carry a sticky bit in its
 * least significant position: callers guarantee at least 2 bits below the rounding point
 * whenever that bit is set (so it only breaks ties and never changes the rounded magnitude
 * otherwise). Handles overflow to ±inf and gradual underflow to subnormals / ±0.
 */
export function roundPack(sign: number, e: number, sig: bigint): number {
  const s = sign ? SIGN : 0;
  if (sig === B0) return s >>> 0;
  const len = bitLength(sig);
  // Exponent of the leading bit; the target LSB is 2^(top−23) for normals, 2^−149 below.
  const top = e + len - 1;
  let lsb = top - 23;
  if (lsb < -149) lsb = -149;
  const shift = lsb - e; // bits to drop (≤ 0: exact, shift left)
  let m: bigint;
  if (shift <= 0) {
    m = sig << BigInt(-shift);
  } else {
    const sh = BigInt(shift);
    m = sig >> sh;
    const rem = sig & ((B1 << sh) - B1);
    const half = B1 << (sh - B1);
    if (rem > half || (rem === half && (m & B1) === B1)) m += B1;
  }
  // m < 2^24 normal significand (or m ≤ 2^23 subnormal); a carry to 2^24 / 2^23 moves the
  // exponent field by one through the addition below.
  if (lsb === -149 && m < BigInt(0x800000)) return (s | Number(m)) >>> 0; // subnormal or zero
  const biased = lsb + 150; // exponent field of a normal whose LSB is 2^lsb
  if (biased >= 255) return (s | POS_INF) >>> 0;
  // (biased − 1) << 23 plus m (which includes the hidden bit 2^23) adds the hidden bit into
  // the exponent field; m = 2^24 after rounding carries into the next binade / infinity.
  const bits = (biased - 1) * 0x800000 + Number(m);
  if (bits >= POS_INF) return (s | POS_INF) >>> 0;
  return (s + bits) >>> 0;
}

export function f32Add(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  if (isNaNBits(a) || isNaNBits(b)) return QNAN;
  if (isInfBits(a)) {
    if (isInfBits(b) && signOf(a) !== signOf(b)) return QNAN;
    return a;
  }
  if (isInfBits(b)) return b;
  if (isZeroBits(a)) {
    if (isZeroBits(b)) return (a & b & SIGN) >>> 0; // −0 only if both are −0
    return b;
  }
  if (isZeroBits(b)) return a;
  const x = unpack(a);
  const y = unpack(b);
  // Exact alignment on the smaller exponent while the shift is ≤ 40. Beyond that the small
  // operand is < 2^-16 of the larger one's LSB and can only push the exact sum off a
  // representable value by less than a quarter of the result's LSB: replacing it by one unit
  // 2^(big.e − 40) of the same sign gives the same rounding and keeps everything < 2^65.
  let big = x;
  let small = y;
  if (y.e > x.e || (y.e === x.e && y.m > x.m)) {
    big = y;
    small = x;
  }
  let d = big.e - small.e;
  let sm = small.m;
  if (d > 40) {
    d = 40;
    sm = B1;
  }
  const bm = big.m << BigInt(d);
  const e = big.e - d;
  let mag: bigint;
  let sign: number;
  if (big.sign === small.sign) {
    mag = bm + sm;
    sign = big.sign;
  } else {
    // |big| ≥ |small| by the choice above, so no negative intermediate
    mag = bm - sm;
    sign = big.sign;
    if (mag === B0) return 0; // x − x = +0 in round-to-nearest
  }
  return roundPack(sign, e, mag);
}

export function f32Sub(a: number, b: number): number {
  b >>>= 0;
  if (isNaNBits(b)) return QNAN;
  return f32Add(a, (b ^ SIGN) >>> 0);
}

export function f32Mul(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  if (isNaNBits(a) || isNaNBits(b)) return QNAN;
  const sign = signOf(a) ^ signOf(b);
  const s = sign ? SIGN : 0;
  if (isInfBits(a) || isInfBits(b)) {
    if (isZeroBits(a) || isZeroBits(b)) return QNAN;
    return (s | POS_INF) >>> 0;
  }
  if (isZeroBits(a) || isZeroBits(b)) return s >>> 0;
  const x = unpack(a);
  const y = unpack(b);
  return roundPack(sign, x.e + y.e, x.m * y.m); // exact 48-bit product
}

export function f32Div(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  if (isNaNBits(a) || isNaNBits(b)) return QNAN;
  const sign = signOf(a) ^ signOf(b);
  const s = sign ? SIGN : 0;
  if (isInfBits(a)) return isInfBits(b) ? QNAN : (s | POS_INF) >>> 0;
  if (isInfBits(b)) return s >>> 0;
  if (isZeroBits(b)) return isZeroBits(a) ? QNAN : (s | POS_INF) >>> 0;
  if (isZeroBits(a)) return s >>> 0;
  const x = unpack(a);
  const y = unpack(b);
  // q = ⌊mx·2^32 / my⌋ has 32 or 33 bits; the remainder becomes a sticky bit below it.
  const num = x.m << BigInt(32);
  const q = num / y.m;
  const r = num % y.m;
  const sig = (q << B1) | (r === B0 ? B0 : B1);
  return roundPack(sign, x.e - y.e - 32 - 1, sig);
}

/** ⌊√n⌋ by Newton's iteration from an upper bound (decreasing until it stops). */
function isqrt(n: bigint): bigint {
  if (n < B2) return n;
  let x = B1 << BigInt((bitLength(n) + 1) >> 1); // ≥ √n
  for (;;) {
    const y = (x + n / x) >> B1;
    if (y >= x) return x;
    x = y;
  }
}

export function f32Sqrt(a: number): number {
  a >>>= 0;
  if (isNaNBits(a)) return QNAN;
  if (isZeroBits(a)) return a; // ±0
  if (signOf(a)) return QNAN;
  if (isInfBits(a)) return a;
  const x = unpack(a);
  // Make the exponent even, then widen by 2^50 so the root has ≥ 36 bits.
  let m = x.m;
  let e = x.e;
  if (e & 1) {
    m <<= B1;
    e -= 1;
  }
  const n = m << BigInt(50);
  const root = isqrt(n);
  const sticky = root * root === n ? B0 : B1;
  return roundPack(0, (e - 50) / 2 - 1, (root << B1) | sticky);
}
