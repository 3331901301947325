// ONNX If: a condition known at compile time compiles only the taken branch; a runtime one
// compiles both and selects with Where (agreeing with onnxruntime); fixed inputs (--fix)
// fold such conditions, are refused when they name no scalar integer input, and are
// covered by the model commitment.
import { expect } from "chai";
import { onnx } from "onnx-proto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFixed } from "../node/cli/args";
import { lastJson, referee } from "./helpers/cli";
import { CompileOptions } from "../node/compiler/api";
import { compileModel } from "../node/compiler/compile";
import { initHasher, modelCommitment } from "../node/commit";
import { RefereeError } from "../node/errors";
import { Program } from "../node/program/isa";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { slotOf } from "../node/vm/memory";
import { seededInputs } from "./helpers/models";

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

const vi = (name: string, dims: number[], elemType: number = T.FLOAT): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});
const scalar = (name: string, v: number, dataType: number = T.FLOAT): onnx.ITensorProto =>
  dataType === T.FLOAT ? { name, dims: [], dataType, floatData: [v] } : { name, dims: [], dataType, int64Data: [v] };
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) => ({
  opType,
  name: `${opType}_${output[0]}`,
  input,
  output,
  attribute,
});
const graphAttr = (name: string, g: onnx.IGraphProto): onnx.IAttributeProto => ({ name, type: A.GRAPH, g });

/**
 * x float [2,3], k int64 scalar. xr = Relu(x) is read only inside the branches (an outer-scope
 * read). If(k == 1): y = xr * 2, z = x; else y = xr + 10 (or ReduceSum(xr) keeping dims [1,3]
 * when `unequalShapes`), z = x. A second If on a runtime bool `flag` (when given) selects
 * between x - 1 and x * x.
 */
function ifModel(opts: { unequalShapes?: boolean; flag?: boolean } = {}): Uint8Array {
  const thenBranch: onnx.IGraphProto = {
    name: "then",
    node: [node("Mul", ["xr", "two"], ["y_then"]), node("Identity", ["x"], ["z_then"])],
    initializer: [scalar("two", 2)],
    output: [vi("y_then", [2, 3]), vi("z_then", [2, 3])],
  };
  const elseBranch: onnx.IGraphProto = {
    name: "else",
    node: [
      opts.unequalShapes
        ? node("ReduceSum", ["xr", "axes0"], ["y_else"], [{ name: "keepdims", type: A.INT, i: 1 }])
        : node("Add", ["xr", "ten"], ["y_else"]),
      node("Identity", ["x"], ["z_else"]),
    ],
    initializer: [scalar("ten", 10), { name: "axes0", dims: [1], dataType: T.INT64, int64Data: [0] }],
    output: [vi("y_else", opts.unequalShapes ? [1, 3] : [2, 3]), vi("z_else", [2, 3])],
  };
  const nodes: onnx.INodeProto[] = [
    node("Relu", ["x"], ["xr"]),
    node("Equal", ["k", "one"], ["c"]),
    node("If", ["c"], ["y", "z"], [graphAttr("then_branch", thenBranch), graphAttr("else_branch", elseBranch)]),
  ];
  const inputs = [vi("x", [2, 3]), vi("k", [], T.INT64)];
  const outputs = [vi("y", opts.unequalShapes ? [] : [2, 3]), vi("z", [2, 3])];
  if (opts.flag) {
    inputs.push(vi("flag", [], T.BOOL));
    const sub: onnx.IGraphProto = {
      name: "w_then",
      node: [node("Sub", ["x", "one_f"], ["w_then"])],
      initializer: [scalar("one_f", 1)],
      output: [vi("w_then", [2, 3])],
    };
    const sq: onnx.IGraphProto = {
      name: "w_else",
      node: [node("Mul", ["x", "x"], ["w_else"])],
      output: [vi("w_else", [2, 3])],
    };
    nodes.push(node("If", ["flag"], ["w"], [graphAttr("then_branch", sub), graphAttr("else_branch", sq)]));
    outputs.push(vi("w", [2, 3]));
  }
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: { name: "if_model", node: nodes, input: inputs, output: outputs, initializer: [scalar("one", 1, T.INT64)] },
  }).finish();
}

/** Our outputs and onnxruntime's on the same inputs, by output name (feeds: every model input). */
async function runBoth(
  bytes: Uint8Array,
  program: Program,
  feeds: Record<string, { dims: number[]; data: Float32Array }>,
): Promise<{ ours: Map<string, Float32Array>; ref: Map<string, Float32Array> }> {
  const mem = execute(
    program,
    program.inputs.map((s) => feeds[s.name].data),
  );
  const ours = new Map(program.outputs.map((o) => [o.name, slotOf(mem, o.slot)]));
  const ort = await OrtRunner.create(bytes);
  try {
    const refs = await ort.run(Object.entries(feeds).map(([name, f]) => ({ name, ...f })));
    return { ours, ref: new Map(refs.map((r) => [r.name, r.data])) };
  } finally {
    await ort.release();
  }
}

function compileError(bytes: Uint8Array, options: CompileOptions): string {
  try {
    compileModel(bytes, options);
  } catch (e) {
    expect(e).to.be.instanceOf(RefereeError);
    return (e as Error).message;
  }
  throw new Error("expected the compiler to refuse");
}

