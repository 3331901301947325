// Measures the error of every FO32 transcendental in ulps against a double-precision reference
// (docs/FO32.md §4; about 30 s).
//   npx ts-node --transpile-only scripts/fo32-ulps.ts            # table
//   npx ts-node --transpile-only scripts/fo32-ulps.ts --json     # JSON
//   npm run docs:ulps                                            # = --write
//   ... --write      record the results in docs/data/fo32-ulps.json and rewrite FO32.md's
//                    generated block "fo32-ulps" from them (what `npm run check:docs` compares)
//   ... --check      write nothing; fail when the measured table differs from the committed one
//   ... --points N   dense points per function (default 1,000,000; total per function is more)
// The helpers (ulpError, references, sample sets) are also used by test/fo32.test.ts.
import * as fs from "fs";
import * as path from "path";
import * as fo32 from "../node/fo32";
import { ULPS_DOC } from "./lib/docs/places";
import { renderUlpTable, ULP_DATA, UlpData } from "./lib/docs/fo32-ulps";
import { driftMessage, updateBlock } from "./lib/markers";

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
function fromBits(u: number): number {
  U32[0] = u >>> 0;
  return F32[0];
}

export const FLT_MAX = fromBits(0x7f7fffff);

/** ulp of binary32 at |v| (v a double): 2^(e−23) for the binade 2^e ≤ |v| < 2^(e+1), 2^-149 below 2^-126. */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  if (a >= 2 ** 128) return 2 ** 104;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 may round up just below a power of two
  if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

/**
 * Error of a binary32 result y against the exact value v (double) in ulps of v's binade.
 * NaN vs NaN → 0, NaN vs number → Infinity; an infinite y is right iff v rounds to it.
 */
export function ulpError(y: number, v: number): number {
  if (v !== v || y !== y) return v !== v && y !== y ? 0 : Infinity;
  if (y === Infinity || y === -Infinity) return Math.fround(v) === y ? 0 : Infinity;
  if (v === Infinity || v === -Infinity) return Infinity;
  return Math.abs(y - v) / ulpOf(v);
}

// ---- double-precision references ------------------------------------------------------------

const SQRT_PI = Math.sqrt(Math.PI);

/** erf(x) by the positive-term series 2/√π·e^{−x²}·Σ 2^n x^{2n+1}/(2n+1)!!, |x| < 3. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/** erfc(a)·e^{a²}·√π for a ≥ 2 by the continued fraction 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))) (Lentz). */
function erfcScaledCF(a: number): number {
  const tiny = 1e-300;
  let f = a;
  let C = a;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    D = a + an * D;
    if (D === 0) D = tiny;
    C = a + an / C;
    if (C === 0) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

export function refErf(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) r = erfSeries(a);
  else if (a > 6)
    r = 1; // erfc(6) < 2.2e-17
  else r = 1 - (Math.exp(-a * a) * erfcScaledCF(a)) / SQRT_PI;
  return x < 0 ? -r : r;
}

/** erfc(a) for a ≥ 0 with e^{−a²} supplied by the caller (so a² can be formed exactly). */
function refErfcWith(a: number, expNegA2: number): number {
  if (a < 3) return 1 - erfSeries(a);
  return (expNegA2 * erfcScaledCF(a)) / SQRT_PI;
}

export function refGelu(x: number): number {
  if (x === Infinity) return x;
  if (x === -Infinity) return -0;
  if (x >= 0) return 0.5 * x * (1 + refErf(x / Math.SQRT2));
  // x·Φ(x) = 0.5·x·erfc(|x|/√2); x² is exact in double for binary32 x
  return 0.5 * x * refErfcWith(-x / Math.SQRT2, Math.exp(-(x * x) / 2));
}

export function refSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function refSoftplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export const SELU_ALPHA = fromBits(0x3fd62d7d);
export const SELU_GAMMA = fromBits(0x3f867d5f);

export interface UnaryCase {
  name: string;
  fn: (x: number) => number;
  ref: (x: number) => number;
  /** dense uniform range */
  lo: number;
  hi: number;
}

