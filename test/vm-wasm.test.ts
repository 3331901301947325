// The WebAssembly engine (node/vm/wasm) against the JS engine and the one-step definition:
// final memories bit for bit on hand-built programs (conv padding / strides / dilation /
// groups, matmul, pools, broadcast maps, epilogues, special values), random programs, and
// the real models (hello_deepa, the OCR classifier).
import { expect } from "chai";
import {
  COMPILER_VERSION,
  Instruction,
  Kind,
  MapOp,
  Operand,
  Program,
  ReduceOp,
  SlotRef,
  Space,
  product,
  totalSteps,
} from "../node/program/isa";
import * as fo32 from "../node/fo32";
import {
  MachineState,
  Memory,
  crossCheck,
  execute,
  initialMemory,
  multiIndex,
  step,
  validateProgram,
} from "../node/vm";
import { buildKernel } from "../node/vm/wasm/kernels";
import { binaryCode, unaryCode } from "../node/vm/wasm/ops";
import { canonicalizeNaNs, executeInstruction } from "../node/vm/execute";
import { KernelOptions } from "../node/vm/wasm/kernels";
import { executeWasm, wasmAvailable, wasmProgram } from "../node/vm/wasm/runtime";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";
import { Act, In, W, opnd } from "./helpers/programs";
import { rng } from "./helpers/random";
import { LANE_SHAPE, randomProgram } from "./helpers/random-programs";

const f = Math.fround;

const SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1.401298464324817e-45,
  -2.5e-39,
  1e-40,
  3e38,
  -3e38,
  1,
  -1,
  0.5,
  6,
  -6,
].map(f);

/** Random binary32 values with a share of special ones and one odd NaN (sign, payload). */
function values(n: number, seed: number, specials = 0.06): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = r() < specials ? SPECIALS[Math.floor(r() * SPECIALS.length)] : f((r() * 2 - 1) * 4);
  if (n > 3 && specials > 0) new Uint32Array(out.buffer)[Math.floor(r() * n)] = 0xffc12345;
  return out;
}

function makeProgram(weights: Float32Array[], inputDims: number[][], instructions: Instruction[]): Program {
  return {
    version: COMPILER_VERSION,
    instructions,
    weights: weights.map((data, i) => ({ name: `w${i}`, data })),
    inputs: inputDims.map((dims, i) => ({ name: `x${i}`, dims, slot: In(i) })),
    activations: instructions.map((ins, i) => ({ name: `a${i}`, length: product(ins.iterDims) })),
    outputs: [
      {
        name: "y",
        dims: instructions[instructions.length - 1].iterDims.slice(),
        slot: instructions[instructions.length - 1].out,
      },
    ],
  };
}

