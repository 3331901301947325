// Load and validate an .onnx file into a plain graph the compiler walks.
import { onnx } from "onnx-proto";
import { RefereeError } from "../errors";
import { ConstTensor, DType, decodeTensor, dtypeOfCode, toNum } from "./tensor";

export type AttrValue =
  | { kind: "float"; value: number }
  | { kind: "int"; value: number }
  | { kind: "string"; value: string }
  | { kind: "tensor"; value: ConstTensor }
  | { kind: "floats"; value: number[] }
  | { kind: "ints"; value: number[] }
  | { kind: "strings"; value: string[] }
  | { kind: "graph"; value: OnnxSubgraph }
  | { kind: "graphs" };

export interface GraphNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[]; // "" = absent optional input
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface ValueInfo {
  name: string;
  elemType: DType | "unknown";
  dims: (number | string)[] | undefined; // undefined = unknown rank
}

export interface OnnxGraph {
  irVersion: number;
  producer: string;
  opsets: Record<string, number>;
  inputs: ValueInfo[]; // graph inputs that are not initializers
  outputs: ValueInfo[];
  initializers: Map<string, ConstTensor>;
  nodes: GraphNode[]; // topologically sorted
}

/**
 * A graph held in a node attribute (If's then_branch / else_branch, Loop's body): its nodes
 * may also read values of the enclosing graphs by name (outerReads).
 */
export interface OnnxSubgraph {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, ConstTensor>;
  nodes: GraphNode[]; // topologically sorted
}

const utf8 = new TextDecoder();

function decodeAttr(a: onnx.IAttributeProto, where: string): AttrValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return { kind: "float", value: a.f ?? 0 };
    case T.INT:
      return { kind: "int", value: toNum(a.i) };
    case T.STRING:
      return { kind: "string", value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      return { kind: "tensor", value: decodeTensor(a.t ?? {}, `${where}: attribute ${a.name}`) };
    case T.FLOATS:
      return { kind: "floats", value: [...(a.floats ?? [])] };
    case T.INTS:
      return { kind: "ints", value: (a.ints ?? []).map((v) => toNum(v)) };
    case T.STRINGS:
      return { kind: "strings", value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.GRAPH:
      return { kind: "graph", value: decodeSubgraph(a.g ?? {}, `${where}: attribute ${a.name}`) };
    case T.GRAPHS:
      return { kind: "graphs" };
    default:
      // Older exporters leave `type` unset: infer it from the populated field.
      if (a.t) return { kind: "tensor", value: decodeTensor(a.t, `${where}: attribute ${a.name}`) };
      if (a.g) return { kind: "graph", value: decodeSubgraph(a.g, `${where}: attribute ${a.name}`) };
      if (a.ints && a.ints.length) return { kind: "ints", value: a.ints.map((v) => toNum(v)) };
      if (a.floats && a.floats.length) return { kind: "floats", value: [...a.floats] };
      if (a.s && a.s.length) return { kind: "string", value: utf8.decode(a.s) };
      if (a.i !== undefined && a.i !== null && toNum(a.i) !== 0) return { kind: "int", value: toNum(a.i) };
      if (a.f) return { kind: "float", value: a.f };
      return { kind: "ints", value: [] };
  }
}

function decodeValueInfo(v: onnx.IValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  if (!tt) return { name: v.name ?? "", elemType: "unknown", dims: undefined };
  let elemType: DType | "unknown";
  try {
    elemType = dtypeOfCode(tt.elemType ?? 0);
  } catch {
    elemType = "unknown";
  }
  const dims = tt.shape
    ? (tt.shape.dim ?? []).map((d, i) => {
        if (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0) return toNum(d.dimValue);
        return d.dimParam && d.dimParam.length > 0 ? d.dimParam : `?${i}`;
      })
    : undefined;
  return { name: v.name ?? "", elemType, dims };
}

/** Parse and validate an ONNX model. Throws RefereeError naming the problem. */
export function loadOnnx(bytes: Uint8Array): OnnxGraph {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new RefereeError(
      "ONNX_MALFORMED",
      `not a valid ONNX file: protobuf decoding failed (${(e as Error).message})`,
      e,
    );
  }
  const g = model.graph;
  if (!g || !g.node || (g.node.length === 0 && (g.output ?? []).length === 0)) {
    throw new RefereeError("ONNX_MALFORMED", "not a valid ONNX file: it has no graph");
  }
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ""] = toNum(o.version);
  if (opsets[""] === undefined && opsets["ai.onnx"] !== undefined) opsets[""] = opsets["ai.onnx"];
  if (opsets[""] === undefined) opsets[""] = 1;

  const initializers = new Map<string, ConstTensor>();
  for (const t of g.initializer ?? []) {
    initializers.set(t.name ?? "", decodeTensor(t, `initializer '${t.name}'`));
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map(decodeValueInfo);
  const outputs = (g.output ?? []).map(decodeValueInfo);

  const nodes = decodeNodes(g.node, "");
  return {
    irVersion: toNum(model.irVersion),
    producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(),
    opsets,
    inputs,
    outputs,
    initializers,
    nodes: topoSort(nodes, new Set([...inputs.map((i) => i.name), ...initializers.keys()])),
  };
}