export const UNARY_CASES: UnaryCase[] = [
  { name: "exp", fn: fo32.exp, ref: Math.exp, lo: -104, hi: 89 },
  { name: "expm1", fn: fo32.expm1, ref: Math.expm1, lo: -20, hi: 89 },
  { name: "log", fn: fo32.log, ref: Math.log, lo: 0, hi: 4 },
  { name: "sigmoid", fn: fo32.sigmoid, ref: refSigmoid, lo: -110, hi: 20 },
  { name: "tanh", fn: fo32.tanh, ref: Math.tanh, lo: -10, hi: 10 },
  { name: "softplus", fn: fo32.softplus, ref: refSoftplus, lo: -110, hi: 30 },
  { name: "erf", fn: fo32.erf, ref: refErf, lo: -4.5, hi: 4.5 },
  { name: "gelu", fn: fo32.gelu, ref: refGelu, lo: -16, hi: 8 },
  { name: "elu", fn: (x) => fo32.elu(x, 1), ref: (x) => (x >= 0 ? x : Math.expm1(x)), lo: -20, hi: 2 },
  {
    name: "selu",
    fn: (x) => fo32.selu(x, SELU_ALPHA, SELU_GAMMA),
    ref: (x) => (x > 0 ? SELU_GAMMA * x : SELU_GAMMA * SELU_ALPHA * Math.expm1(x)),
    lo: -20,
    hi: 2,
  },
  { name: "sin", fn: fo32.sin, ref: Math.sin, lo: -20, hi: 20 },
  { name: "cos", fn: fo32.cos, ref: Math.cos, lo: -20, hi: 20 },
];

/** Deterministic xorshift-multiply generator (uint32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * Sample points: `dense` binary32 values evenly spread over [lo, hi], plus `perBinade` random
 * mantissas in every binade of both signs (exponent fields 0..254), plus the special values.
 */
export function samplePoints(lo: number, hi: number, dense: number, perBinade: number, seed = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(dense + perBinade * 255 * 2 + 16);
  let k = 0;
  for (let i = 0; i < dense; i++) out[k++] = lo + ((hi - lo) * i) / Math.max(1, dense - 1);
  for (let ex = 0; ex < 255; ex++) {
    for (let j = 0; j < perBinade; j++) {
      const mant = next() & 0x7fffff;
      out[k++] = fromBits((ex << 23) | mant);
      out[k++] = fromBits(0x80000000 | (ex << 23) | mant);
    }
  }
  for (const v of [0, -0, Infinity, -Infinity, NaN, 1, -1, 2 ** -149, -(2 ** -149), FLT_MAX, -FLT_MAX]) out[k++] = v;
  return out.subarray(0, k);
}

export interface Measurement {
  name: string;
  points: number;
  maxUlp: number;
  argMax: number;
  meanUlp: number;
}

export function measure(
  name: string,
  fn: (x: number) => number,
  ref: (x: number) => number,
  xs: Float32Array,
): Measurement {
  let maxUlp = 0;
  let argMax = NaN;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const e = ulpError(fn(x), ref(x));
    if (e > maxUlp || (e !== e && maxUlp === maxUlp)) {
      maxUlp = e;
      argMax = x;
    }
    if (isFinite(e)) {
      sum += e;
      n++;
    }
  }
  return { name, points: xs.length, maxUlp, argMax, meanUlp: n ? sum / n : 0 };
}

