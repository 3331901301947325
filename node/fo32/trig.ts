// FO32 sin and cos (docs/FO32.md §3.8). Argument reduction is exact integer arithmetic
// (Payne–Hanek with one 232-bit constant; every intermediate fits in 256 bits, i.e. a uint256
// in Solidity), so every finite binary32 argument is reduced correctly; the kernels on
// |r| ≤ π/4 are FO32 polynomials.
import { add, fromBits, mul, rawBits, sub } from "./core";
import { roundPack } from "./softfloat";

const ONE = 1;
const HALF = 0.5;
const PIO4 = fromBits(0x3f490fdb); // binary32 nearest π/4 (slightly above π/4)

// ⌊2/π · 2^232⌋ and ⌊π/2 · 2^126⌋
const TWO_OVER_PI_232 = BigInt("0xa2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abde");
const PIO2_126 = BigInt("0x6487ed5110b4611a62633145c06e0e68");
const B1 = BigInt(1);
const B3 = BigInt(3);
const B128 = BigInt(128);

// sin(r) ≈ r + r³·(S0 + z·(S1 + z·S2)), cos(r) ≈ 1 − z/2 + z²·(C0 + z·(C1 + z·C2)), z = r²
const S0 = fromBits(0xbe2aaaa3);
const S1 = fromBits(0x3c0883bc);
const S2 = fromBits(0xb94caa00);
const C0 = fromBits(0x3d2aaaa5);
const C1 = fromBits(0xbab60614);
const C2 = fromBits(0x37ccf406);

let quadrant = 0;

/**
 * a = |x| finite, a ≥ PIO4. Returns r = a − n·π/2 rounded to binary32 (RNE) and sets
 * quadrant = n mod 4, n = round(a·2/π). a = m·2^e (m 24-bit integer, −24 ≤ e ≤ 104);
 * P = m·⌊2/π·2^232⌋ < 2^256 holds a·2/π with S = 232 − e ≥ 128 fraction bits (truncation
 * error < 2^-104). The fraction f (|f| ≤ 1/2) keeps its top 128 bits and is multiplied by
 * π/2 in fixed point; the product is rounded once to binary32.
 */
function reducePio2(a: number): number {
  const ix = rawBits(a);
  const m = BigInt((ix & 0x7fffff) | 0x800000);
  const e = ((ix >>> 23) & 0xff) - 150;
  const S = BigInt(232 - e);
  const P = m * TWO_OVER_PI_232;
  let q = P >> S;
  let F = P & ((B1 << S) - B1);
  let sign = 0;
  if (F >= B1 << (S - B1)) {
    // fraction ≥ 1/2: round n up, r negative
    q += B1;
    F = (B1 << S) - F;
    sign = 1;
  }
  quadrant = Number(q & B3);
  const f128 = F >> (S - B128); // |f|·2^128
  return fromBits(roundPack(sign, -254, f128 * PIO2_126)); // |f|·π/2 = f128·PIO2_126·2^-254
}

function sinKernel(r: number): number {
  const z = mul(r, r);
  return add(r, mul(mul(z, r), add(S0, mul(z, add(S1, mul(z, S2))))));
}

function cosKernel(r: number): number {
  const z = mul(r, r);
  const hz = mul(HALF, z);
  const w = sub(ONE, hz);
  // (1 − w) − hz is the exact rounding error of w (both subtractions are exact)
  return add(w, add(sub(sub(ONE, w), hz), mul(mul(z, z), add(C0, mul(z, add(C1, mul(z, C2)))))));
}

export function sin(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return NaN;
  const a = Math.abs(x);
  let s: number;
  if (a < PIO4) {
    s = sinKernel(a);
  } else {
    const r = reducePio2(a);
    s = quadrant & 1 ? cosKernel(r) : sinKernel(r);
    if (quadrant & 2) s = -s;
  }
  // sin is odd: apply the sign of x (also for x = −0)
  return x < 0 || (x === 0 && 1 / x < 0) ? -s : s;
}

export function cos(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return NaN;
  const a = Math.abs(x);
  if (a < PIO4) return cosKernel(a);
  const r = reducePio2(a);
  const c = quadrant & 1 ? sinKernel(r) : cosKernel(r);
  // quadrants 1 and 2 are negative: cos(r + π/2) = −sin r, cos(r + π) = −cos r
  return quadrant === 1 || quadrant === 2 ? -c : c;
}
