// VM tests: hand-built programs checked against naive references (plain loops, FO32 order)
// and the fast executor checked step by step against the one-step definition.
import { expect } from "chai";
import {
  COMPILER_VERSION,
  Instruction,
  Kind,
  MapOp,
  Program,
  ReduceOp,
  product,
  totalSteps,
} from "../node/program/isa";
import * as fo32 from "../node/fo32";
import {
  InvalidProgramError,
  Memory,
  crossCheck,
  execute,
  instructionStarts,
  isHalted,
  kernelSource,
  partialAccumulator,
  pcAtStep,
  programSteps,
  step,
  stepAccesses,
  stepAtPc,
  validateProgram,
} from "../node/vm";
import { rng } from "./helpers/random";
import { Act, In, W, opnd } from "./helpers/programs";

const f = Math.fround;

function makeProgram(p: { weights?: Float32Array[]; inputs?: number[][]; instructions: Instruction[] }): Program {
  const weights = (p.weights ?? []).map((data, i) => ({ name: `w${i}`, data }));
  const inputs = (p.inputs ?? []).map((dims, i) => ({ name: `x${i}`, dims, slot: In(i) }));
  const activations = p.instructions.map((ins, i) => ({ name: `a${i}`, length: product(ins.iterDims) }));
  const last = p.instructions[p.instructions.length - 1];
  return {
    version: COMPILER_VERSION,
    instructions: p.instructions,
    weights,
    inputs,
    activations,
    outputs: [{ name: "y", dims: last.iterDims.slice(), slot: last.out }],
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -1e-40, 3e38, -3e38, 1e-30];

/** Random binary32 values; a few special ones (NaN, ±inf, −0, subnormals, huge) mixed in. */
function values(n: number, seed: number, specials = 0.08): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = r() < specials ? SPECIALS[Math.floor(r() * SPECIALS.length)] : f((r() * 2 - 1) * 4);
  }
  // A NaN with sign bit and payload set: must never reach memory as such.
  if (n > 3) new Uint32Array(out.buffer)[3] = 0xffc12345;
  return out;
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Canonical bit pattern of each reference value (every NaN → 0x7FC00000). */
function refBits(a: number[]): number[] {
  return a.map((x) => fo32.bitsOf(f(x)));
}

function expectAllCanonical(m: Memory): void {
  for (const slot of m.activations) {
    for (const b of bits(slot))
      if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) expect(b).to.equal(0x7fc00000);
  }
}

/** Fast run, naive reference, and full step-by-step cross-check. */
function checkProgram(program: Program, inputs: Float32Array[], reference: number[]): Memory {
  validateProgram(program);
  const m = execute(program, inputs);
  const out = program.outputs[0].slot;
  expect(bits(m.activations[out.index])).to.deep.equal(refBits(reference));
  expectAllCanonical(m);
  const r = crossCheck(program, inputs);
  expect(r.steps).to.equal(totalSteps(program));
  return m;
}

describe("vm: layout", () => {
  const prog = makeProgram({
    weights: [new Float32Array(6), new Float32Array(3)],
    instructions: [
      // Dot 2x1 ⋅ K=3: 2·4 = 8 steps
      {
        kind: Kind.Dot,
        op: 0,
        params: [],
        iterDims: [2],
        redDims: [3],
        out: Act(0),
        inputs: [
          opnd(
            W(0),
            [2, 3],
            [
              [0, 1, 0],
              [0, 0, 1],
            ],
          ),
          opnd(W(1), [3], [[0, 0, 1]]),
        ],
      },
      // Map on 2 elements: 2 steps
      {
        kind: Kind.Map,
        op: MapOp.Neg,
        params: [],
        iterDims: [2],
        redDims: [],
        out: Act(1),
        inputs: [opnd(Act(0), [2], [[0, 1]])],
      },
    ],
  });

  it("prefix sums, pcAtStep, stepAtPc, halted", () => {
    expect(instructionStarts(prog)).to.deep.equal([0, 8, 10]);
    expect(programSteps(prog)).to.equal(10);
    expect(pcAtStep(prog, 0)).to.deep.equal({ instr: 0, elem: 0, k: 0 });
    expect(pcAtStep(prog, 3)).to.deep.equal({ instr: 0, elem: 0, k: 3 });
    expect(pcAtStep(prog, 4)).to.deep.equal({ instr: 0, elem: 1, k: 0 });
    expect(pcAtStep(prog, 9)).to.deep.equal({ instr: 1, elem: 1, k: 0 });
    expect(pcAtStep(prog, 10)).to.deep.equal({ instr: 2, elem: 0, k: 0 });
    expect(isHalted(prog, pcAtStep(prog, 10))).to.equal(true);
    for (let s = 0; s <= 10; s++) expect(stepAtPc(prog, pcAtStep(prog, s))).to.equal(s);
    expect(() => pcAtStep(prog, 11)).to.throw(RangeError);
    expect(() => pcAtStep(prog, -1)).to.throw(RangeError);
    expect(() => stepAtPc(prog, { instr: 0, elem: 0, k: 4 })).to.throw(RangeError);
    expect(() => stepAtPc(prog, { instr: 2, elem: 1, k: 0 })).to.throw(RangeError);
  });

  it("large step counts stay exact", () => {
    const big: Program = {
      ...prog,
      instructions: [
        { ...prog.instructions[0], iterDims: [1 << 20], redDims: [1 << 10] },
        { ...prog.instructions[1], iterDims: [1 << 20] },
      ],
    };
    const first = (1 << 20) * ((1 << 10) + 1);
    expect(programSteps(big)).to.equal(first + (1 << 20));
    expect(pcAtStep(big, first - 1)).to.deep.equal({ instr: 0, elem: (1 << 20) - 1, k: 1 << 10 });
    expect(pcAtStep(big, first + 5)).to.deep.equal({ instr: 1, elem: 5, k: 0 });
    expect(stepAtPc(big, { instr: 0, elem: 777777, k: 1000 })).to.equal(777777 * 1025 + 1000);
  });
});

