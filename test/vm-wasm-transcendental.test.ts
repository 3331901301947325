// The wasm code of the FO32 transcendental element ops (node/vm/wasm/ops-transcendental.ts)
// against node/fo32, bit for bit, in both flavours (f32x4 and scalar): on the probe values,
// on a million random bit patterns, on random values where the functions are not constant,
// and on dense sweeps around every threshold of the fo32 definitions (the branch constants,
// the round-to-integer boundaries of the ln2 reduction, the piece bounds). Then whole
// programs: the wasm engine = the JS engine = step(), for Maps and Dot epilogues of these ops
// and for real models that use them.
import { expect } from "chai";
import * as fo32 from "../node/fo32";
import { COMPILER_VERSION, Instruction, Kind, MapOp, Program, product } from "../node/program/isa";
import { Memory, crossCheck, execute, validateProgram } from "../node/vm";
import { PROBE_VALUES, probeValues } from "../node/vm/probe";
import { F32, FnBuilder, I32, O, S, V128, buildModule } from "../node/vm/wasm/encoder";
import { OpCode, OpEmitter, canonicalizeScalar, canonicalizeVec, unaryCode } from "../node/vm/wasm/ops";
import { wasmAvailable, wasmProgram } from "../node/vm/wasm/runtime";
import { WA } from "../node/vm/wasm/wa";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";
import { Act, In, W, opnd } from "./helpers/programs";
import { rng } from "./helpers/random";

const bitsOf = fo32.bitsOf;
const fromBits = fo32.fromBits;
const f = Math.fround;

const OPS: [MapOp, number[]][] = [
  [MapOp.Exp, []],
  [MapOp.Sigmoid, []],
  [MapOp.Tanh, []],
  [MapOp.Log, []],
  [MapOp.Softplus, []],
  [MapOp.Elu, []],
  [MapOp.Elu, [f(0.3)]],
  [MapOp.Selu, []],
  [MapOp.Selu, [f(1.5), f(0.9)]],
  [MapOp.Erf, []],
  [MapOp.Gelu, []],
];
const label = ([op, params]: [MapOp, number[]]): string => `${MapOp[op]}(${params.join(", ")})`;

/** Elements one run of a runner module takes. */
const CHUNK = 1 << 16;

/** op(x) for every x of a chunk of bit patterns, in the vec and the scalar code, canonicalized. */
type Runner = (bits: Uint32Array) => { vec: Uint32Array; scalar: Uint32Array };

function runner(code: OpCode): Runner {
  const bytes = CHUNK * 4;
  const pages = (3 * bytes) / 65536;
  const fns: FnBuilder[] = [];
  for (const vec of [true, false]) {
    const fn = new FnBuilder();
    const t = vec ? V128 : F32;
    const x = fn.local(t);
    const r = fn.local(t);
    const p = fn.local(I32);
    const loop = fn.loop();
    fn.get(p);
    if (vec) fn.simdMem(S.load, 0, 0);
    else fn.mem(O.f32Load, 2, 0);
    fn.set(x);
    code[vec ? "vec" : "scalar"](fn, x, 0);
    fn.set(r);
    fn.get(p);
    if (vec) {
      canonicalizeVec(fn, r);
      fn.simdMem(S.store, 0, bytes);
    } else {
      canonicalizeScalar(fn, r);
      fn.mem(O.f32Store, 2, 2 * bytes);
    }
    fn.get(p)
      .i32(vec ? 16 : 4)
      .op(O.i32Add)
      .tee(p)
      .i32(bytes)
      .op(O.i32LtU)
      .brIf(loop);
    fn.end();
    fns.push(fn);
  }
  const memory = new WA!.Memory({ initial: pages, maximum: pages });
  const inst = new WA!.Instance(new WA!.Module(buildModule(pages, fns, ["v", "s"])), { e: { m: memory } });
  const u = new Uint32Array(memory.buffer);
  return (bits) => {
    u.fill(0, 0, CHUNK);
    u.set(bits, 0);
    (inst.exports.v as () => void)();
    (inst.exports.s as () => void)();
    return { vec: u.slice(CHUNK, CHUNK + bits.length), scalar: u.slice(2 * CHUNK, 2 * CHUNK + bits.length) };
  };
}

/**
 * The comparator: the first input (of bit patterns `xs`) whose vec or scalar result differs
 * in any bit from node/fo32's (NaNs canonical on both sides), with the count, or null.
 */