function u32(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function firstDifference(x: Memory, y: Memory): string | null {
  for (let s = 0; s < x.activations.length; s++) {
    const a = u32(x.activations[s]);
    const b = u32(y.activations[s]);
    if (a.length !== b.length) return `activation ${s}: lengths ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return `activation ${s}[${i}]: 0x${a[i].toString(16)} ≠ 0x${b[i].toString(16)}`;
    }
  }
  return null;
}

/** Final memory by repeating step() from state 0 to the halted state. */
function stepped(program: Program, inputs: Float32Array[]): Memory {
  const mem = initialMemory(program, inputs);
  let state: MachineState = { pc: { instr: 0, elem: 0, k: 0 }, acc: 0 };
  const n = totalSteps(program);
  for (let s = 0; s < n; s++) state = step(program, mem, state);
  return mem;
}

function expectCanonical(m: Memory): void {
  m.activations.forEach((slot, s) => {
    const u = u32(slot);
    for (let i = 0; i < u.length; i++) {
      if ((u[i] & 0x7fffffff) > 0x7f800000 && u[i] !== 0x7fc00000)
        throw new Error(`activation ${s}[${i}]: NaN 0x${u[i].toString(16)}`);
    }
  });
}

/** Programs up to this many steps are stepped in full; larger ones on sampled elements. */
const FULL_STEP_LIMIT = 40_000;

/** wasm = JS = step(), bit for bit, on every activation (step(): see FULL_STEP_LIMIT). */
function agree(program: Program, inputs: Float32Array[], label = ""): Memory {
  validateProgram(program);
  const wasm = execute(program, inputs, { engine: "wasm" });
  const js = execute(program, inputs, { engine: "js" });
  const d1 = firstDifference(wasm, js);
  if (d1 !== null) throw new Error(`${label} wasm vs JS: ${d1}`);
  if (totalSteps(program) <= FULL_STEP_LIMIT) {
    const d2 = firstDifference(wasm, stepped(program, inputs));
    if (d2 !== null) throw new Error(`${label} wasm vs step: ${d2}`);
  } else {
    resteppedSample(program, wasm, 48, 1);
  }
  expectCanonical(wasm);
  return wasm;
}

const EPILOGUES: [MapOp, number[]][] = [
  [MapOp.None, []],
  [MapOp.Relu, []],
  [MapOp.Clip, [0, 6]],
  [MapOp.Clip, [f(-0.5), f(0.25)]],
  [MapOp.HardSigmoid, [f(0.2), 0.5]],
  [MapOp.HardSwish, []],
  [MapOp.LeakyRelu, [f(0.1)]],
  [MapOp.Sigmoid, []],
  [MapOp.Tanh, []],
  [MapOp.Softsign, []], // no wasm code: applied in JS after the kernel
];

interface ConvSpec {
  N: number;
  G: number;
  cg: number; // input channels per group
  og: number; // output channels per group
  H: number;
  Wd: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pb: number;
  pl: number;
  pr: number;
  bias: boolean;
  op: MapOp;
  params: number[];
}

/** A Conv as the compiler lowers it: it = (n, g, co, oh, ow, ci, kh, kw). */
function convProgram(c: ConvSpec, seed: number): { program: Program; inputs: Float32Array[] } | null {
  const OH = Math.floor((c.H + c.pt + c.pb - c.dh * (c.KH - 1) - 1) / c.sh) + 1;
  const OW = Math.floor((c.Wd + c.pl + c.pr - c.dw * (c.KW - 1) - 1) / c.sw) + 1;
  if (OH < 1 || OW < 1) return null;
  const Cin = c.G * c.cg;
  const Cout = c.G * c.og;
  const x = values(c.N * Cin * c.H * c.Wd, seed);
  const w = values(Cout * c.cg * c.KH * c.KW, seed + 1, 0.02);
  const b = values(Cout, seed + 2, 0.1);
  const inputs: Operand[] = [
    opnd(
      In(0),
      [c.N, Cin, c.H, c.Wd],
      [
        [0, 1, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, c.cg, 0, 0, 0, 1, 0, 0],
        [-c.pt, 0, 0, 0, c.sh, 0, 0, c.dh, 0],
        [-c.pl, 0, 0, 0, 0, c.sw, 0, 0, c.dw],
      ],
    ),
    opnd(
      W(0),
      [Cout, c.cg, c.KH, c.KW],
      [
        [0, 0, c.og, 1, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
      ],
    ),
  ];
  if (c.bias) inputs.push(opnd(W(1), [Cout], [[0, 0, c.og, 1, 0, 0, 0, 0, 0]]));
  const ins: Instruction = {
    kind: Kind.Dot,
    op: c.op,
    params: c.params,
    iterDims: [c.N, c.G, c.og, OH, OW],
    redDims: [c.cg, c.KH, c.KW],
    out: Act(0),
    inputs,
  };
  return { program: makeProgram([w, b], [[c.N, Cin, c.H, c.Wd]], [ins]), inputs: [x] };
}

const suite = wasmAvailable() ? describe : describe.skip;

suite("vm: WebAssembly engine", function () {
  this.timeout(600_000);

  it("wasm op code agrees with node/fo32 (probed) for the ops it implements", () => {
    for (const [op, params] of EPILOGUES.slice(0, 7)) expect(unaryCode(op, params), MapOp[op]).to.not.equal(null);
    for (const op of [
      MapOp.Neg,
      MapOp.Abs,
      MapOp.Sqrt,
      MapOp.Floor,
      MapOp.Ceil,
      MapOp.Round,
      MapOp.Reciprocal,
      MapOp.Identity,
    ]) {
      expect(unaryCode(op, []), MapOp[op]).to.not.equal(null);
    }
    for (const op of [MapOp.Add, MapOp.Sub, MapOp.Mul, MapOp.Div, MapOp.Max, MapOp.Min, MapOp.PRelu]) {
      expect(binaryCode(op), MapOp[op]).to.not.equal(null);
    }
    expect(unaryCode(MapOp.Softsign, [])).to.equal(null); // no wasm code: JS
  });

  it("Conv: padding, strides, dilation, groups, bias, epilogues (incl. border lanes and remainders)", () => {
    const specs: Partial<ConvSpec>[] = [
      { H: 7, Wd: 37, KH: 3, KW: 3, pt: 1, pb: 1, pl: 1, pr: 1 }, // same padding, odd width
      { H: 9, Wd: 41, KH: 3, KW: 2, sh: 2, sw: 2, dh: 2, dw: 2, pt: 2, pb: 1, pl: 1, pr: 2, G: 2, cg: 2, og: 3 },
      { H: 6, Wd: 50, KH: 5, KW: 5, pt: 2, pb: 2, pl: 2, pr: 2, G: 3, cg: 1, og: 1 }, // depthwise 5x5
      { H: 12, Wd: 33, KH: 3, KW: 3, sh: 2, sw: 1, pt: 1, pb: 1, pl: 1, pr: 1, G: 4, cg: 1, og: 1 }, // depthwise s(2,1)
      { H: 8, Wd: 48, KH: 3, KW: 3, sh: 2, sw: 2, pt: 1, pb: 1, pl: 1, pr: 1, cg: 3, og: 4 }, // stride-2 lanes
      { H: 5, Wd: 40, KH: 1, KW: 1, cg: 7, og: 5 }, // pointwise: merged H·W
      { H: 3, Wd: 17, KH: 1, KW: 3, sw: 3, pl: 0, pr: 2, cg: 2, og: 2 }, // stride-3 lanes (gather)
      { H: 4, Wd: 6, KH: 3, KW: 7, pl: 3, pr: 3, pt: 1, pb: 1 }, // kernel wider than the interior
      { H: 2, Wd: 3, KH: 1, KW: 1, N: 2, cg: 9, og: 11 }, // tiny spatial: lanes over channels
      { H: 5, Wd: 9, KH: 3, KW: 3, pl: 5, pr: 5, pt: 0, pb: 0 }, // pads beyond the kernel: all-padded elements
    ];
    let seed = 100;
    for (const s of specs) {
      for (const [op, params] of EPILOGUES) {
        for (const bias of [false, true]) {
          const spec: ConvSpec = {
            N: 1,
            G: 1,
            cg: 2,
            og: 3,
            H: 5,
            Wd: 5,
            KH: 3,
            KW: 3,
            sh: 1,
            sw: 1,
            dh: 1,
            dw: 1,
            pt: 0,
            pb: 0,
            pl: 0,
            pr: 0,
            ...s,
            bias,
            op,
            params,
          };
          const p = convProgram(spec, seed++);
          expect(p, JSON.stringify(spec)).to.not.equal(null);
          agree(p!.program, p!.inputs, JSON.stringify(spec));
        }
      }
    }
  });

  it("Conv kernels take the f32x4 path with masked border vectors", () => {
    const p = convProgram(
      {
        N: 1,
        G: 1,
        cg: 2,
        og: 3,
        H: 6,
        Wd: 40,
        KH: 3,
        KW: 3,
        sh: 1,
        sw: 1,
        dh: 1,
        dw: 1,
        pt: 1,
        pb: 1,
        pl: 1,
        pr: 1,
        bias: true,
        op: MapOp.Relu,
        params: [],
      },
      1,
    )!;
    const k = wasmProgram(p.program)!.kernels[0]!;
    expect(k.post).to.equal(null);
    expect(k.info).to.match(/lane \d+ interior \[1,39\] masked/);
    // and the scalar-only kernel agrees too
    const scalar = buildKernel(p.program.instructions[0], () => 0, { scalarOnly: true })!;
    expect(scalar.info).to.match(/scalar/);
  });

  it("masked border vectors: scalar borders instead where an invalid lane would load outside memory", () => {
    // out[c, x] = Σ_k X[c, x + k − pl] · Y[c, k] and a max pool over the same window, X first
    // or second in linear memory (inputs are placed in order, from byte 0: no weights)
    const [C, Wd, K] = [3, 37, 7];
    let seed = 1300;
    for (const [xFirst, pl, pr, masked] of [
      [true, 3, 2, false], // X at byte 0: column −3 would be address −12
      [false, 3, 2, true],
      [false, 1, 6, false], // the last row reads 6 columns past X's end
      [false, 0, 3, true],
    ] as [boolean, number, number, boolean][]) {
      const OW = Wd + pl + pr - K + 1;
      const xi = xFirst ? 0 : 1;
      const X = opnd(
        In(xi),
        [C, Wd],
        [
          [0, 1, 0, 0],
          [-pl, 0, 1, 1],
        ],
      );
      const Y = opnd(
        In(1 - xi),
        [C, K],
        [
          [0, 1, 0, 0],
          [0, 0, 0, 1],
        ],
      );
      const dims = [
        [C, Wd],
        [C, K],
      ];
      if (!xFirst) dims.reverse();
      const prog = makeProgram([], dims, [
        { kind: Kind.Dot, op: MapOp.None, params: [], iterDims: [C, OW], redDims: [K], out: Act(0), inputs: [X, Y] },
        { kind: Kind.Reduce, op: ReduceOp.Max, params: [], iterDims: [C, OW], redDims: [K], out: Act(1), inputs: [X] },
      ]);
      const inputs = dims.map((d) => values(product(d), seed++, 0.15));
      const label = `X ${xFirst ? "first" : "second"} pads ${pl} ${pr}`;
      agree(prog, inputs, label);
      for (const k of wasmProgram(prog)!.kernels)
        expect(/masked/.test(k!.info), `${label}: ${k!.info}`).to.equal(masked);
    }
    // reversed lanes, padded on both sides: out[x] = Σ_k X[42 − x − k] · W[k], x < 45, k < 5
    const rev = makeProgram(
      [values(5, seed++, 0.2)],
      [[40]],
      [
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [45],
          redDims: [5],
          out: Act(0),
          inputs: [opnd(In(0), [40], [[42, -1, -1]]), opnd(W(0), [5], [[0, 0, 1]])],
        },
        {
          kind: Kind.Reduce,
          op: ReduceOp.Min,
          params: [],
          iterDims: [45],
          redDims: [5],
          out: Act(1),
          inputs: [opnd(In(0), [40], [[42, -1, -1]])],
        },
      ],
    );
    agree(rev, [values(40, seed++, 0.15)], "reversed");
    for (const k of wasmProgram(rev)!.kernels) expect(k!.info).to.match(/masked/);
  });

  it("kernel variants (scalar only, block shapes, unrolling) all agree with the JS engine", () => {
    const variants: KernelOptions[] = [
      { scalarOnly: true },
      { rows: 2, unroll: 4, unrollPartial: 4, unrollReduction: 8 }, // the unrolled taps of earlier defaults
      { maskBorders: false },
      { rows: 3, unroll: 3, maskBorders: false },
      { rows: 1 },
      { rows: 3, unroll: 2 },
      { unroll: 1, unrollPartial: 1, unrollReduction: 1 },
      { unroll: 8, unrollPartial: 3, unrollReduction: 2 },
    ];
    const programs = [
      convProgram(
        {
          N: 2,
          G: 2,
          cg: 3,
          og: 5,
          H: 7,
          Wd: 29,
          KH: 3,
          KW: 3,
          sh: 1,
          sw: 2,
          dh: 1,
          dw: 1,
          pt: 1,
          pb: 2,
          pl: 1,
          pr: 1,
          bias: true,
          op: MapOp.Clip,
          params: [0, 6],
        },
        11,
      )!,
      convProgram(
        {
          N: 1,
          G: 1,
          cg: 11,
          og: 7,
          H: 3,
          Wd: 45,
          KH: 1,
          KW: 1,
          sh: 1,
          sw: 1,
          dh: 1,
          dw: 1,
          pt: 0,
          pb: 0,
          pl: 0,
          pr: 0,
          bias: true,
          op: MapOp.HardSwish,
          params: [],
        },
        12,
      )!,
      convProgram(
        {
          N: 1,
          G: 5,
          cg: 1,
          og: 1,
          H: 4,
          Wd: 38,
          KH: 5,
          KW: 5,
          sh: 2,
          sw: 1,
          dh: 1,
          dw: 1,
          pt: 2,
          pb: 2,
          pl: 2,
          pr: 2,
          bias: false,
          op: MapOp.Sigmoid,
          params: [],
        },
        13,
      )!,
      {
        program: makeProgram(
          [values(64, 14)],
          [[64]],
          [
            {
              kind: Kind.Reduce,
              op: ReduceOp.Mean,
              params: [5],
              iterDims: [3, 19],
              redDims: [5],
              out: Act(0),
              inputs: [opnd(In(0), [64], [[-2, 2, 1, 1]])],
            },
            {
              kind: Kind.Map,
              op: MapOp.PRelu,
              params: [],
              iterDims: [3, 19],
              redDims: [],
              out: Act(1),
              inputs: [
                opnd(
                  Act(0),
                  [3, 19],
                  [
                    [0, 1, 0],
                    [0, 0, 1],
                  ],
                ),
                opnd(W(0), [64], [[5, 0, 3]]),
              ],
            },
          ],
        ),
        inputs: [values(64, 15)],
      },
    ];
    for (const { program, inputs } of programs) {
      validateProgram(program);
      const js = execute(program, inputs, { engine: "js" });
      for (const v of variants) {
        const wp = wasmProgram(program, v)!;
        const m = executeWasm(
          wp,
          program,
          inputs,
          program.instructions.length,
          (mem, i) => executeInstruction(program, mem, i),
          canonicalizeNaNs,
        );
        expect(firstDifference(m, js), JSON.stringify(v)).to.equal(null);
      }
    }
  });

  it("MatMul / Gemm: transposes, bias, lanes along either output dim", () => {
    let seed = 300;
    for (const [M, K, N] of [
      [5, 7, 4],
      [3, 33, 19],
      [17, 5, 2],
      [1, 64, 37],
      [40, 3, 1],
    ]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          for (const [op, params] of [EPILOGUES[0], EPILOGUES[1], EPILOGUES[7]]) {
            const a = values(M * K, seed++);
            const bm = values(K * N, seed++, 0.03);
            const bias = values(N, seed++, 0.1);
            // it = (m, n, k)
            const A = ta
              ? opnd(
                  In(0),
                  [K, M],
                  [
                    [0, 0, 0, 1],
                    [0, 1, 0, 0],
                  ],
                )
              : opnd(
                  In(0),
                  [M, K],
                  [
                    [0, 1, 0, 0],
                    [0, 0, 0, 1],
                  ],
                );
            const B = tb
              ? opnd(
                  W(0),
                  [N, K],
                  [
                    [0, 0, 1, 0],
                    [0, 0, 0, 1],
                  ],
                )
              : opnd(
                  W(0),
                  [K, N],
                  [
                    [0, 0, 0, 1],
                    [0, 0, 1, 0],
                  ],
                );
            const prog = makeProgram(
              [bm, bias],
              [ta ? [K, M] : [M, K]],
              [
                {
                  kind: Kind.Dot,
                  op,
                  params,
                  iterDims: [M, N],
                  redDims: [K],
                  out: Act(0),
                  inputs: [A, B, opnd(W(1), [N], [[0, 0, 1, 0]])],
                },
              ],
            );
            agree(prog, [a], `matmul ${M}x${K}x${N} ta=${ta} tb=${tb}`);
          }
        }
      }
    }
  });

  it("pools: Max / Min / Sum / Mean windows with padding and strides; global average", () => {
    let seed = 500;
    for (const op of [ReduceOp.Max, ReduceOp.Min, ReduceOp.Sum, ReduceOp.Mean]) {
      for (const [H, Wd, k, s, p] of [
        [6, 37, 3, 1, 1],
        [8, 40, 2, 2, 0],
        [7, 29, 3, 2, 1],
        [5, 5, 5, 1, 2],
      ]) {
        const OH = Math.floor((H + 2 * p - k) / s) + 1;
        const OW = Math.floor((Wd + 2 * p - k) / s) + 1;
        const x = values(2 * H * Wd, seed++, 0.15);
        x[0] = -0;
        x[1] = 0;
        const prog = makeProgram(
          [],
          [[1, 2, H, Wd]],
          [
            {
              kind: Kind.Reduce,
              op,
              params: op === ReduceOp.Mean ? [k * k] : [],
              iterDims: [1, 2, OH, OW],
              redDims: [k, k],
              out: Act(0),
              inputs: [
                opnd(
                  In(0),
                  [1, 2, H, Wd],
                  [
                    [0, 1, 0, 0, 0, 0, 0],
                    [0, 0, 1, 0, 0, 0, 0],
                    [-p, 0, 0, s, 0, 1, 0],
                    [-p, 0, 0, 0, s, 0, 1],
                  ],
                ),
              ],
            },
            // global average over (H, W): lanes over channels, a gather per lane
            {
              kind: Kind.Reduce,
              op: ReduceOp.Mean,
              params: [H * Wd],
              iterDims: [1, 2],
              redDims: [H, Wd],
              out: Act(1),
              inputs: [
                opnd(
                  In(0),
                  [1, 2, H, Wd],
                  [
                    [0, 1, 0, 0, 0],
                    [0, 0, 1, 0, 0],
                    [0, 0, 0, 1, 0],
                    [0, 0, 0, 0, 1],
                  ],
                ),
              ],
            },
          ],
        );
        agree(prog, [x], `pool ${ReduceOp[op]} ${H}x${Wd} k${k} s${s} p${p}`);
      }
    }
  });

  it("Maps: every op with wasm code, broadcast operands (stride 0, channel, row), special values", () => {
    let seed = 700;
    const unary: [MapOp, number[]][] = [
      ...EPILOGUES.slice(1, 7),
      [MapOp.Identity, []],
      [MapOp.Neg, []],
      [MapOp.Abs, []],
      [MapOp.Sqrt, []],
      [MapOp.Floor, []],
      [MapOp.Ceil, []],
      [MapOp.Round, []],
      [MapOp.Reciprocal, []],
      [MapOp.Exp, []],
    ];
    const binary = [MapOp.Add, MapOp.Sub, MapOp.Mul, MapOp.Div, MapOp.Max, MapOp.Min, MapOp.PRelu, MapOp.Pow];
    const [C, H, Wd] = [3, 5, 23];
    for (const [op, params] of unary) {
      const x = values(C * H * Wd, seed++, 0.2);
      const prog = makeProgram(
        [],
        [[1, C, H, Wd]],
        [
          {
            kind: Kind.Map,
            op,
            params,
            iterDims: [1, C, H, Wd],
            redDims: [],
            out: Act(0),
            inputs: [
              opnd(
                In(0),
                [1, C, H, Wd],
                [
                  [0, 1, 0, 0, 0],
                  [0, 0, 1, 0, 0],
                  [0, 0, 0, 1, 0],
                  [0, 0, 0, 0, 1],
                ],
              ),
            ],
          },
          // transposed read (lanes not along the input's contiguous dim)
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
      agree(prog, [x], `unary ${MapOp[op]}`);
    }
    for (const op of binary) {
      const x = values(C * H * Wd, seed++, 0.2);
      const ys = [
        values(1, seed++, 0.3),
        values(C, seed++, 0.3),
        values(Wd, seed++, 0.3),
        values(C * H * Wd, seed++, 0.2),
      ];
      const yOps = [
        opnd(W(0), [], []),
        opnd(
          W(1),
          [1, C, 1, 1],
          [
            [0, 0, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
          ],
        ),
        opnd(W(2), [Wd], [[0, 0, 0, 0, 1]]),
        opnd(
          W(3),
          [1, C, H, Wd],
          [
            [0, 1, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 1],
          ],
        ),
      ];
      const xOp = opnd(
        In(0),
        [1, C, H, Wd],
        [
          [0, 1, 0, 0, 0],
          [0, 0, 1, 0, 0],
          [0, 0, 0, 1, 0],
          [0, 0, 0, 0, 1],
        ],
      );
      const prog = makeProgram(
        ys,
        [[1, C, H, Wd]],
        yOps.map((y, i) => ({
          kind: Kind.Map,
          op,
          params: [],
          iterDims: [1, C, H, Wd],
          redDims: [],
          out: Act(i),
          inputs: i % 2 === 0 ? [xOp, y] : [y, xOp],
        })),
      );
      agree(prog, [x], `binary ${MapOp[op]}`);
    }
  });

  it("every special value pair through Dot MACs and Map ops in f32x4 lanes and scalar tails", () => {
    const S = new Float32Array(SPECIALS.concat([f(0.1), f(-7.25), 1.1754942106924411e-38, -1.1754943508222875e-38]));
    const n = S.length;
    const xs = new Float32Array(n * n);
    const ys = new Float32Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        xs[i * n + j] = S[i];
        ys[i * n + j] = S[j];
      }
    const E = n * n;
    const prog = makeProgram(
      [ys],
      [[E]],
      [
        // out[e] = x[e]·y[e] + x[e]·y[e] over K = 2 (two MACs per element, no reuse)
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [E],
          redDims: [2],
          out: Act(0),
          inputs: [opnd(In(0), [E], [[0, 1, 0]]), opnd(W(0), [E], [[0, 1, 0]])],
        },
        ...[MapOp.Add, MapOp.Sub, MapOp.Mul, MapOp.Div, MapOp.Max, MapOp.Min, MapOp.PRelu].map(
          (op, i): Instruction => ({
            kind: Kind.Map,
            op,
            params: [],
            iterDims: [E],
            redDims: [],
            out: Act(i + 1),
            inputs: [opnd(In(0), [E], [[0, 1]]), opnd(W(0), [E], [[0, 1]])],
          }),
        ),
      ],
    );
    agree(prog, [xs]);
  });

  it("Moves: every addressing shape the compiler emits, from input, weight and activation slots", () => {
    // Sources: x (input: odd NaN payloads), a weight and an activation (−x, canonical), all of
    // dims D; a wide pair (dims D2) so lane groups of several vectors occur.
    const D = [2, 3, 7, 13];
    const D2 = [3, 70];
    const n = D.length;
    const x = values(product(D), 1200, 0.1);
    const x2 = values(product(D2), 1201, 0.1);
    const weights = [values(product(D), 1202, 0.1), values(2 * 3 * 7 * 5, 1203, 0.1), values(product(D2), 1204, 0.1)];
    weights[0][3] = -0;
    new Uint32Array(weights[0].buffer)[5] = 0x7f812345; // a signalling NaN payload
    new Uint32Array(weights[2].buffer)[77] = 0xff800001;
    const identity = (dims: number[]): Operand => ({
      slot: In(0),
      dims,
      offset: dims.map(() => 0),
      coef: dims.flatMap((_, j) => dims.map((__, i) => (i === j ? 1 : 0))),
    });
    const neg = (slot: number, dims: number[]): Instruction => ({
      kind: Kind.Map,
      op: MapOp.Neg,
      params: [],
      iterDims: dims,
      redDims: [],
      out: Act(slot),
      inputs: [{ ...identity(dims), slot: In(slot) }],
    });
    /** A source viewing `dims` of slot s: rows[d] = [offset, coef per output level]. */
    const src = (s: SlotRef, dims: number[], rows: number[][]): Operand => opnd(s, dims, rows);
    const slotsD = [In(0), W(0), Act(0)];
    const slotsD2 = [In(1), W(2), Act(1)];
    /** Output level i reads source dim perm[i]... as rows: dim j ← level where perm[level] = j. */
    const permRows = (perm: number[], offsets: number[], steps: number[]): number[][] =>
      perm.map((_, j) => {
        const row = new Array<number>(perm.length + 1).fill(0);
        row[0] = offsets[j];
        row[1 + perm.indexOf(j)] = steps[j];
        return row;
      });
    const ones = (k: number): number[] => new Array<number>(k).fill(1);
    const zeros = (k: number): number[] => new Array<number>(k).fill(0);
    interface Case {
      name: string;
      iterDims: number[];
      params: number[];
      sources: (s: SlotRef) => Operand[];
      wide?: boolean;
    }
    const cases: Case[] = [
      {
        name: "copy",
        iterDims: D,
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], zeros(n), ones(n)))],
      },
      {
        name: "transpose 0231",
        iterDims: [2, 7, 13, 3],
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 2, 3, 1], zeros(n), ones(n)))],
      },
      {
        name: "transpose 3210",
        iterDims: [13, 7, 3, 2],
        params: [0],
        sources: (s) => [src(s, D, permRows([3, 2, 1, 0], zeros(n), ones(n)))],
      },
      {
        name: "transpose wide",
        iterDims: [70, 3],
        params: [0],
        wide: true,
        sources: (s) => [src(s, D2, permRows([1, 0], [0, 0], [1, 1]))],
      },
      {
        name: "slice, steps 1 2 1 -1",
        iterDims: [1, 2, 5, 13],
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], [1, 0, 2, 12], [1, 2, 1, -1]))],
      },
      {
        name: "slice, step 2 / 3 inner",
        iterDims: [2, 2, 4, 5],
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], [0, 1, 0, 1], [1, 1, 2, 3]))],
      },
      {
        name: "slice wide, step 2 / -3",
        iterDims: [3, 34],
        params: [0],
        wide: true,
        sources: (s) => [src(s, D2, permRows([0, 1], [0, 2], [1, 2]))],
      },
      {
        name: "slice wide reversed",
        iterDims: [3, 23],
        params: [0],
        wide: true,
        sources: (s) => [src(s, D2, permRows([0, 1], [0, 69], [1, -3]))],
      },
      ...[NaN, -0, f(2.5)].map((value): Case => ({
        name: `pad ${value}`,
        iterDims: [3, 3, 12, 24],
        params: [value],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], [0, -1, -2, -5], ones(n)))],
      })),
      {
        name: "pad negative (crop)",
        iterDims: [2, 3, 7, 14],
        params: [f(-1.5)],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], [0, 0, 1, 2], ones(n)))],
      },
      {
        name: "pad wide",
        iterDims: [5, 79],
        params: [f(0.25)],
        wide: true,
        sources: (s) => [src(s, D2, permRows([0, 1], [-1, -3], [1, 1]))],
      },
      {
        name: "broadcast (Expand: stride 0)",
        iterDims: [4, 3, 5, 13],
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], zeros(n), [0, 1, 0, 1]))],
      },
      {
        name: "broadcast along lanes",
        iterDims: [2, 3, 7, 9],
        params: [0],
        sources: (s) => [src(s, D, permRows([0, 1, 2, 3], [0, 0, 0, 4], [1, 1, 1, 0]))],
      },
      {
        // nearest upsample ×2 of the last axis: levels (n, c, h, w, 2)
        name: "upsample inner ×2",
        iterDims: [2, 3, 7, 13, 2],
        params: [0],
        sources: (s) => [
          src(
            s,
            D,
            [0, 1, 2, 3].map((j) => [0, ...[0, 1, 2, 3, 4].map((l) => (l === j ? 1 : 0))]),
          ),
        ],
      },
      {
        name: "upsample wide ×3",
        iterDims: [3, 70, 3],
        params: [0],
        wide: true,
        sources: (s) => [
          src(
            s,
            D2,
            [0, 1].map((j) => [0, ...[0, 1, 2].map((l) => (l === j ? 1 : 0))]),
          ),
        ],
      },
      {
        // ×3 of axis 2: levels (n, c, h, 3, w)
        name: "upsample axis 2 ×3",
        iterDims: [2, 3, 7, 3, 13],
        params: [0],
        sources: (s) => [
          src(
            s,
            D,
            [0, 1, 2, 4].map((l) => [0, ...[0, 1, 2, 3, 4].map((k) => (k === l ? 1 : 0))]),
          ),
        ],
      },
      {
        // Tile ×3 of the last axis: levels (n, c, h, t, w)
        name: "tile",
        iterDims: [2, 3, 7, 3, 13],
        params: [0],
        sources: (s) => [
          src(
            s,
            D,
            [0, 1, 2, 4].map((l) => [0, ...[0, 1, 2, 3, 4].map((k) => (k === l ? 1 : 0))]),
          ),
        ],
      },
      ...[0, 1, 3].map((axis): Case => ({
        name: `concat axis ${axis}`,
        iterDims: D.map((d, j) => (j === axis ? 3 * d : d)),
        params: [0],
        sources: () =>
          slotsD.map((s, k) =>
            src(
              s,
              D,
              permRows(
                [0, 1, 2, 3],
                D.map((d, j) => (j === axis ? -k * d : 0)),
                ones(n),
              ),
            ),
          ),
      })),
      {
        name: "concat odd pieces on the last axis",
        iterDims: [2, 3, 7, 13 + 5 + 13],
        params: [0],
        sources: (s) => [
          src(s, D, permRows([0, 1, 2, 3], zeros(n), ones(n))),
          src(W(1), [2, 3, 7, 5], permRows([0, 1, 2, 3], [0, 0, 0, -13], ones(n))),
          src(s, D, permRows([0, 1, 2, 3], [0, 0, 0, -18], ones(n))),
        ],
      },
      ...[
        [3, [5, 0, 12, 3, 3, 7]],
        [1, [2, 0, 2]],
      ].map(([axis, indices]): Case => ({
        // Gather with constant indices that are no progression: one guarded source per index
        name: `gather axis ${String(axis)}`,
        iterDims: D.map((d, j) => (j === axis ? (indices as number[]).length : d)),
        params: [0],
        sources: (s) =>
          (indices as number[]).map((ix, o) =>
            src(
              s,
              [1, ...D],
              [
                [-o, ...D.map((_, l) => (l === axis ? 1 : 0))],
                ...D.map((_, j) => [j === axis ? ix : 0, ...D.map((__, l) => (l === j && j !== axis ? 1 : 0))]),
              ],
            ),
          ),
      })),
      {
        // ConvTranspose's zero insertion: levels (n, c, h, ph, w, pw), valid at phase 0
        name: "zero insertion",
        iterDims: [2, 3, 7, 2, 13, 2],
        params: [0],
        sources: (s) => [
          src(
            s,
            [1, 1, ...D],
            [
              [0, 0, 0, 0, 1, 0, 0],
              [0, 0, 0, 0, 0, 0, 1],
              [0, 1, 0, 0, 0, 0, 0],
              [0, 0, 1, 0, 0, 0, 0],
              [0, 0, 0, 1, 0, 0, 0],
              [0, 0, 0, 0, 0, 1, 0],
            ],
          ),
        ],
      },
      {
        // a check moving along two levels (a sheared window): no lane level, scalar code
        name: "sheared",
        iterDims: [3, 70],
        params: [f(7)],
        wide: true,
        sources: (s) => [
          src(s, D2, [
            [0, 1, 0],
            [-3, 2, 1],
          ]),
        ],
      },
    ];
    const variants: KernelOptions[] = [{ scalarOnly: true }, { unroll: 1 }, { unroll: 8 }];
    let vectorized = 0;
    for (const c of cases) {
      for (const s of c.wide ? slotsD2 : slotsD) {
        const move: Instruction = {
          kind: Kind.Move,
          op: 0,
          params: c.params,
          iterDims: c.iterDims,
          redDims: [],
          out: Act(2),
          inputs: c.sources(s),
        };
        const program = makeProgram(weights, [D, D2], [neg(0, D), neg(1, D2), move]);
        const inputs = [x, x2];
        const label = `${c.name} from ${Space[s.space]}`;
        agree(program, inputs, label);
        const k = wasmProgram(program)!.kernels[2];
        expect(k, label).to.not.equal(null);
        if (!/scalar/.test(k!.info)) vectorized++;
        const js = execute(program, inputs, { engine: "js" });
        for (const v of variants) {
          const m = executeWasm(
            wasmProgram(program, v)!,
            program,
            inputs,
            program.instructions.length,
            (mem, i) => executeInstruction(program, mem, i),
            canonicalizeNaNs,
          );
          expect(firstDifference(m, js), `${label} ${JSON.stringify(v)}`).to.equal(null);
        }
      }
    }
    expect(vectorized).to.equal(3 * (cases.length - 1)); // all but the sheared window
  });

  it("a Move of 255 guarded sources along the lanes (a gather of a shuffled index list) stays in wasm", () => {
    const n = 300;
    const x = values(n, 1250, 0.1);
    const r = rng(1251);
    const indices = Array.from({ length: 255 }, () => Math.floor(r() * n));
    // one source per output position o: valid iff o_0 = o (a size-1 guard dim), reads x[ix]
    const sources = indices.map((ix, o) =>
      opnd(
        In(0),
        [1, n],
        [
          [-o, 0, 1],
          [ix, 0, 0],
        ],
      ),
    );
    const move: Instruction = {
      kind: Kind.Move,
      op: 0,
      params: [0],
      iterDims: [3, 255],
      redDims: [],
      out: Act(0),
      inputs: sources,
    };
    const program = makeProgram([], [[n]], [move]);
    agree(program, [x], "gather 255");
    expect(wasmProgram(program)!.kernels[0]).to.not.equal(null);
  });

  it("edge cases: K = 0, a never-valid operand, negative strides, lanes across an outer dim, Move fallback, stopAt", () => {
    const x = values(64, 900);
    const w = values(64, 901);
    const prog = makeProgram(
      [w],
      [[64]],
      [
        // K = 0: out = epilogue(+0 + bias)
        {
          kind: Kind.Dot,
          op: MapOp.HardSigmoid,
          params: [f(0.2), 0.5],
          iterDims: [8],
          redDims: [0],
          out: Act(0),
          inputs: [opnd(In(0), [64], [[0, 1, 0]]), opnd(W(0), [64], [[0, 1, 0]]), opnd(W(0), [64], [[3, 2, 0]])],
        },
        // a constant coordinate out of range: every tap padded
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [20],
          redDims: [3],
          out: Act(1),
          inputs: [
            opnd(
              In(0),
              [8, 8],
              [
                [9, 0, 0],
                [0, 0, 1],
              ],
            ),
            opnd(W(0), [64], [[0, 1, 1]]),
          ],
        },
        // reversed reads (negative coefs) along the lanes and the reduction
        {
          kind: Kind.Dot,
          op: MapOp.None,
          params: [],
          iterDims: [40],
          redDims: [5],
          out: Act(2),
          inputs: [opnd(In(0), [64], [[63, -1, -2]]), opnd(W(0), [64], [[50, -1, 1]])],
        },
        // Reduce with lanes on the outer dim (output stride ≠ 1), partly padded
        {
          kind: Kind.Reduce,
          op: ReduceOp.Max,
          params: [],
          iterDims: [9, 3],
          redDims: [4],
          out: Act(3),
          inputs: [opnd(Act(2), [40], [[-2, 4, 1, 1]])],
        },
        // Move between wasm kernels: Pad with a NaN value
        {
          kind: Kind.Move,
          op: 0,
          params: [NaN],
          iterDims: [50],
          redDims: [],
          out: Act(4),
          inputs: [opnd(Act(2), [40], [[-5, 1]])],
        },
        {
          kind: Kind.Map,
          op: MapOp.Relu,
          params: [],
          iterDims: [50],
          redDims: [],
          out: Act(5),
          inputs: [opnd(Act(4), [50], [[0, 1]])],
        },
        {
          kind: Kind.Reduce,
          op: ReduceOp.Sum,
          params: [],
          iterDims: [4],
          redDims: [0],
          out: Act(6),
          inputs: [opnd(Act(5), [50], [[0, 1, 1]])],
        },
        // Move without a fill value whose sources are picked by a check outside the lanes: no
        // element lacks a source, but the kernel cannot know it statically (JS kernel)
        {
          kind: Kind.Move,
          op: 0,
          params: [],
          iterDims: [2, 25],
          redDims: [],
          out: Act(7),
          inputs: [
            opnd(
              Act(2),
              [1, 40],
              [
                [0, 1, 0],
                [0, 0, 1],
              ],
            ),
            opnd(
              Act(2),
              [1, 40],
              [
                [-1, 1, 0],
                [10, 0, 1],
              ],
            ),
          ],
        },
      ],
    );
    const m = agree(prog, [x]);
    expect(Array.from(m.activations[1])).to.deep.equal(new Array(20).fill(0));
    const wp = wasmProgram(prog)!;
    expect(wp.kernels[7]).to.equal(null);
    for (const i of [0, 1, 2, 3, 4, 5, 6]) expect(wp.kernels[i]).to.not.equal(null);
    for (const stop of [0, 3, 5]) {
      const a = execute(prog, [x], { engine: "wasm", stopAt: stop });
      const b = execute(prog, [x], { engine: "js", stopAt: stop });
      expect(firstDifference(a, b)).to.equal(null);
      for (let s = stop; s < prog.activations.length; s++)
        expect(Array.from(u32(a.activations[s])).every((v) => v === 0)).to.equal(true);
    }
  });

  it("a program whose instructions are replaced after a run is validated and compiled again", () => {
    const x = values(16, 950);
    const neg: Instruction = {
      kind: Kind.Map,
      op: MapOp.Neg,
      params: [],
      iterDims: [16],
      redDims: [],
      out: Act(0),
      inputs: [opnd(In(0), [16], [[0, 1]])],
    };
    const prog = makeProgram([], [[16]], [neg]);
    const a = execute(prog, [x]);
    prog.instructions[0] = { ...neg, op: MapOp.Abs };
    const b = execute(prog, [x]);
    expect(Array.from(b.activations[0])).to.deep.equal(Array.from(x, (v) => fo32.abs(v)));
    expect(firstDifference(a, b)).to.not.equal(null);
    prog.instructions[0] = { ...neg, inputs: [opnd(In(0), [16], [[1, 1]])] }; // reads x[16]
    expect(() => execute(prog, [x])).to.throw(/out of range/);
  });

  it("results never alias: a later run leaves an earlier result unchanged", () => {
    const p = convProgram(
      {
        N: 1,
        G: 1,
        cg: 2,
        og: 3,
        H: 6,
        Wd: 20,
        KH: 3,
        KW: 3,
        sh: 1,
        sw: 1,
        dh: 1,
        dw: 1,
        pt: 1,
        pb: 1,
        pl: 1,
        pr: 1,
        bias: true,
        op: MapOp.None,
        params: [],
      },
      2,
    )!;
    const first = execute(p.program, p.inputs);
    const copy = Array.from(u32(first.activations[0]));
    execute(p.program, [values(p.inputs[0].length, 77)]);
    expect(Array.from(u32(first.activations[0]))).to.deep.equal(copy);
    expect(first.inputs[0]).to.equal(p.inputs[0]);
    expect(first.weights[0]).to.equal(p.program.weights[0].data);
  });

  it("random Dot / Reduce / Map / Move programs with random affine maps (lane-sized dims)", () => {
    let steps = 0;
    for (let seed = 1; seed <= 250; seed++) {
      const { program, inputs } = randomProgram(seed, LANE_SHAPE);
      try {
        validateProgram(program);
        agree(program, inputs);
        if (seed % 5 === 0 && totalSteps(program) <= 20_000)
          steps += crossCheck(program, inputs, { accumulatorEvery: 7 }).steps;
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\n${JSON.stringify(program.instructions)}`, { cause: e });
      }
    }
    expect(steps).to.be.greaterThan(1000);
  });

  it("hello_deepa: wasm = JS = every step (crossCheck), several seeded inputs and an ∞", () => {
    const { program } = compiled(HELLO_DEEPA);
    for (const seed of [1, 2, 3, 4]) {
      const inputs = seededInputs(
        program.inputs.map((i) => i.dims),
        seed,
      );
      if (seed === 4) inputs[0][7] = Infinity;
      agree(program, inputs, `hello_deepa seed ${seed}`);
    }
    crossCheck(
      program,
      seededInputs(
        program.inputs.map((i) => i.dims),
        5,
      ),
      { accumulatorEvery: 9973 },
    );
  });

  it("OCR classifier: wasm = JS over seeded inputs; sampled elements of every instruction re-stepped", () => {
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const wp = wasmProgram(program)!;
    // every Dot, Map and Reduce of this model has a wasm kernel
    program.instructions.forEach((ins, i) => {
      if (ins.kind !== Kind.Move && !(ins.kind === Kind.Map && ins.op === MapOp.Exp))
        expect(wp.kernels[i], `instruction ${i}`).to.not.equal(null);
    });
    for (const seed of [1, 2, 3]) {
      const inputs = seededInputs(
        program.inputs.map((i) => i.dims),
        seed,
      );
      if (seed === 3) {
        inputs[0][100] = NaN;
        inputs[0][5000] = -Infinity;
        inputs[0][9000] = -0;
      }
      const wasm = execute(program, inputs, { engine: "wasm" });
      const js = execute(program, inputs, { engine: "js" });
      expect(firstDifference(wasm, js), `seed ${seed}`).to.equal(null);
      expectCanonical(wasm);
      if (seed === 1) resteppedSample(program, wasm, 24, seed);
    }
  });
});

