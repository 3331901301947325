// Einsum (issue 12): one or two operands compile to one Dot. Checked against onnxruntime on
// the patterns attention exports use, implicit output, "..." broadcasting, a transpose and a
// full sum; three operands are refused with one line.
// Run: npx hardhat test test/compiler-einsum.test.ts
import { expect } from "chai";
import { onnx } from "onnx-proto";
import { compileModel } from "../node/compiler/compile";
import { Kind } from "../node/program/isa";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { seededInputs } from "./helpers/models";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function einsumModel(equation: string, inputDims: number[][], outDims: number[]): Uint8Array {
  const vi = (name: string, dims: number[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const names = inputDims.map((_, i) => `x${i}`);
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 14 }],
    graph: {
      name: "g",
      node: [
        {
          opType: "Einsum",
          name: "e",
          input: names,
          output: ["y"],
          attribute: [
            { name: "equation", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(equation) },
          ],
        },
      ],
      input: inputDims.map((d, i) => vi(names[i], d)),
      output: [vi("y", outDims)],
    },
  }).finish();
}

describe("Einsum: one Dot, agreeing with onnxruntime", function () {
  this.timeout(120_000);
  const cases: [string, number[][], number[]][] = [
    [
      "bhqd,bhkd->bhqk",
      [
        [1, 2, 5, 8],
        [1, 2, 6, 8],
      ],
      [1, 2, 5, 6],
    ], // attention scores
    [
      "bhqk,bhkd->bhqd",
      [
        [1, 2, 5, 6],
        [1, 2, 6, 8],
      ],
      [1, 2, 5, 8],
    ], // attention-weighted values
    [
      "ij,jk",
      [
        [3, 4],
        [4, 5],
      ],
      [3, 5],
    ], // implicit output: "ik"
    [
      "...ij,jk->...ik",
      [
        [2, 3, 3, 4],
        [4, 5],
      ],
      [2, 3, 3, 5],
    ],
    ["bij->bji", [[2, 3, 4]], [2, 4, 3]],
    ["ij->", [[3, 4]], []],
    ["i,j->ij", [[3], [4]], [3, 4]],
  ];
  for (const [eq, dims, out] of cases) {
    it(`'${eq}' on ${dims.map((d) => d.join("x")).join(", ")}`, async () => {
      const bytes = einsumModel(eq, dims, out);
      const { program } = compileModel(bytes);
      expect(program.instructions.map((i) => i.kind)).to.deep.equal([Kind.Dot]);
      const inputs = seededInputs(dims, 3);
      const ours = slotOf(execute(program, inputs), program.outputs[0].slot);
      const ort = await OrtRunner.create(bytes);
      try {
        const [ref] = await ort.run(dims.map((d, i) => ({ name: `x${i}`, dims: d, data: inputs[i] })));
        expect(ref.dims).to.deep.equal(out);
        expect(ours.length).to.equal(ref.data.length);
        let max = 0;
        for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - ref.data[i]));
        expect(max).to.be.below(1e-5);
      } finally {
        await ort.release();
      }
    });
  }

  it("three operands are refused with one line naming the op", () => {
    expect(() =>
      compileModel(
        einsumModel(
          "ij,jk,kl->il",
          [
            [2, 2],
            [2, 2],
            [2, 2],
          ],
          [2, 2],
        ),
      ),
    ).to.throw(/Einsum .*3 operands \(only one or two compile, as one Dot\)/);
  });
});
