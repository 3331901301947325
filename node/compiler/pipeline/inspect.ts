// What a pipeline is made of, in the shape `referee model inspect` shows for one file: the
// pipeline's input and outputs, and its files' ops, weights and unsupported ops summed.
import type { ModelInfo } from "../api";
import { inspectModel } from "../compile";
import { FileReader, stepFile } from "./link";
import { PipelineManifest } from "./manifest";

export function inspectPipeline(m: PipelineManifest, read: FileReader): ModelInfo {
  const info: ModelInfo = {
    irVersion: 0,
    opsets: {},
    producer: `pipeline of ${m.steps.filter((s) => s.op === "model" || s.op === "generate").length} ONNX files`,
    inputs: [{ name: m.input.name, elemType: m.input.type ?? "float32", dims: m.input.dims }],
    // Output dims are known once the pipeline is compiled (they depend on the wiring).
    outputs: m.outputs.map((name) => ({ name, elemType: "float32", dims: ["?"] })),
    opCounts: {},
    initializers: 0,
    parameters: 0,
    unsupported: [],
  };
  const unsupported = new Set<string>();
  m.steps.forEach((s, i) => {
    if (s.op !== "model" && s.op !== "generate") return;
    const one = inspectModel(stepFile(s, read, i));
    info.irVersion = Math.max(info.irVersion, one.irVersion);
    for (const [d, v] of Object.entries(one.opsets)) info.opsets[d] = Math.max(info.opsets[d] ?? 0, v);
    for (const [op, n] of Object.entries(one.opCounts)) info.opCounts[op] = (info.opCounts[op] ?? 0) + n;
    info.initializers += one.initializers;
    info.parameters += one.parameters;
    for (const u of one.unsupported) unsupported.add(u);
  });
  info.unsupported = [...unsupported].sort();
  return info;
}
