// A pipeline run the plain way, as the fidelity reference for `referee compare`: each ONNX
// file in onnxruntime-node, the glue between them in float32 JavaScript. It shares only the
// manifest with the compiler (node/compiler/pipeline/link.ts), not the glue's code.
import { RefereeError } from "../errors";
import { inspectModel } from "../compiler/compile";
import { FileReader, stepFile } from "../compiler/pipeline/link";
import { PipelineManifest, PipelineStep } from "../compiler/pipeline/manifest";
import { product } from "../program/isa";
import { OrtOptions, OrtRunner, RefTensor } from "./ort";

interface Tensor {
  dims: number[];
  data: Float32Array;
}

/** Outer × axis × inner view of a row-major tensor around `axis`. */
function split(dims: readonly number[], axis: number): { outer: number; d: number; inner: number } {
  return { outer: product(dims.slice(0, axis)), d: dims[axis], inner: product(dims.slice(axis + 1)) };
}

function window(x: Tensor, axis: number, size: number, step: number): Tensor {
  const { outer, d, inner } = split(x.dims, axis);
  const count = Math.floor((d - size) / step) + 1;
  const data = new Float32Array(outer * count * size * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (let w = 0; w < count; w++)
      for (let k = 0; k < size; k++) {
        const from = (o * d + w * step + k) * inner;
        data.set(x.data.subarray(from, from + inner), at);
        at += inner;
      }
  return { dims: [...x.dims.slice(0, axis), count, size, ...x.dims.slice(axis + 1)], data };
}

function slice(x: Tensor, axis: number, start: number, end: number | null): Tensor {
  const { outer, d, inner } = split(x.dims, axis);
  const s = start < 0 ? start + d : start;
  const e = end === null ? d : end < 0 ? end + d : end;
  const data = new Float32Array(outer * (e - s) * inner);
  for (let o = 0; o < outer; o++)
    data.set(x.data.subarray((o * d + s) * inner, (o * d + e) * inner), o * (e - s) * inner);
  return { dims: x.dims.map((v, j) => (j === axis ? e - s : v)), data };
}

function concat(xs: Tensor[], axis: number): Tensor {
  const total = xs.reduce((a, x) => a + x.dims[axis], 0);
  const { outer, inner } = split(xs[0].dims, axis);
  const data = new Float32Array(outer * total * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const x of xs) {
      const n = x.dims[axis] * inner;
      data.set(x.data.subarray(o * n, (o + 1) * n), at);
      at += n;
    }
  return { dims: xs[0].dims.map((v, j) => (j === axis ? total : v)), data };
}

/**
 * numpy's argmax over one row of `n` values `stride` apart: the first NaN if any, else the
 * first maximum.
 */
function argmaxRow(data: Float32Array, at: number, n: number, stride: number): number {
  let best = 0;
  for (let k = 0; k < n; k++) {
    const v = data[at + k * stride];
    if (v !== v) return k;
    if (v > data[at + best * stride]) best = k;
  }
  return best;
}

function argmax(x: Tensor, axis: number, keepdims: boolean): Tensor {
  const { outer, d, inner } = split(x.dims, axis);
  const data = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) data[o * inner + i] = argmaxRow(x.data, o * d * inner + i, d, inner);
  const dims = keepdims ? x.dims.map((v, j) => (j === axis ? 1 : v)) : x.dims.filter((_, j) => j !== axis);
  return { dims, data };
}

/** What a generate step computed at each token: the window it read and its last logits. */
export interface GenerationStep {
  context: number[];
  logits: Float32Array;
  token: number;
}

export class PipelineOrtRunner {
  /** Per generate step (by step index), the tokens of the last run: for `referee generate --compare`. */
  readonly generations = new Map<number, GenerationStep[]>();

  private constructor(
    private readonly manifest: PipelineManifest,
    /** One session per model step, by step index. */
    private readonly sessions: Map<number, { runner: OrtRunner; fixed: RefTensor[] }>,
  ) {}

