// ONNX bytes → program. Deterministic: the same file, input shapes and COMPILER_VERSION
// always give the same program.
import { keccak256 } from "ethers";
import { RefereeError, UnsupportedOpsError } from "../errors";
import { loadOnnx, OnnxGraph } from "../onnx/model";
import { isFloatType } from "../onnx/tensor";
import { CompileOptions, CompiledModel, ModelInfo } from "./api";
import { ProgramBuilder } from "./builder";
import { NodeContext } from "./context";
import { fuseEpilogue } from "./ops/nn";
import { fuseHardSwish } from "./fuse";
import { INTEGER_INPUT_TYPES, IntegerInputType, Program, TensorSpec } from "../program/isa";
import { lookupOp } from "./registry";
import { Value } from "./values";

/** Every op type in the graph that the compiler cannot lower, sorted. */
function unsupportedOps(g: OnnxGraph): string[] {
  const bad = new Set<string>();
  for (const n of g.nodes) {
    const opset = g.opsets[n.domain] ?? g.opsets[""];
    if (!lookupOp(n.domain, n.opType, opset)) bad.add(n.domain ? `${n.domain}.${n.opType}` : n.opType);
  }
  return [...bad].sort();
}

function countOps(g: OnnxGraph): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of g.nodes) c[n.opType] = (c[n.opType] ?? 0) + 1;
  return c;
}

export function inspectModel(bytes: Uint8Array): ModelInfo {
  const g = loadOnnx(bytes);
  let parameters = 0;
  for (const t of g.initializers.values()) parameters += t.data.length;
  return {
    irVersion: g.irVersion,
    opsets: g.opsets,
    producer: g.producer,
    inputs: g.inputs.map((i) => ({ name: i.name, elemType: i.elemType, dims: i.dims ?? [] })),
    outputs: g.outputs.map((o) => ({ name: o.name, elemType: o.elemType, dims: o.dims ?? [] })),
    opCounts: countOps(g),
    initializers: g.initializers.size,
    parameters,
    unsupported: unsupportedOps(g),
  };
}

/**
 * The element type a graph input is read as: float32 (undefined), or an integer / bool type
 * whose values are stored exactly as binary32 (PROTOCOL.md §2). Other floats (float16,
 * double, bfloat16) would need a rounding rule and are refused, as are strings.
 */
export function runtimeInputType(name: string, elemType: string): IntegerInputType | undefined {
  if (elemType === "float32" || elemType === "unknown") return undefined;
  if ((INTEGER_INPUT_TYPES as readonly string[]).includes(elemType)) return elemType as IntegerInputType;
  throw new RefereeError(
    "ONNX_UNSUPPORTED_OPS",
    `input '${name}' has element type ${elemType}: Referee's runtime inputs are float32, integers or bools`,
  );
}

/** Concrete dims of every graph input: the model's own, with --shape filling or overriding symbolic dims. */
function inputShapes(g: OnnxGraph, shapes: Record<string, number[]>): number[][] {
  for (const name of Object.keys(shapes)) {
    if (!g.inputs.some((i) => i.name === name)) {
      throw new RefereeError(
        "SHAPE",
        `--shape names '${name}', which is not an input of the model (inputs: ${g.inputs.map((i) => i.name).join(", ")})`,
      );
    }
  }
  return g.inputs.map((inp) => {
    const given = shapes[inp.name];
    const declared = inp.dims;
    if (given) {
      if (given.some((d) => !Number.isInteger(d) || d <= 0))
        throw new RefereeError("SHAPE", `--shape ${inp.name}: dims must be positive integers, got ${given.join("x")}`);
      if (declared) {
        if (declared.length !== given.length)
          throw new RefereeError(
            "SHAPE",
            `input '${inp.name}' has rank ${declared.length} ([${declared.join(",")}]), --shape gives rank ${given.length}`,
          );
        declared.forEach((d, j) => {
          if (typeof d === "number" && d !== given[j])
            throw new RefereeError(
              "SHAPE",
              `input '${inp.name}' dim ${j} is fixed at ${d} by the model, --shape gives ${given[j]}`,
            );
        });
      }
      return given;
    }
    if (!declared)
      throw new RefereeError("SHAPE", `input '${inp.name}' has no declared shape: pass --shape ${inp.name}=…`);
    const symbolic = declared.filter((d) => typeof d !== "number");
    if (symbolic.length > 0) {
      throw new RefereeError(
        "SHAPE",
        `input '${inp.name}' has dynamic dims [${declared.join(",")}]: pass --shape ${inp.name}=${declared.map((d) => (typeof d === "number" ? d : "N")).join("x")}`,
      );
    }
    return declared as number[];
  });
}