describe("vm: kernels against naive references and the stepper", () => {
  it("Conv 2-D: padding, stride 2, dilation 2, groups 2, bias", () => {
    const [N, Cin, H, Wd, G, Cout, KH, KW] = [2, 4, 7, 6, 2, 6, 3, 2];
    const [sh, sw, dh, dw, pt, pl] = [2, 2, 2, 2, 2, 1];
    const OH = Math.floor((H + 2 + 1 - dh * (KH - 1) - 1) / sh) + 1; // pads top 2, bottom 1
    const OW = Math.floor((Wd + 1 + 2 - dw * (KW - 1) - 1) / sw) + 1; // pads left 1, right 2
    const cg = Cin / G;
    const og = Cout / G;
    const x = values(N * Cin * H * Wd, 1);
    const w = values(Cout * cg * KH * KW, 2, 0.02);
    const b = values(Cout, 3, 0);
    // it = (n, g, co, oh, ow, ci, kh, kw)
    const ins: Instruction = {
      kind: Kind.Dot,
      op: MapOp.None,
      params: [],
      iterDims: [N, G, og, OH, OW],
      redDims: [cg, KH, KW],
      out: Act(0),
      inputs: [
        opnd(
          In(0),
          [N, Cin, H, Wd],
          [
            [0, 1, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, cg, 0, 0, 0, 1, 0, 0],
            [-pt, 0, 0, 0, sh, 0, 0, dh, 0],
            [-pl, 0, 0, 0, 0, sw, 0, 0, dw],
          ],
        ),
        opnd(
          W(0),
          [Cout, cg, KH, KW],
          [
            [0, 0, og, 1, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, 0, 0, 1],
          ],
        ),
        opnd(W(1), [Cout], [[0, 0, og, 1, 0, 0, 0, 0, 0]]),
      ],
    };
    const prog = makeProgram({ weights: [w, b], inputs: [[N, Cin, H, Wd]], instructions: [ins] });
    const ref: number[] = [];
    for (let n = 0; n < N; n++)
      for (let co = 0; co < Cout; co++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const g = Math.floor(co / og);
            let acc = 0;
            for (let ci = 0; ci < cg; ci++)
              for (let kh = 0; kh < KH; kh++)
                for (let kw = 0; kw < KW; kw++) {
                  const ih = oh * sh + kh * dh - pt;
                  const iw = ow * sw + kw * dw - pl;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= Wd) continue;
                  const xv = x[((n * Cin + g * cg + ci) * H + ih) * Wd + iw];
                  acc = f(acc + f(xv * w[((co * cg + ci) * KH + kh) * KW + kw]));
                }
            ref.push(f(acc + b[co]));
          }
    checkProgram(prog, [x], ref);
    // padded taps must not be multiplied: a 0 * Infinity would give NaN
    const src = kernelSource(ins);
    expect(src).to.match(/continue/);
  });

  it("MatMul + bias + Relu epilogue", () => {
    const [M, K, Nn] = [5, 7, 4];
    const a = values(M * K, 4);
    const bm = values(K * Nn, 5, 0.03);
    const bias = values(Nn, 6, 0);
    bias[1] = -0; // relu(−0 + …) paths
    const prog = makeProgram({
      weights: [bm, bias],
      inputs: [[M, K]],
      instructions: [
        {
          kind: Kind.Dot,
          op: MapOp.Relu,
          params: [],
          iterDims: [M, Nn],
          redDims: [K],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [M, K],
              [
                [0, 1, 0, 0],
                [0, 0, 0, 1],
              ],
            ),
            opnd(
              W(0),
              [K, Nn],
              [
                [0, 0, 0, 1],
                [0, 0, 1, 0],
              ],
            ),
            opnd(W(1), [Nn], [[0, 0, 1, 0]]),
          ],
        },
      ],
    });
    const ref: number[] = [];
    for (let m = 0; m < M; m++)
      for (let n = 0; n < Nn; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = f(acc + f(a[m * K + k] * bm[k * Nn + n]));
        const s = f(acc + bias[n]);
        ref.push(s !== s ? NaN : s > 0 ? s : 0);
      }
    checkProgram(prog, [a], ref);
  });

  it("broadcast Map (stride-0 coefs): Add [2,3,4] + [3,1], then Mul by a scalar", () => {
    const x = values(24, 7);
    const y = values(3, 8);
    y[0] = -0;
    const s = new Float32Array([-0.5]);
    const prog = makeProgram({
      weights: [y, s],
      inputs: [[2, 3, 4]],
      instructions: [
        {
          kind: Kind.Map,
          op: MapOp.Add,
          params: [],
          iterDims: [2, 3, 4],
          redDims: [],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [2, 3, 4],
              [
                [0, 1, 0, 0],
                [0, 0, 1, 0],
                [0, 0, 0, 1],
              ],
            ),
            opnd(
              W(0),
              [3, 1],
              [
                [0, 0, 1, 0],
                [0, 0, 0, 0],
              ],
            ),
          ],
        },
        {
          kind: Kind.Map,
          op: MapOp.Mul,
          params: [],
          iterDims: [2, 3, 4],
          redDims: [],
          out: Act(1),
          inputs: [opnd(Act(0), [24], [[0, 12, 4, 1]]), opnd(W(1), [1], [[0, 0, 0, 0]])],
        },
      ],
    });
    const ref: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) ref.push(f(f(x[i * 12 + j * 4 + k] + y[j]) * -0.5));
    checkProgram(prog, [x], ref);
  });

  it("binary Map: Div and Pow with a broadcast row", () => {
    const x = values(12, 9);
    const y = values(4, 10);
    y[0] = 0;
    y[1] = -0;
    const mk = (op: MapOp): Program =>
      makeProgram({
        weights: [y],
        inputs: [[3, 4]],
        instructions: [
          {
            kind: Kind.Map,
            op,
            params: [],
            iterDims: [3, 4],
            redDims: [],
            out: Act(0),
            inputs: [
              opnd(
                In(0),
                [3, 4],
                [
                  [0, 1, 0],
                  [0, 0, 1],
                ],
              ),
              opnd(W(0), [4], [[0, 0, 1]]),
            ],
          },
        ],
      });
    const refDiv: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) refDiv.push(f(x[i * 4 + j] / y[j]));
    checkProgram(mk(MapOp.Div), [x], refDiv);

    // FO32 pow is defined (FO32.md §3.9): the program must agree with it, never fall back.
    const pow = fo32.binaryFunction(MapOp.Pow);
    const refPow: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) refPow.push(pow(x[i * 4 + j], y[j]));
    checkProgram(mk(MapOp.Pow), [x], refPow);
  });

  it("window Reduce: MaxPool 3x3, stride 2, pad 1 (with ±0, NaN, −inf)", () => {
    const [C, H, Wd, OH, OW] = [2, 5, 5, 3, 3];
    const x = values(C * H * Wd, 11, 0.15);
    x[0] = -0;
    x[1] = 0;
    const prog = makeProgram({
      inputs: [[1, C, H, Wd]],
      instructions: [
        {
          kind: Kind.Reduce,
          op: ReduceOp.Max,
          params: [],
          iterDims: [1, C, OH, OW],
          redDims: [3, 3],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [1, C, H, Wd],
              [
                [0, 1, 0, 0, 0, 0, 0],
                [0, 0, 1, 0, 0, 0, 0],
                [-1, 0, 0, 2, 0, 1, 0],
                [-1, 0, 0, 0, 2, 0, 1],
              ],
            ),
          ],
        },
      ],
    });
    const ref: number[] = [];
    for (let c = 0; c < C; c++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = -Infinity;
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh * 2 + kh - 1;
              const iw = ow * 2 + kw - 1;
              if (ih < 0 || ih >= H || iw < 0 || iw >= Wd) continue;
              const v = x[(c * H + ih) * Wd + iw];
              if (v !== v || acc !== acc) acc = NaN;
              else if (v > acc || (v === 0 && acc === 0 && Object.is(acc, -0))) acc = v;
            }
          ref.push(acc);
        }
    checkProgram(prog, [x], ref);
  });

  it("ReduceMean over a middle axis; ReduceMin; ReduceSum", () => {
    const x = values(24, 12);
    const mk = (op: ReduceOp, params: number[]): Program =>
      makeProgram({
        inputs: [[2, 3, 4]],
        instructions: [
          {
            kind: Kind.Reduce,
            op,
            params,
            iterDims: [2, 4],
            redDims: [3],
            out: Act(0),
            inputs: [
              opnd(
                In(0),
                [2, 3, 4],
                [
                  [0, 1, 0, 0],
                  [0, 0, 0, 1],
                  [0, 0, 1, 0],
                ],
              ),
            ],
          },
        ],
      });
    const red = (init: number, fn: (a: number, v: number) => number, fin: (a: number) => number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < 2; i++)
        for (let k = 0; k < 4; k++) {
          let acc = init;
          for (let j = 0; j < 3; j++) acc = fn(acc, x[i * 12 + j * 4 + k]);
          out.push(fin(acc));
        }
      return out;
    };
    checkProgram(
      mk(ReduceOp.Mean, [3]),
      [x],
      red(
        0,
        (a, v) => f(a + v),
        (a) => f(a / 3),
      ),
    );
    checkProgram(
      mk(ReduceOp.Sum, []),
      [x],
      red(
        0,
        (a, v) => f(a + v),
        (a) => a,
      ),
    );
    checkProgram(
      mk(ReduceOp.Min, []),
      [x],
      red(
        Infinity,
        (a, v) => (a !== a || v !== v ? NaN : v < a || (v === 0 && a === 0 && Object.is(v, -0)) ? v : a),
        (a) => a,
      ),
    );
  });

  it("Move: Concat on the inner axis (two sources with coordinate offsets)", () => {
    const a = values(6, 13);
    const b = values(4, 14);
    const prog = makeProgram({
      weights: [b],
      inputs: [[2, 3]],
      instructions: [
        {
          kind: Kind.Move,
          op: 0,
          params: [0],
          iterDims: [2, 5],
          redDims: [],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [2, 3],
              [
                [0, 1, 0],
                [0, 0, 1],
              ],
            ),
            opnd(
              W(0),
              [2, 2],
              [
                [0, 1, 0],
                [-3, 0, 1],
              ],
            ),
          ],
        },
      ],
    });
    const ref: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) ref.push(j < 3 ? a[i * 3 + j] : b[i * 2 + j - 3]);
    checkProgram(prog, [a], ref);
  });

  it("Move: Pad (no valid source → params[0]), incl. a NaN pad value", () => {
    const x = values(6, 15);
    for (const padValue of [f(-1.5), NaN, -0]) {
      const prog = makeProgram({
        inputs: [[2, 3]],
        instructions: [
          {
            kind: Kind.Move,
            op: 0,
            params: [padValue],
            iterDims: [4, 6],
            redDims: [],
            out: Act(0),
            inputs: [
              opnd(
                In(0),
                [2, 3],
                [
                  [-1, 1, 0],
                  [-2, 0, 1],
                ],
              ),
            ],
          },
        ],
      });
      const ref: number[] = [];
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 6; j++) {
          const si = i - 1;
          const sj = j - 2;
          ref.push(si >= 0 && si < 2 && sj >= 0 && sj < 3 ? x[si * 3 + sj] : padValue);
        }
      checkProgram(prog, [x], ref);
    }
  });

  it("Move: Transpose perm [2, 0, 1]", () => {
    const x = values(24, 16);
    const prog = makeProgram({
      inputs: [[2, 3, 4]],
      instructions: [
        {
          kind: Kind.Move,
          op: 0,
          params: [],
          iterDims: [4, 2, 3],
          redDims: [],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [2, 3, 4],
              [
                [0, 0, 1, 0],
                [0, 0, 0, 1],
                [0, 1, 0, 0],
              ],
            ),
          ],
        },
      ],
    });
    const ref: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) ref.push(x[i * 12 + j * 4 + k]);
    checkProgram(prog, [x], ref);
  });

  it("a chained program: Conv → Relu Map → global average pool (Mean) → MatMul", () => {
    const x = values(1 * 2 * 6 * 6, 17);
    const w = values(3 * 2 * 3 * 3, 18, 0);
    const fc = values(3 * 2, 19, 0);
    const prog = makeProgram({
      weights: [w, fc],
      inputs: [[1, 2, 6, 6]],
      instructions: [
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [1, 3, 6, 6],
          redDims: [2, 3, 3],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [1, 2, 6, 6],
              [
                [0, 1, 0, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 0, 1, 0, 0],
                [-1, 0, 0, 1, 0, 0, 1, 0],
                [-1, 0, 0, 0, 1, 0, 0, 1],
              ],
            ),
            opnd(
              W(0),
              [3, 2, 3, 3],
              [
                [0, 0, 1, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 0, 1, 0, 0],
                [0, 0, 0, 0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0, 0, 0, 1],
              ],
            ),
          ],
        },
        {
          kind: Kind.Map,
          op: MapOp.Relu,
          params: [],
          iterDims: [108],
          redDims: [],
          out: Act(1),
          inputs: [opnd(Act(0), [108], [[0, 1]])],
        },
        {
          kind: Kind.Reduce,
          op: ReduceOp.Mean,
          params: [36],
          iterDims: [3],
          redDims: [36],
          out: Act(2),
          inputs: [
            opnd(
              Act(1),
              [3, 36],
              [
                [0, 1, 0],
                [0, 0, 1],
              ],
            ),
          ],
        },
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [2],
          redDims: [3],
          out: Act(3),
          inputs: [
            opnd(Act(2), [3], [[0, 0, 1]]),
            opnd(
              W(1),
              [3, 2],
              [
                [0, 0, 1],
                [0, 1, 0],
              ],
            ),
          ],
        },
      ],
    });
    const conv: number[] = [];
    for (let co = 0; co < 3; co++)
      for (let oh = 0; oh < 6; oh++)
        for (let ow = 0; ow < 6; ow++) {
          let acc = 0;
          for (let ci = 0; ci < 2; ci++)
            for (let kh = 0; kh < 3; kh++)
              for (let kw = 0; kw < 3; kw++) {
                const ih = oh + kh - 1;
                const iw = ow + kw - 1;
                if (ih < 0 || ih >= 6 || iw < 0 || iw >= 6) continue;
                acc = f(acc + f(x[(ci * 6 + ih) * 6 + iw] * w[((co * 2 + ci) * 3 + kh) * 3 + kw]));
              }
          conv.push(acc !== acc ? NaN : acc > 0 ? acc : 0);
        }
    const gap = [0, 1, 2].map((c) => {
      let acc = 0;
      for (let i = 0; i < 36; i++) acc = f(acc + conv[c * 36 + i]);
      return f(acc / 36);
    });
    const ref = [0, 1].map((n) => {
      let acc = 0;
      for (let c = 0; c < 3; c++) acc = f(acc + f(gap[c] * fc[c * 2 + n]));
      return acc;
    });
    const m = checkProgram(prog, [x], ref);
    expect(bits(m.activations[1])).to.deep.equal(refBits(conv));
  });

  it("0 × inf inside a MAC gives canonical NaN; padded taps are skipped, not multiplied", () => {
    const a = new Float32Array([0, 1, -0]);
    const b = new Float32Array([Infinity, 2, 1]);
    const prog = makeProgram({
      weights: [b],
      inputs: [[3]],
      instructions: [
        // out[0] = a·b (NaN); out[1] = taps shifted right by one: reads b[k-1], k=0 padded
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [2],
          redDims: [3],
          out: Act(0),
          inputs: [opnd(In(0), [3], [[0, 0, 1]]), opnd(W(0), [3], [[0, -4, 1]])],
        },
      ],
    });
    // element 0: taps k with b index k (0..2, ok); element 1: index k−4 < 0: all padded → +0
    checkProgram(prog, [a], [NaN, 0]);
  });

  it("execute checks its inputs; stopAt runs a prefix of the program", () => {
    const prog = makeProgram({
      inputs: [[3]],
      instructions: [
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [3],
          redDims: [],
          out: Act(0),
          inputs: [opnd(In(0), [3], [[0, 1]])],
        },
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [3],
          redDims: [],
          out: Act(1),
          inputs: [opnd(Act(0), [3], [[0, 1]])],
        },
      ],
    });
    const x = new Float32Array([1, -0, 2]);
    expect(() => execute(prog, [])).to.throw(/expected 1 input/);
    expect(() => execute(prog, [new Float32Array(2)])).to.throw(/Float32Array of 3 values/);
    const m = execute(prog, [x], { stopAt: 1 });
    expect(bits(m.activations[0])).to.deep.equal(refBits([-1, 0, -2]));
    expect(bits(m.activations[1])).to.deep.equal([0, 0, 0]);
    expect(() => execute(prog, [x], { stopAt: 3 })).to.throw(RangeError);
  });

  it("step on a halted state is the identity; stepAccesses describes the step", () => {
    const prog = makeProgram({
      weights: [new Float32Array([1, 2, 3])],
      instructions: [
        {
          kind: Kind.Move,
          op: 0,
          params: [7],
          iterDims: [4],
          redDims: [],
          out: Act(0),
          inputs: [opnd(W(0), [3], [[-1, 1]])],
        },
      ],
    });
    const mem = execute(prog, []);
    expect(Array.from(mem.activations[0])).to.deep.equal([7, 1, 2, 3]);
    const acc0 = stepAccesses(prog, { instr: 0, elem: 0, k: 0 });
    expect(acc0.phase).to.equal("write");
    expect(acc0.reads[0].valid).to.equal(false);
    expect(acc0.reads[0].used).to.equal(false);
    expect(acc0.write).to.deep.equal({ slot: Act(0), address: 0 });
    const acc2 = stepAccesses(prog, { instr: 0, elem: 2, k: 0 });
    expect(acc2.reads[0]).to.include({ valid: true, used: true, address: 1 });
    const halted = { pc: pcAtStep(prog, 4), acc: 0 };
    expect(step(prog, mem, halted)).to.deep.equal(halted);
    expect(stepAccesses(prog, halted.pc).phase).to.equal("halted");
    expect(partialAccumulator(prog, mem, halted.pc)).to.equal(0);
  });
});