function mismatch(run: Runner, ref: (x: number) => number, xs: Uint32Array): string | null {
  let first: string | null = null;
  let count = 0;
  for (let at = 0; at < xs.length; at += CHUNK) {
    const part = xs.subarray(at, at + CHUNK);
    const got = run(part);
    for (let i = 0; i < part.length; i++) {
      const want = bitsOf(f(ref(fromBits(part[i]))));
      if (got.vec[i] !== want || got.scalar[i] !== want) {
        count++;
        first ??=
          `x = 0x${part[i].toString(16)} (${fromBits(part[i])}): fo32 0x${want.toString(16)}, ` +
          `vec 0x${got.vec[i].toString(16)}, scalar 0x${got.scalar[i].toString(16)}`;
      }
    }
  }
  return first === null ? null : `${count} mismatches, first ${first}`;
}

const toBits = (xs: readonly number[]): Uint32Array => Uint32Array.from(xs, (x) => bitsOf(f(x)));

/** Uniformly random bit patterns: every exponent (subnormals, ±inf / NaN at 255) and sign. */
function randomBits(n: number, seed: number): Uint32Array {
  const r = rng(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.floor(r() * 0x10000) << 16) | Math.floor(r() * 0x10000);
  return out;
}

/** Random values uniform in (−L, L): the range where these functions are not constant. */
function randomIn(n: number, L: number, seed: number): Uint32Array {
  const r = rng(seed);
  return Uint32Array.from({ length: n }, () => bitsOf(f((r() * 2 - 1) * L)));
}

/** ±w ulps around t and around −t (bit-pattern steps, through ±0 into the other sign). */
function around(ts: readonly number[], w: number): Uint32Array {
  const out: number[] = [];
  const ord = (x: number): number => {
    const b = bitsOf(f(x));
    return b >= 0x80000000 ? -(b - 0x80000000) : b; // monotone in x (−0 and +0 both 0)
  };
  const unord = (o: number): number => (o >= 0 ? o : 0x80000000 + -o) >>> 0;
  for (const t of ts) {
    for (const s of [t, -t]) {
      const o = ord(s);
      for (let d = -w; d <= w; d++) {
        const v = o + d;
        if (v <= 0x7f800000 && v >= -0x7f800000) out.push(unord(v));
      }
    }
  }
  return Uint32Array.from(out);
}

// The thresholds of node/fo32/transcendental.ts (bit patterns) and derived ones.
const LN2 = Math.LN2;
const THRESHOLDS = [
  0x42b17217, // EXP_OVF (and −EXP_OVF: sigmoid's split)
  0xc2d00000, // EXP_UNF
  0xc1900000, // EXPM1_NEG
  0x41800000, // SOFTPLUS_ID
  0x3ed413cd, // SQRT2M1 (log1pPos's split, on exp(x))
  0x00800000, // MIN_NORMAL
  0x3f400000, // ERF_SPLIT
  0x40800000, // ERF_ONE
  0xc1680000, // GELU_ZERO
  0x3f900000, // erfc piece bounds
  0x3fd00000,
  0x40180000,
  0x40600000,
  0x40a80000,
  0x40f80000,
  0x41280000,
]
  .map(fromBits)
  .concat([Math.log(fromBits(0x3ed413cd)), 0, 1, Infinity]); // softplus: exp(x) = SQRT2M1
/** Where x·LOG2E + MAGIC moves from one integer n to the next: n + ½ = x·log2(e), n ∈ [−152, 129]. */
const HALVES = Array.from({ length: 282 }, (_, i) => (i - 152 + 0.5) * LN2);
/** log's mantissa split at √2 and the powers of two, for every exponent. */
const LOG_SPLITS = Array.from({ length: 254 }, (_, i) => [
  fromBits(((i + 1) << 23) | 0x3504f3),
  fromBits((i + 1) << 23),
]).flat();

