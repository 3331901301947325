// A pipeline manifest → ONE program (docs/PROTOCOL.md §3.6): each ONNX file is compiled by the
// ordinary compiler, its slots renumbered into the joint program and its inputs bound to
// the tensors the manifest wires to them; the glue between files is ordinary Move and Map
// instructions. The result is a plain Program, so execution, commitments, dissection and
// one-step proofs need nothing new.
import { keccak256 } from "ethers";
import { RefereeError } from "../../errors";
import { Kind, MapOp, product, SlotRef, Space, TensorSpec } from "../../program/isa";
import type { CompiledModel, IndexCheck } from "../api";
import { ProgramBuilder } from "../builder";
import { compileModel, inspectModel } from "../compile";
import { concatValues, mapValues, reshapeValue, stridedValue } from "../ops/kernels";
import { TensorValue, Value } from "../values";
import { ModelStep, PipelineManifest, PipelineStep, pipelineHash, WindowStep } from "./manifest";

/** Reads a model file named by a manifest step (path relative to the manifest). */
export type FileReader = (path: string) => Uint8Array;

/** A model step's file, checked against the hash the manifest gives for it. */
export function stepFile(
  s: ModelStep,
  read: FileReader,
  index: number,
  hash: (bytes: Uint8Array) => string = keccak256,
): Uint8Array {
  const bytes = read(s.path);
  const actual = hash(bytes);
  if (actual !== s.keccak256) {
    throw new RefereeError(
      "ONNX_INVALID",
      `pipeline steps[${index}]: ${s.path} has keccak256 ${actual}, the manifest says ${s.keccak256}`,
    );
  }
  return bytes;
}

function dimsText(d: readonly number[]): string {
  return d.length === 0 ? "scalar" : d.join("x");
}

class Linker {
  readonly b = new ProgramBuilder();
  readonly tensors = new Map<string, Value>();
  readonly indexChecks: IndexCheck[] = [];
  readonly opCounts: Record<string, number> = {};

  constructor(
    private readonly read: FileReader,
    private readonly hash: (bytes: Uint8Array) => string,
  ) {}

  get(name: string): Value {
    const v = this.tensors.get(name);
    if (!v) throw new RefereeError("INTERNAL", `pipeline tensor '${name}' is undefined`);
    return v;
  }

  dims(name: string): number[] {
    const v = this.get(name);
    return v.kind === "const" ? v.t.dims : v.dims;
  }

  slot(name: string, what: string): SlotRef {
    return this.b.slotOf(this.get(name), what);
  }

  model(s: ModelStep, i: number): void {
    const where = `pipeline steps[${i}] (${s.path})`;
    const bytes = stepFile(s, this.read, i, this.hash);
    // Wiring by name first: a misnamed input should be named, not reported as a missing shape.
    const declared = inspectModel(bytes).inputs.filter((t) => !(t.name in s.fixed));
    const names = declared.map((t) => t.name);
    for (const t of declared) {
      const tensor = s.inputs[t.name];
      if (tensor === undefined) throw new RefereeError("SHAPE", `${where}: input '${t.name}' is not wired`);
      const have = this.dims(tensor);
      // The model's fixed dims, checked here so the message names the wiring, not a --shape.
      const fits = have.length === t.dims.length && t.dims.every((d, j) => typeof d !== "number" || d === have[j]);
      if (t.dims.length > 0 && !fits) {
        throw new RefereeError(
          "SHAPE",
          `${where}: input '${t.name}' is ${t.dims.join("x")}, but '${tensor}' is ${dimsText(have)}`,
        );
      }
    }
    for (const name of Object.keys(s.inputs)) {
      if (!names.includes(name))
        throw new RefereeError("SHAPE", `${where}: the model has no input '${name}' (inputs: ${names.join(", ")})`);
    }
    const shapes: Record<string, number[]> = {};
    for (const [input, tensor] of Object.entries(s.inputs)) shapes[input] = this.dims(tensor);
    let c: CompiledModel;
    try {
      c = compileModel(bytes, { shapes, fixedInputs: s.fixed, hash: this.hash });
    } catch (e) {
      if (e instanceof RefereeError) throw new RefereeError(e.code, `${where}: ${e.message}`, e);
      throw e;
    }
    for (const [op, n] of Object.entries(c.opCounts)) this.opCounts[op] = (this.opCounts[op] ?? 0) + n;
    const p = c.program;
    const wired = p.inputs.map((spec) => {
      const tensor = s.inputs[spec.name];
      const have = this.dims(tensor);
      if (have.length !== spec.dims.length || have.some((d, j) => d !== spec.dims[j])) {
        throw new RefereeError(
          "SHAPE",
          `${where}: input '${spec.name}' is ${dimsText(spec.dims)}, but '${tensor}' is ${dimsText(have)}`,
        );
      }
      return this.slot(tensor, tensor);
    });
    const weightBase = this.b.weights.length;
    const actBase = this.b.activations.length;
    const remap = (r: SlotRef): SlotRef =>
      r.space === Space.Input
        ? wired[r.index]
        : r.space === Space.Weight
          ? { space: Space.Weight, index: weightBase + r.index }
          : { space: Space.Activation, index: actBase + r.index };
    const prefix = `s${i}/`;
    this.b.weights.push(...p.weights.map((w) => ({ name: prefix + w.name, data: w.data })));
    this.b.activations.push(...p.activations.map((a) => ({ name: prefix + a.name, length: a.length })));
    for (const ins of p.instructions) {
      const out = remap(ins.out);
      this.b.producerOf.set(out.index, this.b.instructions.length);
      this.b.instructions.push({ ...ins, out, inputs: ins.inputs.map((o) => ({ ...o, slot: remap(o.slot) })) });
    }
    this.indexChecks.push(...c.indexChecks.map((x) => ({ ...x, node: prefix + x.node, slot: remap(x.slot) })));
    for (const [output, tensor] of Object.entries(s.outputs)) {
      const spec = p.outputs.find((o) => o.name === output);
      if (!spec)
        throw new RefereeError(
          "SHAPE",
          `${where}: the model has no output '${output}' (outputs: ${p.outputs.map((o) => o.name).join(", ")})`,
        );
      this.tensors.set(tensor, { kind: "tensor", dims: spec.dims, slot: remap(spec.slot) });
    }
  }