/** pow over positive bases of all binades with non-integer exponents of several sizes. */
export function measurePow(points: number, seed = 7): Measurement[] {
  const next = rng(seed);
  const rnd = () => next() / 2 ** 32;
  const groups: Array<{ name: string; gen: () => [number, number] }> = [
    {
      name: "pow: x > 0, y non-integer, abs(y·ln x) ≤ 88",
      gen: () => {
        const x = Math.fround(Math.exp((rnd() - 0.5) * 20));
        const y = Math.fround((rnd() - 0.5) * 16);
        return [x, y];
      },
    },
    {
      name: "pow: x in [0.5, 2], y = k/2 + 1/4, abs(y) ≤ 8",
      gen: () => [Math.fround(0.5 + rnd() * 1.5), Math.fround(Math.round((rnd() - 0.5) * 32) / 2 + 0.25)],
    },
    {
      name: "pow: integer y, abs(y) ≤ 16",
      gen: () => [Math.fround((rnd() - 0.5) * 8), Math.round((rnd() - 0.5) * 32)],
    },
    {
      name: "pow: integer y, abs(y) ≤ 2^24, normal result",
      gen: () => {
        const n = Math.floor(2 ** (rnd() * 24));
        const x = Math.fround(Math.exp(((rnd() - 0.5) * 150) / n));
        return [x, n];
      },
    },
  ];
  return groups.map(({ name, gen }) => {
    let maxUlp = 0;
    let argMax = NaN;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < points; i++) {
      const [x, y] = gen();
      const v = Math.pow(x, y);
      if (!isFinite(v) || Math.abs(v) < 2 ** -126 || Math.abs(v) > FLT_MAX) continue;
      const e = ulpError(fo32.pow(x, y), v);
      if (e > maxUlp) {
        maxUlp = e;
        argMax = x;
      }
      sum += e;
      n++;
    }
    return { name, points: n, maxUlp, argMax, meanUlp: n ? sum / n : 0 };
  });
}

function main(): void {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const write = args.includes("--write");
  const check = args.includes("--check");
  const pi = args.indexOf("--points");
  const dense = pi >= 0 ? Number(args[pi + 1]) : 1_000_000;
  if (!(Number.isInteger(dense) && dense > 1))
    throw new Error(`fo32-ulps: --points must be an integer > 1, got ${args[pi + 1]}`);
  // The committed table is the documented sweep; a smaller one must not overwrite it.
  if (dense !== 1_000_000)
    throw new Error(`fo32-ulps: --write and --check use the documented 1,000,000 dense points, not --points ${dense}`);
  const perBinade = Math.max(16, Math.round(dense / 2000));
  const results: Measurement[] = [];
  for (const c of UNARY_CASES) {
    const xs = samplePoints(c.lo, c.hi, dense, perBinade);
    results.push(measure(c.name, c.fn, c.ref, xs));
    if (!json) process.stderr.write(`${c.name} done\n`);
  }
  // restricted ranges worth their own line
  const extra: Array<[string, UnaryCase, number, number]> = [
    ["erf, abs(x) ≥ 0.75", UNARY_CASES.find((c) => c.name === "erf")!, 0.75, 4.5],
    ["gelu, x < −1.06 (tail)", UNARY_CASES.find((c) => c.name === "gelu")!, -16, -1.07],
    ["sin, abs(x) ≤ 2^20", UNARY_CASES.find((c) => c.name === "sin")!, -(2 ** 20), 2 ** 20],
    ["cos, abs(x) ≤ 2^20", UNARY_CASES.find((c) => c.name === "cos")!, -(2 ** 20), 2 ** 20],
  ];
  for (const [name, c, lo, hi] of extra) {
    const xs = samplePoints(lo, hi, dense, 0, 3);
    results.push(measure(name, c.fn, c.ref, xs));
  }
  results.push(...measurePow(Math.max(100_000, dense / 2)));
  if (json) {
    process.stdout.write(JSON.stringify(results, null, 2) + "\n");
    return;
  }
  const data: UlpData = {
    dense,
    results: results.map((r) => ({ ...r, argMax: Number.isNaN(r.argMax) ? null : r.argMax })),
  };
  const table = renderUlpTable(data);
  if (!write && !check) {
    console.log(table);
    return;
  }
  const root = path.join(__dirname, "..");
  const u = updateBlock(path.join(root, ULPS_DOC.file), ULPS_DOC.name, ULPS_DOC.command, table, check);
  if (check) {
    if (u.changed) {
      console.error(driftMessage({ ...u, file: ULPS_DOC.file }, ULPS_DOC.command));
      process.exitCode = 1;
    } else console.log(`${ULPS_DOC.file}: "${ULPS_DOC.name}" matches the measurement`);
    return;
  }
  fs.writeFileSync(path.join(root, ULP_DATA), JSON.stringify(data, null, 2) + "\n");
  console.log(`wrote ${ULP_DATA} and ${ULPS_DOC.file}${u.changed ? "" : " (table unchanged)"}`);
}

if (require.main === module) main();