function sweeps(): Uint32Array {
  const gelu = [...THRESHOLDS, ...THRESHOLDS.map((t) => t * Math.SQRT2)]; // gelu's split is on x/√2
  const parts = [
    around(gelu, 1024),
    around(HALVES, 48), // exp, expm1, sigmoid (−x)
    around(
      HALVES.map((h) => h / 2),
      48,
    ), // tanh: expm1(−2|x|)
    around(
      HALVES.filter((h) => h < 0).map((h) => Math.sqrt(-2 * h)),
      48,
    ), // gelu's tail: exp(−x²/2)
    around(LOG_SPLITS, 8),
  ];
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function codeOf([op, params]: [MapOp, number[]]): OpCode {
  const code = unaryCode(op, params);
  if (code === null) throw new Error(`${MapOp[op]}: no wasm code (or it disagrees with fo32 on the probes)`);
  return code;
}

// ---- whole programs ----------------------------------------------------------------------------

function u32(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function firstDifference(x: Memory, y: Memory): string | null {
  for (let s = 0; s < x.activations.length; s++) {
    const a = u32(x.activations[s]);
    const b = u32(y.activations[s]);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return `activation ${s}[${i}]: 0x${a[i].toString(16)} ≠ 0x${b[i].toString(16)}`;
    }
  }
  return null;
}

function makeProgram(weights: Float32Array[], inputDims: number[][], instructions: Instruction[]): Program {
  const last = instructions[instructions.length - 1];
  return {
    version: COMPILER_VERSION,
    instructions,
    weights: weights.map((data, i) => ({ name: `w${i}`, data })),
    inputs: inputDims.map((dims, i) => ({ name: `x${i}`, dims, slot: In(i) })),
    activations: instructions.map((ins, i) => ({ name: `a${i}`, length: product(ins.iterDims) })),
    outputs: [{ name: "y", dims: last.iterDims.slice(), slot: last.out }],
  };
}

/** Values in (−L, L) with ±0, ±inf, a NaN with a payload and subnormals mixed in. */
function values(n: number, L: number, seed: number): Float32Array {
  const r = rng(seed);
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-40, 88.72283, -88.72283, -104, 16, -14.5];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() < 0.1 ? specials[Math.floor(r() * specials.length)] : (r() * 2 - 1) * L;
  new Uint32Array(out.buffer)[n >> 1] = 0xffc12345;
  return out;
}

/** wasm = JS = step() on every activation (crossCheck steps the whole program). */
function enginesAgree(program: Program, inputs: Float32Array[], what: string): void {
  validateProgram(program);
  const wasm = execute(program, inputs, { engine: "wasm" });
  const js = execute(program, inputs, { engine: "js" });
  const d = firstDifference(wasm, js);
  if (d !== null) throw new Error(`${what}: wasm vs JS: ${d}`);
  crossCheck(program, inputs, { accumulatorEvery: 13 });
}

const suite = wasmAvailable() ? describe : describe.skip;