function decodeNodes(protos: onnx.INodeProto[], scope: string): GraphNode[] {
  const nodes: GraphNode[] = protos.map((n, idx) => {
    const where = `node ${scope}${n.name || idx} (${n.opType})`;
    const attrs = new Map<string, AttrValue>();
    for (const a of n.attribute ?? []) attrs.set(a.name ?? "", decodeAttr(a, where));
    return {
      name: n.name || `${scope}${n.opType}_${idx}`,
      opType: n.opType ?? "",
      domain: n.domain === "ai.onnx" ? "" : (n.domain ?? ""),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
  });
  for (const n of nodes) {
    if (!n.opType) throw new RefereeError("ONNX_MALFORMED", `not a valid ONNX file: ${n.name} has no op type`);
  }
  return nodes;
}

function decodeSubgraph(g: onnx.IGraphProto, where: string): OnnxSubgraph {
  const initializers = new Map<string, ConstTensor>();
  for (const t of g.initializer ?? []) {
    initializers.set(t.name ?? "", decodeTensor(t, `${where}: initializer '${t.name}'`));
  }
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map(decodeValueInfo);
  // Unnamed subgraph nodes get names prefixed by the graph's, so error messages stay unambiguous.
  const nodes = decodeNodes(g.node ?? [], `${g.name || "subgraph"}/`);
  const sg: OnnxSubgraph = { inputs, outputs: (g.output ?? []).map(decodeValueInfo), initializers, nodes };
  // Names produced nowhere in the subgraph come from the enclosing scope; the enclosing
  // graph's own sort checks that they exist there.
  const available = new Set([...inputs.map((i) => i.name), ...initializers.keys(), ...subgraphOuterReads(sg)]);
  return { ...sg, nodes: topoSort(nodes, available) };
}

/** Names a subgraph reads from the graphs around it (neither its own inputs, initializers nor node outputs). */
export function subgraphOuterReads(sg: OnnxSubgraph): string[] {
  const local = new Set([...sg.inputs.map((i) => i.name), ...sg.initializers.keys()]);
  for (const n of sg.nodes) for (const o of n.outputs) local.add(o);
  const outer = new Set<string>();
  for (const n of sg.nodes) for (const x of nodeReads(n)) if (x !== "" && !local.has(x)) outer.add(x);
  for (const o of sg.outputs) if (!local.has(o.name)) outer.add(o.name);
  return [...outer];
}

/** Every name a node reads: its inputs, then what its subgraph attributes read from outside them. */
export function nodeReads(n: GraphNode): string[] {
  let reads = readsCache.get(n);
  if (!reads) {
    reads = [...n.inputs];
    for (const a of n.attrs.values()) if (a.kind === "graph") reads.push(...subgraphOuterReads(a.value));
    readsCache.set(n, reads);
  }
  return reads;
}
const readsCache = new WeakMap<GraphNode, string[]>();

/** Kahn's algorithm, stable in file order; rejects cycles and inputs nobody produces. */
function topoSort(nodes: GraphNode[], available: Set<string>): GraphNode[] {
  const known = new Set(available);
  const out: GraphNode[] = [];
  let pending = nodes;
  while (pending.length > 0) {
    const next: GraphNode[] = [];
    for (const n of pending) {
      if (nodeReads(n).every((i) => i === "" || known.has(i))) {
        out.push(n);
        for (const o of n.outputs) known.add(o);
      } else next.push(n);
    }
    if (next.length === pending.length) {
      const n = next[0];
      const missing = nodeReads(n).filter((i) => i !== "" && !known.has(i));
      throw new RefereeError(
        "ONNX_INVALID",
        `invalid ONNX graph: ${n.name} (${n.opType}) reads ${missing.map((m) => `'${m}'`).join(", ")}, which no node, input or initializer produces (or the graph has a cycle)`,
      );
    }
    pending = next;
  }
  return out;
}