/** Names of values some live node or graph output needs; nodes producing none of them are dropped. */
function liveNodes(g: OnnxGraph): Set<number> {
  const needed = new Set(g.outputs.map((o) => o.name));
  const live = new Set<number>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => needed.has(o))) {
      live.add(i);
      for (const x of n.inputs) if (x) needed.add(x);
    }
  }
  return live;
}

export function compileModel(bytes: Uint8Array, options: CompileOptions = {}): CompiledModel {
  const g = loadOnnx(bytes);
  const opCounts = countOps(g);
  fuseHardSwish(g);
  const bad = unsupportedOps(g);
  if (bad.length > 0) throw new UnsupportedOpsError(bad);
  const frozen = options.frozenInputs ?? {};
  for (const name of Object.keys(frozen)) {
    if (!g.inputs.some((i) => i.name === name))
      throw new RefereeError("SHAPE", `frozen input '${name}' is not an input of the model`);
  }
  g.inputs = g.inputs.filter((i) => !(i.name in frozen));
  for (const [name, t] of Object.entries(frozen)) g.initializers.set(name, t);
  const shapes = inputShapes(g, options.shapes ?? {});
  const b = new ProgramBuilder();
  const values = new Map<string, Value>();
  g.inputs.forEach((inp, i) => {
    values.set(inp.name, b.addInput(inp.name, shapes[i], runtimeInputType(inp.name, inp.elemType)));
  });
  for (const [name, t] of g.initializers) values.set(name, { kind: "const", t });

  const consumers = new Map<string, number>();
  const live = liveNodes(g);
  g.nodes.forEach((n, i) => {
    if (!live.has(i)) return;
    for (const x of n.inputs) if (x) consumers.set(x, (consumers.get(x) ?? 0) + 1);
  });
  for (const o of g.outputs) consumers.set(o.name, (consumers.get(o.name) ?? 0) + 1);

  g.nodes.forEach((node, idx) => {
    if (!live.has(idx)) return;
    const opset = g.opsets[node.domain] ?? g.opsets[""];
    const entry = lookupOp(node.domain, node.opType, opset);
    if (!entry) throw new UnsupportedOpsError([node.opType]);
    const inputs = node.inputs.map((x) => (x === "" ? undefined : values.get(x)));
    node.inputs.forEach((x, i) => {
      if (x !== "" && !inputs[i])
        throw new RefereeError("ONNX_INVALID", `${node.name} (${node.opType}) reads '${x}', which is not defined`);
    });
    const ctx = new NodeContext(b, node, opset, inputs, (i) => consumers.get(node.inputs[i]) === 1);
    let outs: Value[];
    try {
      const ep = entry.epilogue?.(ctx);
      const fused = ep ? fuseEpilogue(ctx, ep.op, ep.params) : undefined;
      outs = fused ? [fused] : entry.lower(ctx);
    } catch (e) {
      if (e instanceof RefereeError) {
        if (e.message.includes(node.name)) throw e;
        throw new RefereeError(e.code, `${node.name} (${node.opType}): ${e.message}`, e);
      }
      throw new RefereeError("INTERNAL", `${node.name} (${node.opType}): ${(e as Error).message}`, e);
    }
    node.outputs.forEach((o, i) => {
      if (o !== "" && outs[i]) values.set(o, outs[i]);
    });
  });

  const outputs: TensorSpec[] = g.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v) throw new RefereeError("ONNX_INVALID", `graph output '${o.name}' is never computed`);
    if (v.kind === "const") {
      // A constant output (e.g. a Shape) is stored as float32 like every slot.
      const t = isFloatType(v.t.dtype)
        ? v.t
        : { dtype: "float32" as const, dims: v.t.dims, data: Float32Array.from(v.t.data) };
      const slot = b.slotOf({ kind: "const", t }, o.name);
      return { name: o.name, dims: v.t.dims, slot };
    }
    return { name: o.name, dims: v.dims, slot: v.slot };
  });
  const program: Program = b.build(outputs);
  return { program, onnxHash: keccak256(bytes), opCounts };
}