  static async create(
    manifest: PipelineManifest,
    read: FileReader,
    options: OrtOptions = {},
  ): Promise<PipelineOrtRunner> {
    const sessions = new Map<number, { runner: OrtRunner; fixed: RefTensor[] }>();
    try {
      for (const [i, s] of manifest.steps.entries()) {
        if (s.op !== "model" && s.op !== "generate") continue;
        const bytes = stepFile(s, read, i);
        const declared = inspectModel(bytes).inputs;
        const fixed = Object.entries(s.op === "model" ? s.fixed : {}).map(([name, value]) => ({
          name,
          dims: (declared.find((t) => t.name === name)?.dims ?? []).map(Number),
          data: Float32Array.of(value),
        }));
        sessions.set(i, { runner: await OrtRunner.create(bytes, options), fixed });
      }
    } catch (e) {
      for (const { runner } of sessions.values()) await runner.release();
      throw e;
    }
    return new PipelineOrtRunner(manifest, sessions);
  }

  private async step(s: PipelineStep, i: number, tensors: Map<string, Tensor>): Promise<void> {
    const get = (name: string): Tensor => tensors.get(name)!;
    switch (s.op) {
      case "model": {
        const { runner, fixed } = this.sessions.get(i)!;
        const feeds = Object.entries(s.inputs).map(([name, t]) => ({ name, ...get(t) }));
        const outs = await runner.run([...feeds, ...fixed]);
        for (const [name, t] of Object.entries(s.outputs)) {
          const o = outs.find((x) => x.name === name);
          if (!o) throw new RefereeError("INTERNAL", `onnxruntime gave no output '${name}' in pipeline steps[${i}]`);
          tensors.set(t, { dims: o.dims, data: o.data });
        }
        return;
      }
      case "window":
        tensors.set(s.output, window(get(s.input), s.axis, s.size, s.step));
        return;
      case "slice":
        tensors.set(s.output, slice(get(s.input), s.axis, s.start, s.end));
        return;
      case "concat":
        tensors.set(s.output, concat(s.inputs.map(get), s.axis));
        return;
      case "reshape": {
        const x = get(s.input);
        const known = product(s.dims.filter((d) => d !== -1));
        tensors.set(s.output, { dims: s.dims.map((d) => (d === -1 ? x.data.length / known : d)), data: x.data });
        return;
      }
      case "argmax":
        tensors.set(s.output, argmax(get(s.input), s.axis, s.keepdims));
        return;
      case "generate": {
        const tokens = Array.from(get(s.from).data);
        const steps: GenerationStep[] = [];
        for (let t = 0; t < s.steps; t++) {
          const context = s.context === null ? tokens : tokens.slice(Math.max(0, tokens.length - s.context));
          const { runner } = this.sessions.get(i)!;
          const outs = await runner.run([
            { name: s.input, dims: [1, context.length], data: Float32Array.from(context) },
          ]);
          const o = outs.find((x) => x.name === s.output);
          if (!o)
            throw new RefereeError("INTERNAL", `onnxruntime gave no output '${s.output}' in pipeline steps[${i}]`);
          // [1, V] or [1, L, V]: the last position's row.
          const V = o.dims[o.dims.length - 1];
          const logits = o.data.slice(o.data.length - V);
          const token = argmaxRow(logits, 0, V, 1);
          steps.push({ context, logits, token });
          tokens.push(token);
        }
        this.generations.set(i, steps);
        tensors.set(s.to, { dims: [1, s.steps], data: Float32Array.from(steps, (x) => x.token) });
        return;
      }
      case "affine": {
        const x = get(s.input);
        const f = Math.fround;
        const data = x.data.map((v) => {
          let y = v;
          if (s.scale !== null) y = f(y * s.scale);
          if (s.divisor !== null) y = f(y / s.divisor);
          if (s.offset !== null) y = f(y + s.offset);
          return y;
        });
        tensors.set(s.output, { dims: x.dims, data });
        return;
      }
    }
  }

  /** Run on the pipeline's input; returns the pipeline's outputs in manifest order. */
  async run(inputs: readonly RefTensor[]): Promise<RefTensor[]> {
    const m = this.manifest;
    const input = inputs.find((t) => t.name === m.input.name);
    if (!input) throw new RefereeError("INPUT", `pipeline input '${m.input.name}' is not given`);
    const tensors = new Map<string, Tensor>([[m.input.name, { dims: [...input.dims], data: input.data }]]);
    for (const [i, s] of m.steps.entries()) await this.step(s, i, tensors);
    return m.outputs.map((name) => ({ name, ...tensors.get(name)! }));
  }

  async release(): Promise<void> {
    for (const { runner } of this.sessions.values()) await runner.release();
  }
}
