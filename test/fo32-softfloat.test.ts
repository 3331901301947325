// The integer softfloat reference (node/fo32/softfloat.ts, model of LibF32.sol) against the
// Math.fround-based FO32 primitives: > 1,000,000 checks, bits compared with NaN canonical.
import { expect } from "chai";
import { add, bitsOf, div, fromBits, mul, sqrt, sub } from "../node/fo32";
import { f32Add, f32Div, f32Mul, f32Sqrt, f32Sub, QNAN } from "../node/fo32/softfloat";

function rng(seed: number): () => number {
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

const HARD: number[] = [
  0x00000000,
  0x80000000, // ±0
  0x00000001,
  0x80000001,
  0x00000002,
  0x00000003,
  0x007fffff,
  0x807fffff,
  0x00400000, // subnormals
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
  0xffffffff, // NaNs (quiet, signaling, payloads)
  0x3f800000,
  0xbf800000,
  0x3f800001,
  0x3f7fffff,
  0x40000000,
  0x3f000000, // 1, −1, 1±ulp, 2, 0.5
  0x33800000,
  0x33000000,
  0x34000000,
  0x4b800000,
  0x4b000000, // 2^-24, 2^-25, 2^-23, 2^24, 2^23
  0x3fc00000,
  0x40400000,
  0x3eaaaaab,
  0x5f800000,
  0x1f800000, // 1.5, 3, 1/3, 2^64, 2^-64
];

type Op = (a: number, b: number) => number;
const OPS: Array<[string, Op, Op]> = [
  ["add", f32Add, (a, b) => bitsOf(add(fromBits(a), fromBits(b)))],
  ["sub", f32Sub, (a, b) => bitsOf(sub(fromBits(a), fromBits(b)))],
  ["mul", f32Mul, (a, b) => bitsOf(mul(fromBits(a), fromBits(b)))],
  ["div", f32Div, (a, b) => bitsOf(div(fromBits(a), fromBits(b)))],
  ["sqrt", (a) => f32Sqrt(a), (a) => bitsOf(sqrt(fromBits(a)))],
];

describe("FO32 softfloat reference (integer-only) vs Math.fround primitives", function () {
  this.timeout(120_000);
  let checks = 0;
  const failures: string[] = [];

  function check(a: number, b: number): void {
    a >>>= 0;
    b >>>= 0;
    for (const [name, ref, js] of OPS) {
      const got = ref(a, b);
      const want = js(a, b);
      checks++;
      if (got !== want && failures.length < 20) {
        failures.push(
          `${name}(${a.toString(16)}, ${b.toString(16)}): softfloat ${got.toString(16)} js ${want.toString(16)}`,
        );
      }
    }
  }

  after(() => {
    console.log(`      softfloat checks: ${checks}`);
  });

  it("hard cases, all pairs", () => {
    for (const a of HARD) for (const b of HARD) check(a, b);
    expect(failures).to.deep.equal([]);
  });

  it("every NaN result is 0x7FC00000 and x − x = +0", () => {
    expect(f32Add(0x7f800000, 0xff800000)).to.equal(QNAN);
    expect(f32Mul(0x00000000, 0x7f800000)).to.equal(QNAN);
    expect(f32Div(0x00000000, 0x80000000)).to.equal(QNAN);
    expect(f32Sqrt(0xbf800000)).to.equal(QNAN);
    expect(f32Add(0xffc01234, 0x3f800000)).to.equal(QNAN);
    expect(f32Sub(0x3fc00000, 0x3fc00000)).to.equal(0);
    expect(f32Add(0x80000000, 0x80000000)).to.equal(0x80000000);
    expect(f32Sqrt(0x80000000)).to.equal(0x80000000);
  });

  it("rounding ties (round half to even) in add, mul, div", () => {
    const next = rng(11);
    for (let i = 0; i < 20_000; i++) {
      // a in [1, 2), b an odd multiple of 2^-24 (half an ulp of a) → the exact sum is a tie
      const a = 0x3f800000 | (next() & 0x7fffff);
      const k = (next() & 0xff) | 1;
      check(a, bitsOf(k * 2 ** -24));
      // 12-bit significands: products are exact or ties, quotients often exact
      const x = (next() & 0xff800000) | (next() & 0x7ff000);
      const y = (next() & 0xff800000) | (next() & 0x7ff000);
      check(x, y);
    }
    expect(failures).to.deep.equal([]);
  });

  it("overflow and underflow neighbourhoods", () => {
    const next = rng(12);
    for (let i = 0; i < 40_000; i++) {
      const hiA = ((next() & 1) << 31) | ((250 + (next() % 5)) << 23) | (next() & 0x7fffff);
      const hiB = ((next() & 1) << 31) | ((120 + (next() % 16)) << 23) | (next() & 0x7fffff);
      check(hiA, hiB);
      const loA = ((next() & 1) << 31) | ((next() % 4) << 23) | (next() & 0x7fffff);
      const loB = ((next() & 1) << 31) | ((100 + (next() % 40)) << 23) | (next() & 0x7fffff);
      check(loA, loB);
    }
    expect(failures).to.deep.equal([]);
  });

  it("random normal values", () => {
    const next = rng(13);
    for (let i = 0; i < 40_000; i++) {
      const a = ((next() & 1) << 31) | ((117 + (next() % 20)) << 23) | (next() & 0x7fffff);
      const b = ((next() & 1) << 31) | ((117 + (next() % 20)) << 23) | (next() & 0x7fffff);
      check(a, b);
    }
    expect(failures).to.deep.equal([]);
  });

  it("random bit patterns", () => {
    const next = rng(14);
    for (let i = 0; i < 100_000; i++) check(next(), next());
    expect(failures).to.deep.equal([]);
    expect(checks).to.be.at.least(1_000_000);
  });
});