suite("vm: WebAssembly transcendental ops (bit for bit with node/fo32)", function () {
  this.timeout(600_000);

  const SWEEPS = sweeps();

  for (const spec of OPS) {
    it(`${label(spec)}: probe values, 1M random bit patterns, random values, threshold sweeps`, () => {
      const [op, params] = spec;
      const run = runner(codeOf(spec));
      const ref = fo32.unaryFunction(op, params);
      const probes = toBits(probeValues(params).concat(PROBE_VALUES));
      expect(mismatch(run, ref, probes), "probe values").to.equal(null);
      expect(mismatch(run, ref, randomBits(1 << 20, op * 7 + params.length)), "random bit patterns").to.equal(null);
      for (const L of [2, 20, 130]) {
        expect(mismatch(run, ref, randomIn(1 << 17, L, op * 11 + L)), `random in ±${L}`).to.equal(null);
      }
      expect(mismatch(run, ref, SWEEPS), "sweeps").to.equal(null);
    });
  }

  it("the comparator and the sweeps catch a result one ulp off at a single input", () => {
    // Exp's code, with the result's bits + 1 where x is one sweep point: 1 ulp off there only.
    const exp = codeOf([MapOp.Exp, []]);
    const at = fromBits(bitsOf(fromBits(0x42b17217)) - 3); // 3 ulps below EXP_OVF
    const off =
      (vec: boolean): OpEmitter =>
      (fn, x) => {
        const r = fn.local(vec ? V128 : F32);
        exp[vec ? "vec" : "scalar"](fn, x, 0);
        fn.set(r);
        if (vec) {
          fn.get(r).v128i(1).simd(0xae); // i32x4.add
          fn.get(r).get(x).v128f(at).simd(S.f32x4Eq).simd(S.bitselect);
        } else {
          fn.get(r).op(0xbc).i32(1).op(O.i32Add).op(0xbe); // f32(bits + 1)
          fn.get(r).get(x).f32(at).op(O.f32Eq).op(O.select);
        }
      };
    const run = runner({ vec: off(true), scalar: off(false) });
    const ref = fo32.unaryFunction(MapOp.Exp, []);
    expect(mismatch(run, ref, toBits(PROBE_VALUES))).to.equal(null); // the probes miss it
    expect(mismatch(run, ref, SWEEPS)).to.match(/^1 mismatches, first x = 0x42b17214/); // the sweep does not
    expect(mismatch(runner(exp), ref, toBits([at]))).to.equal(null); // (the real code is right there)
  });

  it("Maps of each op: wasm = JS = step(), lanes and transposed reads, special values", () => {
    let seed = 1;
    for (const spec of OPS) {
      const [op, params] = spec;
      const [C, H, Wd] = [3, 4, 23];
      const rows = (n: number): number[][] =>
        Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (j === i + 1 ? 1 : 0)));
      const prog = makeProgram(
        [],
        [[C, H, Wd]],
        [
          {
            kind: Kind.Map,
            op,
            params,
            iterDims: [C, H, Wd],
            redDims: [],
            out: Act(0),
            inputs: [opnd(In(0), [C, H, Wd], rows(3))],
          },
          {
            kind: Kind.Map,
            op,
            params,
            iterDims: [Wd, C * H],
            redDims: [],
            out: Act(1),
            inputs: [
              opnd(
                Act(0),
                [C * H, Wd],
                [
                  [0, 0, 1],
                  [0, 1, 0],
                ],
              ),
            ],
          },
        ],
      );
      const wp = wasmProgram(prog)!;
      expect(
        wp.kernels.every((k) => k !== null),
        label(spec),
      ).to.equal(true);
      for (const L of [3, 30, 130]) enginesAgree(prog, [values(C * H * Wd, L, seed++)], label(spec));
    }
  });

  it("Dot epilogues (a Conv with bias and Sigmoid, Tanh, Gelu, …) in wasm: wasm = JS = step()", () => {
    const [Cin, Cout, H, Wd, K] = [3, 4, 5, 22, 3];
    const OH = H - K + 1;
    const OW = Wd - K + 1;
    let seed = 50;
    for (const [op, params] of OPS) {
      const ins: Instruction = {
        kind: Kind.Dot,
        op,
        params,
        iterDims: [Cout, OH, OW],
        redDims: [Cin, K, K],
        out: Act(0),
        inputs: [
          opnd(
            In(0),
            [Cin, H, Wd],
            [
              [0, 0, 0, 0, 1, 0, 0],
              [0, 0, 1, 0, 0, 1, 0],
              [0, 0, 0, 1, 0, 0, 1],
            ],
          ),
          opnd(
            W(0),
            [Cout, Cin, K, K],
            [
              [0, 1, 0, 0, 0, 0, 0],
              [0, 0, 0, 0, 1, 0, 0],
              [0, 0, 0, 0, 0, 1, 0],
              [0, 0, 0, 0, 0, 0, 1],
            ],
          ),
          opnd(W(1), [Cout], [[0, 1, 0, 0, 0, 0, 0]]),
        ],
      };
      const prog = makeProgram([values(Cout * Cin * K * K, 2, seed++), values(Cout, 4, seed++)], [[Cin, H, Wd]], [ins]);
      const k = wasmProgram(prog)!.kernels[0]!;
      expect(k.post, label([op, params])).to.equal(null); // the epilogue runs in the kernel
      enginesAgree(prog, [values(Cin * H * Wd, 3, seed++)], label([op, params]));
    }
  });

  it("models: GRU / LSTM classifiers (Sigmoid, Tanh), hello_deepa (Dot + Sigmoid), GPT decoder (Exp, Erf)", () => {
    const fixture = (n: string): string => `${__dirname}/fixtures/${n}.onnx`;
    const models: [string, Float32Array[] | null, boolean][] = [
      [fixture("gru_classifier"), null, true],
      [HELLO_DEEPA, null, true],
      [fixture("lstm_classifier"), null, false],
      [fixture("gpt_decoder"), [Float32Array.from({ length: 16 }, (_, i) => (i * 37) % 96)], false],
    ];
    for (const [file, given, stepAll] of models) {
      const { program } = compiled(file);
      const wp = wasmProgram(program)!;
      let ops = 0;
      program.instructions.forEach((ins, i) => {
        if ((ins.kind === Kind.Map || ins.kind === Kind.Dot) && OPS.some(([op]) => op === ins.op)) {
          ops++;
          expect(wp.kernels[i], `${file} instruction ${i}`).to.not.equal(null);
          expect(wp.kernels[i]!.post, `${file} instruction ${i}`).to.equal(null);
        }
      });
      expect(ops, file).to.be.greaterThan(0);
      const inputs =
        given ??
        seededInputs(
          program.inputs.map((s) => s.dims),
          7,
        );
      if (given === null) inputs[0][1] = -Infinity; // a special value through the model
      const wasm = execute(program, inputs, { engine: "wasm" });
      const js = execute(program, inputs, { engine: "js" });
      expect(firstDifference(wasm, js), file).to.equal(null);
      if (stepAll) crossCheck(program, inputs, { accumulatorEvery: 101 });
    }
  });
});