describe("vm: special values through every op", () => {
  const SPECIAL = [
    0,
    -0,
    1,
    -1,
    0.5,
    -2.5,
    3,
    1.401298464324817e-45,
    -1.401298464324817e-45,
    1.1754942106924411e-38,
    3.4028234663852886e38,
    -3.4028234663852886e38,
    Infinity,
    -Infinity,
    NaN,
    0.2,
    -6,
    6,
  ].map(f);
  const n = SPECIAL.length;
  const xs = new Float32Array(SPECIAL);
  const implemented = (fn: () => unknown): boolean => {
    try {
      fn();
      return true;
    } catch {
      return false;
    }
  };
  const ops = Object.values(MapOp).filter((v): v is number => typeof v === "number");

  it("every implemented binary Map op on all pairs (outer product via stride-0 coefs)", () => {
    let tested = 0;
    for (const op of ops.filter((o) => o >= 64 && implemented(() => fo32.binaryFunction(o)))) {
      const prog = makeProgram({
        weights: [xs],
        inputs: [[n]],
        instructions: [
          {
            kind: Kind.Map,
            op,
            params: [],
            iterDims: [n, n],
            redDims: [],
            out: Act(0),
            inputs: [opnd(In(0), [n], [[0, 1, 0]]), opnd(W(0), [n], [[0, 0, 1]])],
          },
        ],
      });
      const ref: number[] = [];
      for (const x of SPECIAL) for (const y of SPECIAL) ref.push(fo32.binaryOp(op, x, y));
      checkProgram(prog, [xs], ref);
      tested++;
    }
    expect(tested).to.be.at.least(6);
  });

  it("every implemented unary Map op and Dot epilogue on special values", () => {
    let tested = 0;
    const params = [f(-0.5), f(2)];
    for (const op of ops.filter((o) => o >= 1 && o < 64 && implemented(() => fo32.unaryFunction(o, params)))) {
      const map = makeProgram({
        inputs: [[n]],
        instructions: [
          { kind: Kind.Map, op, params, iterDims: [n], redDims: [], out: Act(0), inputs: [opnd(In(0), [n], [[0, 1]])] },
        ],
      });
      const ref = SPECIAL.map((x) => fo32.unaryOp(op as MapOp, x, params));
      checkProgram(map, [xs], ref);
      // Dot with K = 1 and B = 1: the epilogue sees acc = fround(0 + x) (so −0 arrives as +0)
      const dot = makeProgram({
        weights: [new Float32Array([1])],
        inputs: [[n]],
        instructions: [
          {
            kind: Kind.Dot,
            op,
            params,
            iterDims: [n],
            redDims: [1],
            out: Act(0),
            inputs: [opnd(In(0), [n], [[0, 1, 0]]), opnd(W(0), [1], [[0, 0, 0]])],
          },
        ],
      });
      checkProgram(
        dot,
        [xs],
        SPECIAL.map((x) => fo32.unaryOp(op as MapOp, f(0 + f(x * 1)), params)),
      );
      tested++;
    }
    expect(tested).to.be.at.least(3);
  });

  it("Reduce Max/Min/Sum/Mean over every ordered pair (signed zeros, infinities, NaN)", () => {
    const pairs = new Float32Array(n * n * 2);
    let i = 0;
    for (const x of SPECIAL)
      for (const y of SPECIAL) {
        pairs[i++] = x;
        pairs[i++] = y;
      }
    const defs: [ReduceOp, number, (a: number, b: number) => number, number[]][] = [
      [ReduceOp.Max, -Infinity, fo32.max, []],
      [ReduceOp.Min, Infinity, fo32.min, []],
      [ReduceOp.Sum, 0, fo32.add, []],
      [ReduceOp.Mean, 0, fo32.add, [-0]],
    ];
    for (const [op, init, fn, params] of defs) {
      const prog = makeProgram({
        inputs: [[n * n, 2]],
        instructions: [
          {
            kind: Kind.Reduce,
            op,
            params,
            iterDims: [n * n],
            redDims: [2],
            out: Act(0),
            inputs: [
              opnd(
                In(0),
                [n * n, 2],
                [
                  [0, 1, 0],
                  [0, 0, 1],
                ],
              ),
            ],
          },
        ],
      });
      const ref: number[] = [];
      for (let p = 0; p < n * n; p++) {
        const r = fn(fn(init, pairs[2 * p]), pairs[2 * p + 1]);
        ref.push(op === ReduceOp.Mean ? fo32.div(r, -0) : r);
      }
      checkProgram(prog, [pairs], ref);
    }
  });

  it("the common ops are inlined in the generated kernels (no closure call)", () => {
    const mapIns = (op: MapOp, arity: number): Instruction => ({
      kind: Kind.Map,
      op,
      params: [],
      iterDims: [4],
      redDims: [],
      out: Act(0),
      inputs: Array.from({ length: arity }, () => opnd(W(0), [4], [[0, 1]])),
    });
    for (const op of [MapOp.Identity, MapOp.Neg, MapOp.Relu])
      expect(kernelSource(mapIns(op, 1)), MapOp[op]).not.to.match(/F\(/);
    for (const op of [MapOp.Add, MapOp.Sub, MapOp.Mul, MapOp.Div, MapOp.Max, MapOp.Min]) {
      expect(kernelSource(mapIns(op, 2)), MapOp[op]).not.to.match(/G\(/);
    }
    for (const op of [ReduceOp.Max, ReduceOp.Min]) {
      const red: Instruction = {
        kind: Kind.Reduce,
        op,
        params: [],
        iterDims: [2],
        redDims: [2],
        out: Act(0),
        inputs: [opnd(W(0), [4], [[0, 2, 1]])],
      };
      expect(kernelSource(red), ReduceOp[op]).not.to.match(/G\(/);
    }
  });
});

describe("vm: validation", () => {
  const base = (): Program =>
    makeProgram({
      weights: [new Float32Array(4)],
      instructions: [
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [4],
          redDims: [],
          out: Act(0),
          inputs: [opnd(W(0), [4], [[0, 1]])],
        },
      ],
    });
  const mutate = (fn: (p: Program) => void): Program => {
    const p = base();
    fn(p);
    return p;
  };

  it("accepts a good program and reports N", () => {
    expect(validateProgram(base())).to.equal(4);
  });
  it("rejects bad shapes, slots and maps", () => {
    const cases: [string, Program, RegExp][] = [
      ["dims product", mutate((p) => (p.instructions[0].inputs[0].dims = [5])), /dims \[5\]/],
      ["coef count", mutate((p) => (p.instructions[0].inputs[0].coef = [1, 0])), /coefs/],
      ["output space", mutate((p) => (p.instructions[0].out = W(0))), /Activation/],
      ["E vs slot", mutate((p) => (p.activations[0].length = 3)), /length 3|do not match/],
      ["Map out of range", mutate((p) => (p.instructions[0].inputs[0].offset = [1])), /out of range/],
      ["reads own output", mutate((p) => (p.instructions[0].inputs[0].slot = Act(0))), /own output/],
      ["never written", mutate((p) => p.activations.push({ name: "z", length: 1 })), /never written/],
      ["non-integer coef", mutate((p) => (p.instructions[0].inputs[0].coef = [0.5])), /i32/],
      ["version", mutate((p) => (p.version = 99)), /version/],
      [
        "E = 0",
        mutate((p) => {
          p.instructions[0].iterDims = [0];
          p.activations[0].length = 0;
        }),
        /E = 0/,
      ],
    ];
    for (const [name, p, re] of cases) {
      expect(() => validateProgram(p), name).to.throw(InvalidProgramError, re);
    }
  });
  it("rejects a bias that can be out of range, and double writes", () => {
    const p = makeProgram({
      weights: [new Float32Array(2), new Float32Array(2), new Float32Array(1)],
      instructions: [
        {
          kind: Kind.Dot,
          op: 0,
          params: [],
          iterDims: [2],
          redDims: [1],
          out: Act(0),
          inputs: [opnd(W(0), [2], [[0, 1, 0]]), opnd(W(1), [2], [[0, 1, 0]]), opnd(W(2), [1], [[0, 1, 0]])],
        },
      ],
    });
    expect(() => validateProgram(p)).to.throw(InvalidProgramError, /bias/);
    const q = base();
    q.instructions.push({ ...q.instructions[0] });
    expect(() => validateProgram(q)).to.throw(InvalidProgramError, /already written/);
  });
  it("rejects reading an activation slot before it is written", () => {
    const p = makeProgram({
      weights: [new Float32Array(4)],
      instructions: [
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [4],
          redDims: [],
          out: Act(0),
          inputs: [opnd(Act(1), [4], [[0, 1]])],
        },
        {
          kind: Kind.Map,
          op: MapOp.Neg,
          params: [],
          iterDims: [4],
          redDims: [],
          out: Act(1),
          inputs: [opnd(W(0), [4], [[0, 1]])],
        },
      ],
    });
    expect(() => validateProgram(p)).to.throw(InvalidProgramError, /before any instruction writes it/);
  });
});

describe("vm: speed", () => {
  it("Conv 1x3x48x192 → 16 ch, 3x3, pad 1, stride 2 runs in a few ms", () => {
    const [Cin, H, Wd, Cout, OH, OW] = [3, 48, 192, 16, 24, 96];
    const x = values(Cin * H * Wd, 20, 0);
    const w = values(Cout * Cin * 9, 21, 0);
    const prog = makeProgram({
      weights: [w],
      inputs: [[1, Cin, H, Wd]],
      instructions: [
        {
          kind: Kind.Dot,
          op: MapOp.Relu,
          params: [],
          iterDims: [1, Cout, OH, OW],
          redDims: [Cin, 3, 3],
          out: Act(0),
          inputs: [
            opnd(
              In(0),
              [1, Cin, H, Wd],
              [
                [0, 1, 0, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 0, 1, 0, 0],
                [-1, 0, 0, 2, 0, 0, 1, 0],
                [-1, 0, 0, 0, 2, 0, 0, 1],
              ],
            ),
            opnd(
              W(0),
              [Cout, Cin, 3, 3],
              [
                [0, 0, 1, 0, 0, 0, 0, 0],
                [0, 0, 0, 0, 0, 1, 0, 0],
                [0, 0, 0, 0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0, 0, 0, 1],
              ],
            ),
          ],
        },
      ],
    });
    execute(prog, [x]); // warm up (code generation + JIT)
    const macs = Cout * OH * OW * Cin * 9;
    // Machine-independent yardstick: a flat FO32 dot loop over the same number of MACs.
    const fa = values(macs, 22, 0);
    const fb = values(macs, 23, 0);
    const flat = (): number => {
      let acc = 0;
      for (let i = 0; i < macs; i++) acc = f(acc + f(fa[i] * fb[i]));
      return acc;
    };
    const time = (fn: () => unknown, runs: number): number => {
      let best = Infinity;
      for (let r = 0; r < runs; r++) {
        const t0 = process.hrtime.bigint();
        fn();
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return best;
    };
    time(flat, 3);
    const flatMs = time(flat, 10);
    const ms = time(() => execute(prog, [x], { validate: false }), 20);
    console.log(
      `      conv 1x3x48x192→16, 3x3 s2 p1: ${ms.toFixed(2)} ms (${(macs / ms / 1e3).toFixed(0)} MMAC/s); flat dot loop of ${macs} MACs: ${flatMs.toFixed(2)} ms`,
    );
    expect(ms).to.be.lessThan(Math.max(3 * flatMs, 5));
    // spot-check a few elements against the stepper's definition
    const m = execute(prog, [x]);
    for (const e of [0, 95, 96 * 24 - 1, 12345, 36863]) {
      const pc = { instr: 0, elem: e, k: Cin * 9 };
      const acc = partialAccumulator(prog, m, pc);
      expect(fo32.bitsOf(m.activations[0][e])).to.equal(fo32.bitsOf(acc !== acc ? NaN : acc > 0 ? acc : 0));
    }
  });
});
