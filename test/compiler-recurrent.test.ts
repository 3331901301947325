// Recurrent ops (LSTM, GRU, RNN) unrolled by the compiler: PyTorch exports and single-node
// models with the attribute combinations the ONNX conformance suite does not cover
// (bidirectional, layout 1, sequence_lens, peepholes, clip, linear_before_reset) agree with
// onnxruntime; the engines agree bit for bit with each other and with step().
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { onnx } from "onnx-proto";
import { compileModel } from "../node/compiler/compile";
import { Program } from "../node/program/isa";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { crossCheck } from "../node/vm/selfcheck";
import { seededInputs } from "./helpers/models";
import { CellSpec, cellModel, intAttr } from "./helpers/rnn-models";

const FIXTURES = join(__dirname, "fixtures");
const LSTM_CLASSIFIER = join(FIXTURES, "lstm_classifier.onnx");
const GRU_CLASSIFIER = join(FIXTURES, "gru_classifier.onnx");

interface Compared {
  maxAbs: number;
  argmaxAgree: boolean;
}

/**
 * Run `bytes` compiled and `refBytes` (the same function) in onnxruntime on seeded inputs;
 * compare every output.
 */
async function compareWithOrt(bytes: Uint8Array, seeds: number[], refBytes = bytes): Promise<Compared> {
  const { program } = compileModel(bytes);
  const ort = await OrtRunner.create(refBytes);
  let maxAbs = 0;
  let argmaxAgree = true;
  try {
    for (const seed of seeds) {
      const inputs = seededInputs(
        program.inputs.map((s) => s.dims),
        seed,
      );
      const mem = execute(program, inputs);
      const refs = await ort.run(program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] })));
      program.outputs.forEach((o, k) => {
        const ours = slotOf(mem, o.slot);
        const ref = refs[k].data;
        expect(refs[k].dims).to.deep.equal(o.dims, `${o.name} dims`);
        for (let i = 0; i < ours.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ours[i] - ref[i]));
        const cols = o.dims[o.dims.length - 1];
        for (let r = 0; r < ours.length / cols; r++) {
          const row = (a: ArrayLike<number>) => Array.from({ length: cols }, (_, j) => a[r * cols + j]);
          const am = (xs: number[]) => xs.indexOf(Math.max(...xs));
          if (am(row(ours)) !== am(row(ref))) argmaxAgree = false;
        }
      });
    }
  } finally {
    await ort.release();
  }
  return { maxAbs, argmaxAgree };
}

/** JS and wasm engines agree bit for bit on every output. */
function enginesAgree(program: Program, inputs: Float32Array[]): void {
  const wasm = execute(program, inputs);
  const js = execute(program, inputs, { engine: "js" });
  for (const o of program.outputs) {
    const a = new Uint32Array(slotOf(wasm, o.slot).slice().buffer);
    const b = new Uint32Array(slotOf(js, o.slot).slice().buffer);
    expect(Array.from(a)).to.deep.equal(Array.from(b), o.name);
  }
}

const clipAttr = (f: number): onnx.IAttributeProto => ({
  name: "clip",
  type: onnx.AttributeProto.AttributeType.FLOAT,
  f,
});
const stringsAttr = (name: string, xs: string[]): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.STRINGS,
  strings: xs.map((x) => new TextEncoder().encode(x)),
});