  axis(axis: number, rank: number, where: string): number {
    if (axis >= rank) throw new RefereeError("SHAPE", `${where}: axis ${axis} is out of range for rank ${rank}`);
    return axis;
  }

  window(s: WindowStep, where: string): Value {
    const v = this.get(s.input);
    const dims = this.dims(s.input);
    const a = this.axis(s.axis, dims.length, where);
    if (dims[a] < s.size)
      throw new RefereeError("SHAPE", `${where}: window size ${s.size} exceeds '${s.input}' dim ${a} (${dims[a]})`);
    const count = Math.floor((dims[a] - s.size) / s.step) + 1;
    const outDims = [...dims.slice(0, a), count, s.size, ...dims.slice(a + 1)];
    // Output coordinate (…, w, k, …) reads input coordinate (…, step·w + k, …).
    const n = outDims.length;
    const coef = new Array<number>(dims.length * n).fill(0);
    for (let j = 0; j < dims.length; j++) {
      if (j < a) coef[j * n + j] = 1;
      else if (j > a) coef[j * n + j + 1] = 1;
      else {
        coef[j * n + a] = s.step;
        coef[j * n + a + 1] = 1;
      }
    }
    const operand = { value: v, dims, offset: new Array<number>(dims.length).fill(0), coef };
    return this.b.kernel(
      { kind: Kind.Move, op: 0, params: [0], iterDims: outDims, redDims: [], inputs: [operand] },
      outDims,
      where,
    );
  }

  glue(s: Exclude<PipelineStep, ModelStep>, i: number): Value {
    const where = `pipeline steps[${i}] (${s.op})`;
    switch (s.op) {
      case "window":
        return this.window(s, where);
      case "slice": {
        const dims = this.dims(s.input);
        const a = this.axis(s.axis, dims.length, where);
        const d = dims[a];
        const start = s.start < 0 ? s.start + d : s.start;
        const end = s.end === null ? d : s.end < 0 ? s.end + d : s.end;
        if (start < 0 || end > d || start >= end)
          throw new RefereeError("SHAPE", `${where}: [${s.start}, ${s.end ?? ""}) selects nothing valid of dim ${d}`);
        const outDims = dims.map((x, j) => (j === a ? end - start : x));
        const begin = dims.map((_, j) => (j === a ? start : 0));
        return stridedValue(this.b, this.get(s.input), outDims, begin, new Array<number>(dims.length).fill(1), where);
      }
      case "concat": {
        const rank = this.dims(s.inputs[0]).length;
        const a = this.axis(s.axis, rank, where);
        return concatValues(
          this.b,
          s.inputs.map((t) => this.get(t)),
          a,
          where,
        );
      }
      case "reshape": {
        const total = product(this.dims(s.input));
        const known = product(s.dims.filter((d) => d !== -1));
        const dims = s.dims.map((d) => (d === -1 ? total / known : d));
        if (!dims.every(Number.isInteger))
          throw new RefereeError("SHAPE", `${where}: cannot reshape ${total} elements to [${s.dims}]`);
        return reshapeValue(this.get(s.input), dims, where);
      }
      case "affine": {
        let v = this.get(s.input);
        const scalar = (x: number): Value => ({
          kind: "const",
          t: { dtype: "float32", dims: [], data: Float32Array.of(x) },
        });
        if (s.scale !== null) v = mapValues(this.b, MapOp.Mul, [v, scalar(s.scale)], [], `${where}/scale`);
        if (s.divisor !== null) v = mapValues(this.b, MapOp.Div, [v, scalar(s.divisor)], [], `${where}/divisor`);
        if (s.offset !== null) v = mapValues(this.b, MapOp.Add, [v, scalar(s.offset)], [], `${where}/offset`);
        return v;
      }
    }
  }
}

/** Compile a pipeline to one program. CompiledModel.onnxHash is the pipeline hash (§3.6). */
export function compilePipeline(
  m: PipelineManifest,
  read: FileReader,
  hash: (bytes: Uint8Array) => string = keccak256,
): CompiledModel {
  const l = new Linker(read, hash);
  const input: TensorValue = l.b.addInput(m.input.name, m.input.dims);
  l.tensors.set(m.input.name, input);
  m.steps.forEach((s, i) => {
    if (s.op === "model") l.model(s, i);
    else l.tensors.set(s.output, l.glue(s, i));
  });
  const outputs: TensorSpec[] = m.outputs.map((name) => {
    const v = l.get(name);
    return { name, dims: v.kind === "const" ? v.t.dims : v.dims, slot: l.slot(name, name) };
  });
  return { program: l.b.build(outputs), indexChecks: l.indexChecks, onnxHash: pipelineHash(m), opCounts: l.opCounts };
}
