// Integer and bool runtime inputs (PROTOCOL.md §2): a PyTorch export with int64 token ids
// and a bool mask compiles, reads its inputs exactly and agrees with onnxruntime.
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { onnx } from "onnx-proto";
import { compileModel } from "../node/compiler/compile";
import { RefereeError } from "../node/errors";
import { parseJsonInputs } from "../node/io/inputs";
import { randomInputs } from "../node/io/random";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";

const FIXTURES = join(__dirname, "fixtures");
export const TOKEN_MLP = join(FIXTURES, "token_mlp.onnx");
const EMBEDDING_MLP = join(FIXTURES, "embedding_mlp.onnx");

/** A one-node Identity model whose input has ONNX element type `elemType`. */
function identityModel(elemType: number): Uint8Array {
  const t = (name: string) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimValue: 3 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      node: [{ opType: "Identity", name: "n0", input: ["x"], output: ["y"] }],
      input: [t("x")],
      output: [t("y")],
    },
  }).finish();
}

describe("engine: integer and bool runtime inputs", function () {
  this.timeout(60_000);

  it("compiles int64 and bool inputs into input slots that carry their type", () => {
    const { program } = compileModel(readFileSync(TOKEN_MLP));
    expect(program.inputs.map((s) => [s.name, s.elemType, s.dims])).to.deep.equal([
      ["tokens", "int64", [1, 8]],
      ["mask", "bool", [1, 8]],
    ]);
  });

  it("agrees with onnxruntime on token ids and a mask", async () => {
    const bytes = readFileSync(TOKEN_MLP);
    const { program } = compileModel(bytes);
    const json = '{"tokens": [[3, 17, 49, 0, 22, 8, 41, 5]], "mask": [[true, true, false, true, 1, 1, 0, 1]]}';
    const runs = [parseJsonInputs(json, program.inputs), randomInputs(program.inputs, 3)];
    const ort = await OrtRunner.create(bytes);
    try {
      for (const inputs of runs) {
        const ours = slotOf(execute(program, inputs), program.outputs[0].slot);
        const feeds = program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] }));
        const [ref] = await ort.run(feeds);
        expect(ours.length).to.equal(4);
        for (let i = 0; i < 4; i++) expect(Math.abs(ours[i] - ref.data[i])).to.be.lessThan(1e-6);
      }
    } finally {
      await ort.release();
    }
  });

  it("looks up nn.Embedding rows by runtime token ids (negative ids wrap) as onnxruntime does", async () => {
    const bytes = readFileSync(EMBEDDING_MLP);
    const { program } = compileModel(bytes);
    const ids = [
      [3, 17, 49, 0, 22, 8, -1, -50],
      [1, 1, 2, 3, 5, 8, 13, 21],
    ];
    const ort = await OrtRunner.create(bytes);
    try {
      for (const row of ids) {
        const inputs = parseJsonInputs(JSON.stringify([row]), program.inputs);
        const ours = slotOf(execute(program, inputs), program.outputs[0].slot);
        const [ref] = await ort.run([{ name: "tokens", dims: [1, 8], data: inputs[0] }]);
        for (let i = 0; i < 3; i++) expect(Math.abs(ours[i] - ref.data[i])).to.be.lessThan(1e-6);
      }
    } finally {
      await ort.release();
    }
    // An id outside [−50, 50) selects no row: a defined result (that row's embedding is zeros).
    const inRange = parseJsonInputs("[[0, 0, 0, 0, 0, 0, 0, 0]]", program.inputs);
    const outOfRange = parseJsonInputs("[[0, 0, 0, 0, 0, 0, 0, 50]]", program.inputs);
    const a = slotOf(execute(program, inRange), program.outputs[0].slot);
    const b = slotOf(execute(program, outOfRange), program.outputs[0].slot);
    expect(Array.from(a)).not.to.deep.equal(Array.from(b));
    expect(Array.from(b).every(Number.isFinite)).to.equal(true);
  });

  it("refuses integer division of a runtime integer tensor", () => {
    const t = (name: string, elemType: number) => ({
      name,
      type: { tensorType: { elemType, shape: { dim: [{ dimValue: 3 }] } } },
    });
    const model = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "g",
        node: [{ opType: "Div", name: "d", input: ["x", "x"], output: ["y"] }],
        input: [t("x", onnx.TensorProto.DataType.INT64)],
        output: [t("y", onnx.TensorProto.DataType.INT64)],
      },
    }).finish();
    expect(() => compileModel(model)).to.throw(/integer division of a runtime int64 tensor is not supported/);
  });

  it("refuses float16 and double inputs, naming the input", () => {
    for (const code of [onnx.TensorProto.DataType.FLOAT16, onnx.TensorProto.DataType.DOUBLE]) {
      try {
        compileModel(identityModel(code));
        expect.fail("compiled");
      } catch (e) {
        expect(e).to.be.instanceOf(RefereeError);
        expect((e as Error).message).to.match(
          /^input 'x' has element type (float16|float64): Referee's runtime inputs/,
        );
      }
    }
    const { program } = compileModel(identityModel(onnx.TensorProto.DataType.INT32));
    expect(program.inputs[0].elemType).to.equal("int32");
  });
});