describe("compiler: recurrent ops", function () {
  this.timeout(300_000);

  for (const [label, file] of [
    ["a 2-layer bidirectional nn.LSTM classifier", LSTM_CLASSIFIER],
    ["an nn.GRU classifier", GRU_CLASSIFIER],
  ] as const) {
    it(`${label} agrees with onnxruntime (max abs < 1e-4, argmax 100%)`, async () => {
      const bytes = readFileSync(file);
      expect(bytes.length).to.be.lessThan(200_000);
      const { maxAbs, argmaxAgree } = await compareWithOrt(bytes, [1, 2, 3, 4]);
      expect(maxAbs).to.be.lessThan(1e-4);
      expect(argmaxAgree).to.equal(true);
    });
  }

  it("the engines agree bit for bit, and with step() on every step of the GRU classifier", () => {
    for (const file of [LSTM_CLASSIFIER, GRU_CLASSIFIER]) {
      const { program } = compileModel(readFileSync(file));
      enginesAgree(
        program,
        seededInputs(
          program.inputs.map((s) => s.dims),
          11,
        ),
      );
    }
    const { program } = compileModel(readFileSync(GRU_CLASSIFIER));
    const inputs = seededInputs(
      program.inputs.map((s) => s.dims),
      12,
    );
    const res = crossCheck(program, inputs, { accumulatorEvery: 97 });
    expect(res.steps).to.be.greaterThan(1000);
  });

  const cases: [string, CellSpec][] = [
    [
      "LSTM bidirectional, bias, peepholes, initial states",
      {
        op: "LSTM",
        T: 5,
        B: 2,
        I: 3,
        H: 4,
        direction: "bidirectional",
        bias: true,
        peepholes: true,
        initial: true,
      },
    ],
    [
      "LSTM reverse, layout 1, initial states, static sequence_lens (one empty)",
      {
        op: "LSTM",
        T: 6,
        B: 3,
        I: 3,
        H: 4,
        direction: "reverse",
        layout: 1,
        bias: true,
        initial: true,
        lens: [6, 0, 1],
      },
    ],
    [
      "LSTM bidirectional, sequence_lens, clip",
      {
        op: "LSTM",
        T: 4,
        B: 2,
        I: 2,
        H: 3,
        direction: "bidirectional",
        bias: true,
        initial: true,
        lens: [2, 4],
        attrs: [{ name: "clip", type: onnx.AttributeProto.AttributeType.FLOAT, f: 0.7 }],
      },
    ],
    [
      "GRU bidirectional, linear_before_reset=1, layout 1",
      {
        op: "GRU",
        T: 5,
        B: 2,
        I: 3,
        H: 4,
        direction: "bidirectional",
        layout: 1,
        bias: true,
        initial: true,
        attrs: [intAttr("linear_before_reset", 1)],
      },
    ],
    [
      "GRU reverse, linear_before_reset=0, sequence_lens",
      {
        op: "GRU",
        T: 5,
        B: 3,
        I: 3,
        H: 4,
        direction: "reverse",
        bias: true,
        initial: true,
        lens: [5, 2, 4],
      },
    ],
    [
      "RNN bidirectional, layout 1, sequence_lens, Relu/Tanh activations",
      {
        op: "RNN",
        T: 4,
        B: 2,
        I: 3,
        H: 5,
        direction: "bidirectional",
        layout: 1,
        bias: true,
        initial: true,
        lens: [3, 4],
        attrs: [
          {
            name: "activations",
            type: onnx.AttributeProto.AttributeType.STRINGS,
            strings: ["Relu", "Tanh"].map((s) => new TextEncoder().encode(s)),
          },
        ],
      },
    ],
    [
      "GRU forward, clip",
      { op: "GRU", T: 4, B: 2, I: 3, H: 4, direction: "forward", bias: true, initial: true, attrs: [clipAttr(0.6)] },
    ],
    [
      "RNN reverse, clip, HardSigmoid with alpha and beta",
      {
        op: "RNN",
        T: 4,
        B: 2,
        I: 3,
        H: 4,
        direction: "reverse",
        bias: true,
        attrs: [
          clipAttr(0.6),
          stringsAttr("activations", ["HardSigmoid"]),
          { name: "activation_alpha", type: onnx.AttributeProto.AttributeType.FLOATS, floats: [0.3] },
          { name: "activation_beta", type: onnx.AttributeProto.AttributeType.FLOATS, floats: [0.4] },
        ],
      },
    ],
  ];
  for (const [label, spec] of cases) {
    it(`${label}: every output agrees with onnxruntime`, async () => {
      const bytes = cellModel(spec);
      const { maxAbs } = await compareWithOrt(bytes, [5, 6], cellModel(spec, true));
      expect(maxAbs).to.be.lessThan(1e-5);
      const { program } = compileModel(bytes);
      enginesAgree(
        program,
        seededInputs(
          program.inputs.map((s) => s.dims),
          9,
        ),
      );
    });
  }

  it("refuses a runtime sequence_lens and input_forget with a one-line error naming the op", () => {
    const base: CellSpec = { op: "LSTM", T: 3, B: 2, I: 2, H: 2, direction: "forward" };
    expect(() => compileModel(cellModel({ ...base, runtimeLens: true }))).to.throw(
      /^unsupported ONNX op: LSTM \(cell: input sequence_lens must be a compile-time constant \(an initializer\)\)$/,
    );
    expect(() => compileModel(cellModel({ ...base, attrs: [intAttr("input_forget", 1)] }))).to.throw(
      /^unsupported ONNX op: LSTM \(cell: attribute input_forget=1 is not supported\)$/,
    );
  });
});
