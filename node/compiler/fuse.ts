// Graph rewrites before lowering. Exporters spell some activations as chains of elementwise
// ops; recognizing them saves whole activation slots (memory to commit) and steps, and lets
// the activation fuse into the preceding Dot's epilogue. Each rewrite is part of the
// compiler's versioned semantics: it changes rounding within a few ulps, never the math.
import { GraphNode, OnnxGraph, nodeReads } from "../onnx/model";

/** The scalar value of a constant (initializer or Constant node output), if it is one. */
function scalarOf(g: OnnxGraph, producers: Map<string, GraphNode>, name: string): number | undefined {
  const init = g.initializers.get(name);
  if (init) return init.data.length === 1 ? init.data[0] : undefined;
  const p = producers.get(name);
  if (!p || p.opType !== "Constant") return undefined;
  const a = p.attrs.get("value");
  if (a && a.kind === "tensor" && a.value.data.length === 1) return a.value.data[0];
  const f = p.attrs.get("value_float");
  if (f && f.kind === "float") return f.value;
  return undefined;
}

/** Clip bounds of a node as [lo, hi] when they are constants. */
function clipBounds(g: OnnxGraph, producers: Map<string, GraphNode>, n: GraphNode): [number, number] | undefined {
  const opset = g.opsets[""] ?? 1;
  if (opset < 11) {
    const lo = n.attrs.get("min");
    const hi = n.attrs.get("max");
    return [lo && lo.kind === "float" ? lo.value : -Infinity, hi && hi.kind === "float" ? hi.value : Infinity];
  }
  const lo = n.inputs[1] ? scalarOf(g, producers, n.inputs[1]) : -Infinity;
  const hi = n.inputs[2] ? scalarOf(g, producers, n.inputs[2]) : Infinity;
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

/**
 * x · clip(x + 3, 0, 6) / 6  (or · (1/6))  →  HardSwish(x).
 * The intermediate values must have no other reader.
 */
export function fuseHardSwish(g: OnnxGraph): number {
  const producers = new Map<string, GraphNode>();
  const readers = new Map<string, number>();
  for (const n of g.nodes) {
    for (const o of n.outputs) producers.set(o, n);
    // A subgraph's reads of outer values count too: a value an If branch reads must survive.
    for (const i of nodeReads(n)) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  for (const o of g.outputs) readers.set(o.name, (readers.get(o.name) ?? 0) + 1);
  const only = (name: string) => readers.get(name) === 1;
  const consumerOf = new Map<string, GraphNode>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) consumerOf.set(i, n);

  const removed = new Set<GraphNode>();
  const replacement = new Map<GraphNode, GraphNode>();
  let count = 0;
  for (const add of g.nodes) {
    if (add.opType !== "Add" || removed.has(add)) continue;
    const [a, b] = add.inputs;
    const x = scalarOf(g, producers, b) === 3 ? a : scalarOf(g, producers, a) === 3 ? b : undefined;
    if (x === undefined || !only(add.outputs[0])) continue;
    const clip = consumerOf.get(add.outputs[0]);
    if (!clip || clip.opType !== "Clip" || clip.inputs[0] !== add.outputs[0] || !only(clip.outputs[0])) continue;
    const bounds = clipBounds(g, producers, clip);
    if (!bounds || bounds[0] !== 0 || bounds[1] !== 6) continue;
    const mul = consumerOf.get(clip.outputs[0]);
    if (
      !mul ||
      mul.opType !== "Mul" ||
      !mul.inputs.includes(x) ||
      !mul.inputs.includes(clip.outputs[0]) ||
      !only(mul.outputs[0])
    )
      continue;
    const div = consumerOf.get(mul.outputs[0]);
    if (!div || div.inputs[0] !== mul.outputs[0]) continue;
    const k = scalarOf(g, producers, div.inputs[1]);
    const scaled =
      (div.opType === "Div" && k === 6) ||
      (div.opType === "Mul" && k !== undefined && Math.fround(k) === Math.fround(1 / 6));
    if (!scaled) continue;
    for (const n of [add, clip, mul]) removed.add(n);
    replacement.set(div, {
      name: `${div.name}/hardswish`,
      opType: "HardSwish",
      domain: "",
      inputs: [x],
      outputs: [div.outputs[0]],
      attrs: new Map(),
    });
    count++;
  }
  if (count > 0) g.nodes = g.nodes.filter((n) => !removed.has(n)).map((n) => replacement.get(n) ?? n);
  return count;
}
