// ONNX bytes → program. Deterministic: the same file, input shapes and COMPILER_VERSION
// always give the same program.
import { keccak256 } from "ethers";
import { RefereeError, UnsupportedOpsError } from "../errors";
import { GraphNode, loadOnnx, nodeReads, OnnxGraph, OnnxSubgraph } from "../onnx/model";
import { fixedInputTensors } from "./fixed";
import { ConstTensor, isFloatType } from "../onnx/tensor";
import { CompileOptions, CompiledModel, ModelInfo } from "./api";
import { ProgramBuilder } from "./builder";
import { NodeContext } from "./context";
import { fuseEpilogue } from "./ops/nn";
import { fuseHardSwish } from "./fuse";
import { INTEGER_INPUT_TYPES, IntegerInputType, Program, TensorSpec } from "../program/isa";
import { lookupOp } from "./registry";
import { Value } from "./values";

/** Every node of the graph and, depth first, of the subgraphs in its nodes' attributes. */
function allNodes(nodes: readonly GraphNode[]): GraphNode[] {
  const out: GraphNode[] = [];
  for (const n of nodes) {
    out.push(n);
    for (const a of n.attrs.values()) if (a.kind === "graph") out.push(...allNodes(a.value.nodes));
  }
  return out;
}

/** Every op type in the graph (branches included) that the compiler cannot lower, sorted. */
function unsupportedOps(g: OnnxGraph): string[] {
  const bad = new Set<string>();
  for (const n of allNodes(g.nodes)) {
    const opset = g.opsets[n.domain] ?? g.opsets[""];
    if (!lookupOp(n.domain, n.opType, opset)) bad.add(n.domain ? `${n.domain}.${n.opType}` : n.opType);
  }
  return [...bad].sort();
}

/** Node count per op type, branches' nodes included. */
function countOps(g: OnnxGraph): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of allNodes(g.nodes)) c[n.opType] = (c[n.opType] ?? 0) + 1;
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

/**
 * Each fixed input's value becomes a weight, first and in graph input order, even when only
 * folding read it: so the model commitment always covers the value, and two values give two
 * models even where they select the same computation.
 */
function commitFixedInputs(b: ProgramBuilder, fixed: Record<string, ConstTensor>): void {
  for (const [name, t] of Object.entries(fixed)) {
    const f32: ConstTensor = { dtype: "float32", dims: t.dims, data: Float32Array.from(t.data) };
    b.slotOf({ kind: "const", t: t.dtype === "bool" ? f32 : t }, `${name} (fixed)`);
  }
}

/** Indices of the nodes some graph output needs (directly or through a subgraph's reads). */
function liveNodes(nodes: readonly GraphNode[], outputs: readonly string[]): Set<number> {
  const needed = new Set(outputs);
  const live = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.outputs.some((o) => needed.has(o))) {
      live.add(i);
      for (const x of nodeReads(n)) if (x) needed.add(x);
    }
  }
  return live;
}

/**
 * Lower the live nodes of a graph or subgraph into the builder. `values` holds what is in
 * scope (inputs, initializers, and for a subgraph the enclosing graphs' values) and gets
 * every computed output. A value read from an enclosing scope is never "sole consumer" here:
 * its other readers are out of sight, so fusing into it would be unsafe.
 */
function lowerNodes(
  b: ProgramBuilder,
  opsets: Record<string, number>,
  nodes: readonly GraphNode[],
  outputs: readonly string[],
  values: Map<string, Value>,
  outer: ReadonlySet<string>,
): void {
  const consumers = new Map<string, number>();
  const live = liveNodes(nodes, outputs);
  nodes.forEach((n, i) => {
    if (!live.has(i)) return;
    for (const x of nodeReads(n)) if (x) consumers.set(x, (consumers.get(x) ?? 0) + 1);
  });
  for (const o of outputs) consumers.set(o, (consumers.get(o) ?? 0) + 1);

  // A branch sees every value visible at its If node: this scope's, then the enclosing ones.
  const runSubgraph = (sg: OnnxSubgraph): Value[] => {
    const inner = new Map(values);
    for (const [name, t] of sg.initializers) inner.set(name, { kind: "const", t });
    const outs = sg.outputs.map((o) => o.name);
    lowerNodes(b, opsets, sg.nodes, outs, inner, new Set(values.keys()));
    return outs.map((o) => {
      const v = inner.get(o);
      if (!v) throw new RefereeError("ONNX_INVALID", `subgraph output '${o}' is never computed`);
      return v;
    });
  };

  nodes.forEach((node, idx) => {
    if (!live.has(idx)) return;
    const opset = opsets[node.domain] ?? opsets[""];
    const entry = lookupOp(node.domain, node.opType, opset);
    if (!entry) throw new UnsupportedOpsError([node.opType]);
    const inputs = node.inputs.map((x) => (x === "" ? undefined : values.get(x)));
    node.inputs.forEach((x, i) => {
      if (x !== "" && !inputs[i])
        throw new RefereeError("ONNX_INVALID", `${node.name} (${node.opType}) reads '${x}', which is not defined`);
    });
    const sole = (i: number) => consumers.get(node.inputs[i]) === 1 && !outer.has(node.inputs[i]);
    const ctx = new NodeContext(b, node, opset, inputs, sole, runSubgraph);
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
}

export function compileModel(bytes: Uint8Array, options: CompileOptions = {}): CompiledModel {
  return { ...compileUnhashed(bytes, options), onnxHash: (options.hash ?? keccak256)(bytes) };
}

/**
 * compileModel without the file hash, for callers that hash the file once themselves (a
 * pipeline compiles one file at many lengths; hashing a large file costs more than compiling).
 */
export function compileUnhashed(bytes: Uint8Array, options: CompileOptions = {}): Omit<CompiledModel, "onnxHash"> {
  const g = loadOnnx(bytes);
  const opCounts = countOps(g);
  fuseHardSwish(g);
  const bad = unsupportedOps(g);
  if (bad.length > 0) throw new UnsupportedOpsError(bad);
  const fixed = fixedInputTensors(g, options.fixedInputs ?? {});
  const frozen = { ...(options.frozenInputs ?? {}), ...fixed };
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
  commitFixedInputs(b, fixed);
  lowerNodes(
    b,
    g.opsets,
    g.nodes,
    g.outputs.map((o) => o.name),
    values,
    new Set(),
  );

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
  return { program, indexChecks: b.indexChecks, opCounts };
}
