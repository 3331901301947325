// TopK with a constant K on runtime data (issue 12): values sorted, ties in index order, the
// indices as int64; checked against onnxruntime on data with many ties, largest and smallest.
// Run: npx hardhat test test/compiler-topk.test.ts
import { expect } from "chai";
import { onnx } from "onnx-proto";
import { compileModel } from "../node/compiler/compile";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function topkModel(dims: number[], k: number, axis: number, largest: number): Uint8Array {
  const outDims = dims.map((d, j) => (j === (axis + dims.length) % dims.length ? k : d));
  const vi = (name: string, d: number[], elemType = FLOAT): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: d.map((v) => ({ dimValue: v })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 11 }],
    graph: {
      name: "g",
      node: [
        {
          opType: "TopK",
          input: ["x", "k"],
          output: ["values", "indices"],
          attribute: [
            { name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: axis },
            { name: "largest", type: onnx.AttributeProto.AttributeType.INT, i: largest },
          ],
        },
      ],
      input: [vi("x", dims)],
      initializer: [{ name: "k", dims: [1], dataType: INT64, int64Data: [k] }],
      output: [vi("values", outDims), vi("indices", outDims, INT64)],
    },
  }).finish();
}

describe("TopK: constant K, runtime data", function () {
  this.timeout(60_000);
  for (const [dims, k, axis, largest] of [
    [[3, 7], 4, -1, 1],
    [[3, 7], 3, 1, 0],
    [[5, 2, 3], 5, 0, 1],
  ] as [number[], number, number, number][]) {
    it(`dims ${dims.join("x")}, K ${k}, axis ${axis}, ${largest ? "largest" : "smallest"}: values and indices equal onnxruntime's`, async () => {
      const bytes = topkModel(dims, k, axis, largest);
      const { program } = compileModel(bytes);
      // Few distinct values: many ties, which must come out in index order.
      const n = dims.reduce((p, d) => p * d, 1);
      const x = Float32Array.from({ length: n }, (_, i) => ((i * 7) % 5) - 2 + (i % 11 === 0 ? 0.5 : 0));
      const mem = execute(program, [x]);
      const ort = await OrtRunner.create(bytes);
      try {
        const refs = await ort.run([{ name: "x", dims, data: x }]);
        program.outputs.forEach((o, j) => {
          expect(Array.from(slotOf(mem, o.slot)), o.name).to.deep.equal(Array.from(refs[j].data, Number));
        });
      } finally {
        await ort.release();
      }
    });
  }
});