describe("compiler: If", function () {
  this.timeout(120_000);
  const x = seededInputs([[2, 3]], 3)[0];

  it("a fixed condition compiles only the taken branch, agreeing with onnxruntime", async () => {
    const bytes = ifModel();
    for (const k of [1, 0]) {
      const { program } = compileModel(bytes, { fixedInputs: { k } });
      expect(program.inputs.map((i) => i.name)).to.deep.equal(["x"]);
      const { ours, ref } = await runBoth(bytes, program, {
        x: { dims: [2, 3], data: x },
        k: { dims: [], data: Float32Array.of(k) },
      });
      const expected = Array.from(x, (v) => (k === 1 ? Math.max(v, 0) * 2 : Math.fround(Math.max(v, 0) + 10)));
      expect(Array.from(ours.get("y")!)).to.deep.equal(expected);
      expect(Array.from(ours.get("y")!)).to.deep.equal(Array.from(ref.get("y")!));
      expect(Array.from(ours.get("z")!)).to.deep.equal(Array.from(x));
      // Relu, then Mul or Add: no Where, nothing of the other branch.
      expect(program.instructions.length).to.equal(2);
    }
  });

  it("a runtime condition compiles both branches and selects, as onnxruntime does", async () => {
    const bytes = ifModel({ flag: true });
    const { program } = compileModel(bytes);
    expect(program.inputs.map((i) => i.name)).to.deep.equal(["x", "k", "flag"]);
    for (const k of [0, 1, 5])
      for (const flag of [0, 1]) {
        const { ours, ref } = await runBoth(bytes, program, {
          x: { dims: [2, 3], data: x },
          k: { dims: [], data: Float32Array.of(k) },
          flag: { dims: [], data: Float32Array.of(flag) },
        });
        for (const name of ["y", "z", "w"])
          expect(Array.from(ours.get(name)!), `${name}, k=${k}, flag=${flag}`).to.deep.equal(
            Array.from(ref.get(name)!),
          );
      }
  });

  it("refuses a runtime If whose branches give an output different shapes, naming node and output", () => {
    const bytes = ifModel({ unequalShapes: true });
    const msg = compileError(bytes, {});
    expect(msg).to.match(/If_y\b.*output 'y' has dims \[2,3\] in then_branch and \[1,3\] in else_branch/);
    expect(msg).not.to.include("\n");
    // Fixing the input that decides the condition makes it compile.
    expect(compileModel(bytes, { fixedInputs: { k: 0 } }).program.outputs[0].dims).to.deep.equal([1, 3]);
  });

  it("refuses bad fixed inputs with one-line errors", () => {
    const bytes = ifModel();
    expect(compileError(bytes, { fixedInputs: { sr: 1 } })).to.equal(
      "--fix names 'sr', which is not an input of the model (inputs: x, k)",
    );
    expect(compileError(bytes, { fixedInputs: { x: 1 } })).to.match(
      /only a scalar input can be fixed, 'x' has dims \[2,3\]/,
    );
    expect(compileError(bytes, { fixedInputs: { k: 2 ** 25 } })).to.match(/input 'k' \(int64\) element 0 is 33554432/);
    expect(compileError(bytes, { fixedInputs: { k: 1.5 } })).to.match(/expected an integer/);
    expect(() => parseFixed(["k"])).to.throw(/expected name=VALUE/);
    expect(() => parseFixed(["k=1", "k=2"])).to.throw(/--fix given twice for 'k'/);
    expect(parseFixed(["k=-3", "b=true"])).to.deep.equal({ k: -3, b: 1 });
  });

  it("the model commitment covers the fixed value: two values, two model ids", async () => {
    await initHasher();
    const bytes = ifModel();
    const id = (k: number) => {
      const c = compileModel(bytes, { fixedInputs: { k } });
      return modelCommitment(c.program, c.onnxHash).commitment;
    };
    expect(id(1)).to.not.equal(id(0));
    // 0 and 2 take the same branch (the same computation) and are still two models.
    expect(id(0)).to.not.equal(id(2));
    expect(id(2)).to.equal(id(2));
    const runtime = compileModel(bytes);
    expect(modelCommitment(runtime.program, runtime.onnxHash).commitment).to.not.equal(id(0));
  });

  it("the CLI: --fix on model inspect, commit and compare (onnxruntime gets the fixed value)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-if-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "if.onnx");
    fs.writeFileSync(file, ifModel());
    const cli = async (...args: string[]) => {
      const r = await referee(...args);
      return { ...r, json: () => lastJson(r) };
    };
    const inspected = await cli("model", "inspect", file, "--fix", "k=1", "--json");
    expect(inspected.code, inspected.stderr).to.equal(0);
    expect(inspected.json().compile).to.deep.include({ status: "ok", instructions: 2 });
    const ids = [];
    for (const k of ["0", "2"]) {
      const r = await cli("model", "commit", file, "--fix", `k=${k}`, "--json");
      expect(r.code, r.stderr).to.equal(0);
      ids.push(r.json().modelCommitment);
    }
    expect(ids[0]).to.be.a("string").and.not.equal(ids[1]);
    const compared = await cli("compare", file, "--fix", "k=0", "--random-seed", "1", "--json");
    expect(compared.code, compared.stderr).to.equal(0);
    expect(compared.json().maxAbsError).to.equal(0);
    const bad = await cli("model", "inspect", file, "--fix", "k=x");
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr.trimEnd().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/--fix 'k=x': expected name=VALUE/);
  });
});
