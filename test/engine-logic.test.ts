// Runtime comparisons, logic and selection (PROTOCOL.md §2.3, FO32.md): the FO32 definitions
// on their edge cases, the lowering of every ONNX comparison / logic op / Where / Clip with
// runtime bounds, both engines against the stepper, and agreement with onnxruntime.
import { expect } from "chai";
import { onnx } from "onnx-proto";
import { compileModel } from "../node/compiler/compile";
import * as fo32 from "../node/fo32";
import { Kind, MapOp } from "../node/program/isa";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { crossCheck } from "../node/vm/selfcheck";
import { buildKernel } from "../node/vm/wasm/kernels";
import { binaryCode, ternaryCode } from "../node/vm/wasm/ops";
import { logicModel } from "./vectors/step-vectors";
import { seededInputs } from "./helpers/models";

const bits = (x: number): number => fo32.bitsOf(x);

describe("engine: runtime comparisons and Where", function () {
  this.timeout(60_000);

  it("FO32: comparisons give 1 / +0, −0 = +0, NaN compares false; Where's NaN condition is true", () => {
    const { equal, less, lessOrEqual, where } = fo32;
    expect(bits(equal(-0, 0))).to.equal(bits(1));
    expect(bits(equal(NaN, NaN))).to.equal(0);
    expect(bits(less(-0, 0))).to.equal(0);
    expect(bits(lessOrEqual(-0, 0))).to.equal(bits(1));
    expect(bits(less(-Infinity, -3.4e38))).to.equal(bits(1));
    for (const f of [equal, less, lessOrEqual]) {
      expect(bits(f(NaN, 1))).to.equal(0);
      expect(bits(f(1, NaN))).to.equal(0);
    }
    expect(where(0, 1, 2)).to.equal(2);
    expect(where(-0, 1, 2)).to.equal(2);
    expect(where(NaN, 1, 2)).to.equal(1);
    expect(where(1e-45, 1, 2)).to.equal(1); // a subnormal is not zero
    expect(Object.is(where(1, -0, 2), -0)).to.equal(true);
  });

  it("lowers comparisons, logic, Where and runtime Clip to Map instructions", () => {
    const { program } = compileModel(logicModel());
    const ops = program.instructions.map((i) => (i.kind === Kind.Map ? MapOp[i.op] : Kind[i.kind]));
    for (const op of ["Less", "LessOrEqual", "Equal", "Where", "Max", "Min"]) expect(ops).to.include(op);
    // Greater is Less with the operands swapped: no op of its own.
    expect(ops.filter((o) => o === "Less").length).to.equal(2);
    expect(program.instructions.every((i) => i.kind === Kind.Map)).to.equal(true);
  });

  it("both engines agree with the stepper bit for bit (comparisons and Where have wasm code)", () => {
    for (const op of [MapOp.Equal, MapOp.Less, MapOp.LessOrEqual]) expect(binaryCode(op), MapOp[op]).not.to.equal(null);
    expect(ternaryCode(MapOp.Where), "Where").not.to.equal(null);
    expect(ternaryCode(MapOp.Add), "not ternary").to.equal(null);
    const { program } = compileModel(logicModel());
    // Every instruction of the logic model has a wasm kernel (none falls back to JS).
    for (const ins of program.instructions)
      expect(
        buildKernel(ins, () => 0),
        MapOp[ins.op],
      ).not.to.equal(null);
    for (let seed = 1; seed <= 3; seed++) {
      const inputs = seededInputs(
        program.inputs.map((i) => i.dims),
        seed,
      );
      inputs[0][0] = inputs[1][0]; // an equal pair
      inputs[0][1] = -0;
      inputs[1][1] = 0; // −0 vs +0
      crossCheck(program, inputs);
      const wasm = execute(program, inputs);
      const js = execute(program, inputs, { engine: "js" });
      for (const o of program.outputs) {
        const a = new Uint32Array(slotOf(wasm, o.slot).slice().buffer);
        const b = new Uint32Array(slotOf(js, o.slot).slice().buffer);
        expect(Array.from(a)).to.deep.equal(Array.from(b));
      }
    }
  });

  it("ArgMax / ArgMin: first extreme wins (last with select_last_index), a NaN wins, as numpy says", () => {
    const model = (op: string, attrs: { name: string; i: number }[]) =>
      onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ domain: "", version: 17 }],
        graph: {
          name: "g",
          node: [
            { opType: op, name: "n", input: ["x"], output: ["y"], attribute: attrs.map((a) => ({ ...a, type: 2 })) },
          ],
          input: [
            { name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: 4 }] } } } },
          ],
          output: [{ name: "y", type: { tensorType: { elemType: 7, shape: { dim: [{ dimValue: 3 }] } } } }],
        },
      }).finish();
    const x = Float32Array.from([1, 5, 5, 2, /**/ -0, 0, -1, -1, /**/ 3, NaN, 7, NaN]);
    const run = (op: string, attrs: { name: string; i: number }[]) => {
      const { program } = compileModel(model(op, [{ name: "axis", i: 1 }, { name: "keepdims", i: 0 }, ...attrs]));
      const js = Array.from(slotOf(execute(program, [x], { engine: "js" }), program.outputs[0].slot));
      const stepped = crossCheck(program, [x]);
      expect(stepped).to.not.equal(undefined);
      return js;
    };
    expect(run("ArgMax", [])).to.deep.equal([1, 0, 1]);
    expect(run("ArgMax", [{ name: "select_last_index", i: 1 }])).to.deep.equal([2, 1, 3]);
    expect(run("ArgMin", [])).to.deep.equal([0, 2, 1]);
    expect(run("ArgMin", [{ name: "select_last_index", i: 1 }])).to.deep.equal([0, 3, 3]);
  });

  it("GatherElements with constant indices selects exactly, infinities and NaN included", () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        initializer: [{ name: "i", dataType: 7, dims: [2, 3], int64Data: [2, 0, -1, 1, 1, 0] }],
        node: [
          {
            opType: "GatherElements",
            name: "n",
            input: ["x", "i"],
            output: ["y"],
            attribute: [{ name: "axis", type: 2, i: 1 }],
          },
        ],
        input: [
          { name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } },
        ],
        output: [
          { name: "y", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } },
        ],
      },
    }).finish();
    const { program } = compileModel(bytes);
    // Three distinct index values: two Where instructions.
    expect(program.instructions.map((i) => MapOp[i.op])).to.deep.equal(["Where", "Where"]);
    const x = Float32Array.from([Infinity, -0, NaN, 4, -Infinity, 6]);
    crossCheck(program, [x]);
    const y = Array.from(slotOf(execute(program, [x]), program.outputs[0].slot));
    expect(y.map((v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v))).to.deep.equal([
      "NaN",
      Infinity,
      "NaN",
      -Infinity,
      -Infinity,
      4,
    ]);
  });

  it("CumSum of a runtime tensor: forward, exclusive, reverse, both; stepper agrees", () => {
    const model = (attrs: { name: string; i: number }[]) =>
      onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ domain: "", version: 17 }],
        graph: {
          name: "g",
          initializer: [{ name: "axis", dataType: 7, dims: [], int64Data: [1] }],
          node: [
            {
              opType: "CumSum",
              name: "n",
              input: ["x", "axis"],
              output: ["y"],
              attribute: attrs.map((a) => ({ ...a, type: 2 })),
            },
          ],
          input: [
            { name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 4 }] } } } },
          ],
          output: [
            { name: "y", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 4 }] } } } },
          ],
        },
      }).finish();
    const x = Float32Array.from([1, 2, 3, 4, 10, -Infinity, 30, 40]);
    const run = (attrs: { name: string; i: number }[]) => {
      const { program } = compileModel(model(attrs));
      expect(program.instructions.map((i) => i.kind)).to.deep.equal([Kind.Reduce]);
      crossCheck(program, [x]);
      return Array.from(slotOf(execute(program, [x]), program.outputs[0].slot));
    };
    const ex = { name: "exclusive", i: 1 };
    const rev = { name: "reverse", i: 1 };
    expect(run([])).to.deep.equal([1, 3, 6, 10, 10, -Infinity, -Infinity, -Infinity]);
    expect(run([ex])).to.deep.equal([0, 1, 3, 6, 0, 10, -Infinity, -Infinity]);
    expect(run([rev])).to.deep.equal([10, 9, 7, 4, -Infinity, -Infinity, 70, 40]);
    expect(run([ex, rev])).to.deep.equal([9, 7, 4, 0, -Infinity, 70, 40, 0]);
  });

  it("ReduceProd of a runtime tensor is a chain of Mul steps in element order", () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        node: [
          {
            opType: "ReduceProd",
            name: "n",
            input: ["x"],
            output: ["y"],
            attribute: [
              { name: "axes", type: 7, ints: [1] },
              { name: "keepdims", type: 2, i: 0 },
            ],
          },
        ],
        input: [
          { name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 3 }] } } } },
        ],
        output: [{ name: "y", type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
      },
    }).finish();
    const { program } = compileModel(bytes);
    expect(program.instructions.map((i) => MapOp[i.op])).to.deep.equal(["Mul", "Mul"]);
    const x = Float32Array.from([1.5, -2, 3, 0, Infinity, 5]);
    crossCheck(program, [x]);
    const y = Array.from(slotOf(execute(program, [x]), program.outputs[0].slot));
    expect(y[0]).to.equal(-9);
    expect(Number.isNaN(y[1])).to.equal(true); // 0 · ∞
  });

  it("agrees exactly with onnxruntime (the ops are exact)", async () => {
    const bytes = logicModel();
    const { program } = compileModel(bytes);
    const ort = await OrtRunner.create(bytes);
    try {
      for (let seed = 4; seed <= 6; seed++) {
        const inputs = seededInputs(
          program.inputs.map((i) => i.dims),
          seed,
        );
        inputs[0][5] = inputs[1][5];
        const mem = execute(program, inputs);
        const feeds = program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] }));
        const ref = await ort.run(feeds);
        for (const o of program.outputs) {
          const r = ref.find((t) => t.name === o.name)!;
          expect(Array.from(slotOf(mem, o.slot)), o.name).to.deep.equal(Array.from(r.data));
        }
      }
    } finally {
      await ort.release();
    }
  });
});