/**
 * For sampled elements of every instruction (first, last, random): step the element from
 * (i, e, 0) through its write on a copy of the final memory; the written value must be the
 * one the engine stored.
 */
function resteppedSample(program: Program, final: Memory, perInstruction: number, seed: number): void {
  const r = rng(seed);
  const mem: Memory = {
    weights: final.weights,
    inputs: final.inputs,
    activations: final.activations.map((a) => a.slice()),
  };
  program.instructions.forEach((ins, i) => {
    const E = product(ins.iterDims);
    const K = ins.kind === Kind.Dot || ins.kind === Kind.Reduce ? product(ins.redDims) : 0;
    const out = mem.activations[ins.out.index];
    const want = u32(final.activations[ins.out.index]);
    const elems = new Set([0, E - 1]);
    // border elements along the innermost output dim, and random ones
    const inner = ins.iterDims[ins.iterDims.length - 1] ?? 1;
    for (const t of [1, 2, inner - 2, inner - 3]) if (t >= 0 && t < E) elems.add(t);
    while (elems.size < Math.min(E, perInstruction)) elems.add(Math.floor(r() * E));
    for (const e of elems) {
      out[e] = 12345;
      let state: MachineState = { pc: { instr: i, elem: e, k: 0 }, acc: 0 };
      for (let k = 0; k <= K; k++) state = step(program, mem, state);
      const got = u32(out)[e];
      if (got !== want[e]) {
        throw new Error(
          `instruction ${i} element ${e} (${multiIndex(e, ins.iterDims)}): step 0x${got.toString(16)}, engine 0x${want[e].toString(16)}`,
        );
      }
    }
  });
}
