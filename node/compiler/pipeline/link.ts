// A pipeline manifest → ONE program (docs/PROTOCOL.md §3.6): each ONNX file is compiled by the
// ordinary compiler, its slots renumbered into the joint program and its inputs bound to
// the tensors the manifest wires to them; the glue between files is ordinary Move and Map
// instructions. The result is a plain Program, so execution, commitments, dissection and
// one-step proofs need nothing new.
import { keccak256 } from "ethers";
import { RefereeError } from "../../errors";
import { Kind, MapOp, product, Program, SlotRef, Space, TensorSpec } from "../../program/isa";
import type { CompiledModel, CompileOptions, IndexCheck } from "../api";
import { ProgramBuilder } from "../builder";
import { compileUnhashed, inspectModel } from "../compile";
import { concatValues, mapValues, reshapeValue, stridedValue } from "../ops/kernels";
import { argIndexValue } from "../ops/logic";
import { TensorValue, Value } from "../values";
import { GenerateStep, ModelStep, PipelineManifest, PipelineStep, pipelineHash, WindowStep } from "./manifest";

/** Reads a model file named by a manifest step (path relative to the manifest). */
export type FileReader = (path: string) => Uint8Array;

/** A model (or generate) step's file, checked against the hash the manifest gives for it. */
export function stepFile(
  s: { path: string; keccak256: string },
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

/** One file compiled for the joint program (the pipeline is hashed, not each file again). */
type Unhashed = Omit<CompiledModel, "onnxHash">;

/** A value wired to a file's input, and the pipeline tensor it is (for messages). */
interface Wired {
  value: Value;
  tensor: string;
}

class Linker {
  // Shared weights: a file linked twice (or at several lengths) stores its weights once.
  readonly b = new ProgramBuilder({ shareWeights: true });
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
    const c = this.compile(bytes, { shapes, fixedInputs: s.fixed }, where);
    const wired = new Map<string, Wired>();
    for (const [input, tensor] of Object.entries(s.inputs)) wired.set(input, { value: this.get(tensor), tensor });
    const outs = this.append(c, wired, `s${i}/`, where);
    for (const [output, tensor] of Object.entries(s.outputs)) {
      const v = outs.get(output);
      if (!v)
        throw new RefereeError(
          "SHAPE",
          `${where}: the model has no output '${output}' (outputs: ${[...outs.keys()].join(", ")})`,
        );
      this.tensors.set(tensor, v);
    }
  }

  compile(bytes: Uint8Array, options: CompileOptions, where: string): Unhashed {
    try {
      return compileUnhashed(bytes, options);
    } catch (e) {
      if (e instanceof RefereeError) throw new RefereeError(e.code, `${where}: ${e.message}`, e);
      throw e;
    }
  }

  /**
   * Append one compiled file to the joint program: its input slots become the wired values'
   * slots, its weights are shared with equal ones already there, its activations are
   * renamed under `prefix`. Returns its outputs by name.
   */
  append(c: Unhashed, wired: ReadonlyMap<string, Wired>, prefix: string, where: string): Map<string, Value> {
    for (const [op, n] of Object.entries(c.opCounts)) this.opCounts[op] = (this.opCounts[op] ?? 0) + n;
    const p = c.program;
    const inputs = p.inputs.map((spec) => {
      const w = wired.get(spec.name);
      if (!w) throw new RefereeError("SHAPE", `${where}: input '${spec.name}' is not wired`);
      const have = w.value.kind === "const" ? w.value.t.dims : w.value.dims;
      if (have.length !== spec.dims.length || have.some((d, j) => d !== spec.dims[j])) {
        throw new RefereeError(
          "SHAPE",
          `${where}: input '${spec.name}' is ${dimsText(spec.dims)}, but '${w.tensor}' is ${dimsText(have)}`,
        );
      }
      return this.b.slotOf(w.value, w.tensor);
    });
    const weights = p.weights.map((w) => this.b.addWeight(prefix + w.name, w.data));
    const actBase = this.b.activations.length;
    const remap = (r: SlotRef): SlotRef =>
      r.space === Space.Input
        ? inputs[r.index]
        : r.space === Space.Weight
          ? weights[r.index]
          : { space: Space.Activation, index: actBase + r.index };
    this.b.activations.push(...p.activations.map((a) => ({ name: prefix + a.name, length: a.length })));
    for (const ins of p.instructions) {
      const out = remap(ins.out);
      this.b.producerOf.set(out.index, this.b.instructions.length);
      this.b.instructions.push({ ...ins, out, inputs: ins.inputs.map((o) => ({ ...o, slot: remap(o.slot) })) });
    }
    this.indexChecks.push(...c.indexChecks.map((x) => ({ ...x, node: prefix + x.node, slot: remap(x.slot) })));
    return new Map(p.outputs.map((o) => [o.name, { kind: "tensor", dims: o.dims, slot: remap(o.slot) }]));
  }

  /** The model's declared runtime input and output named by a generate step, checked. */
  private decoder(s: GenerateStep, bytes: Uint8Array, where: string): void {
    const info = inspectModel(bytes);
    const names = info.inputs.map((t) => t.name);
    if (!names.includes(s.input))
      throw new RefereeError("SHAPE", `${where}: the model has no input '${s.input}' (inputs: ${names.join(", ")})`);
    if (names.length !== 1)
      throw new RefereeError("SHAPE", `${where}: the model must have one input (the tokens), it has ${names.length}`);
    const outs = info.outputs.map((t) => t.name);
    if (!outs.includes(s.output))
      throw new RefereeError("SHAPE", `${where}: the model has no output '${s.output}' (outputs: ${outs.join(", ")})`);
  }

  /**
   * Greedy decoding unrolled (§3.6 generate): per iteration, the context window (one Move
   * over the prompt and the tokens generated so far), the model compiled at the window's
   * length, the last position's logits and their argmax, which the next window reads.
   */
  generate(s: GenerateStep, i: number): Value {
    const where = `pipeline steps[${i}] (generate)`;
    const bytes = stepFile(s, this.read, i, this.hash);
    const file = `pipeline steps[${i}] (${s.path})`;
    this.decoder(s, bytes, file);
    const from = this.get(s.from);
    const fd = this.dims(s.from);
    if (fd.length !== 2 || fd[0] !== 1)
      throw new RefereeError("SHAPE", `${where}: '${s.from}' must be 1xP token ids, it is ${dimsText(fd)}`);
    const P = fd[1];
    if (s.context !== null && P > s.context)
      throw new RefereeError("SHAPE", `${where}: '${s.from}' has ${P} tokens, more than the context ${s.context}`);
    const compiled = new Map<number, Unhashed>();
    const generated: Value[] = [];
    for (let t = 0; t < s.steps; t++) {
      const at = tokenName(i, t);
      const len = P + t;
      const L = s.context === null ? len : Math.min(len, s.context);
      const window = this.contextWindow(from, P, generated, len - L, `${at}/context`);
      let c = compiled.get(L);
      if (!c) {
        c = this.compile(bytes, { shapes: { [s.input]: [1, L] } }, `${file} at ${L} tokens`);
        compiled.set(L, c);
      }
      const wired = new Map([[s.input, { value: window, tensor: `${at}/context` }]]);
      const logits = this.append(c, wired, `s${i}.${t}/`, file).get(s.output)!;
      // The first maximum over V, kept as [1, 1] for the next window's concatenation.
      const row = this.lastRow(logits, `${at}/last`, file);
      generated.push(argIndexValue(this.b, row, 1, true, false, true, `${at}/argmax`));
    }
    return generated.length === 1 ? generated[0] : concatValues(this.b, generated, 1, `${where}/to`);
  }

  /** Tokens [skip, P + generated.length) of prompt ‖ generated, as one [1, L] value. */
  private contextWindow(from: Value, P: number, generated: readonly Value[], skip: number, name: string): Value {
    const pieces: Value[] = [];
    if (skip < P) pieces.push(skip === 0 ? from : stridedValue(this.b, from, [1, P - skip], [0, skip], [1, 1], name));
    pieces.push(...generated.slice(Math.max(0, skip - P)));
    return pieces.length === 1 ? pieces[0] : concatValues(this.b, pieces, 1, name);
  }

  /** Logits [1, V], or [1, L, V] read at the last position, as [1, V]. */
  private lastRow(v: Value, name: string, where: string): Value {
    const d = v.kind === "const" ? v.t.dims : v.dims;
    if (d.length === 2 && d[0] === 1) return v;
    if (d.length === 3 && d[0] === 1) {
      const last = stridedValue(this.b, v, [1, 1, d[2]], [0, d[1] - 1, 0], [1, 1, 1], name);
      return reshapeValue(last, [1, d[2]], name);
    }
    throw new RefereeError("SHAPE", `${where}: logits must be 1xV or 1xLxV, they are ${dimsText(d)}`);
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

  glue(s: Exclude<PipelineStep, ModelStep | GenerateStep>, i: number): Value {
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
      case "argmax": {
        const a = this.axis(s.axis, this.dims(s.input).length, where);
        return argIndexValue(this.b, this.get(s.input), a, true, false, s.keepdims, where);
      }
    }
  }
}

/** What a generate step's instructions for token t are named after (steps[i]: the step). */
function tokenName(i: number, t: number): string {
  return `pipeline steps[${i}] (generate) token ${t}`;
}

/**
 * The slot holding the logits token t of generate step `i` was picked from (the argmax's
 * first instruction reads it), for tools that compare them; undefined if there is none.
 */
export function generationLogits(program: Program, i: number, t: number): SlotRef | undefined {
  const name = `${tokenName(i, t)}/argmax/extreme`;
  const ins = program.instructions.find((x) => program.activations[x.out.index]?.name === name);
  return ins?.inputs[0].slot;
}

/** Compile a pipeline to one program. CompiledModel.onnxHash is the pipeline hash (§3.6). */
export function compilePipeline(
  m: PipelineManifest,
  read: FileReader,
  hash: (bytes: Uint8Array) => string = keccak256,
): CompiledModel {
  const l = new Linker(read, hash);
  const input: TensorValue = l.b.addInput(m.input.name, m.input.dims, m.input.type);
  l.tensors.set(m.input.name, input);
  m.steps.forEach((s, i) => {
    if (s.op === "model") l.model(s, i);
    else if (s.op === "generate") l.tensors.set(s.to, l.generate(s, i));
    else l.tensors.set(s.output, l.glue(s, i));
  });
  const outputs: TensorSpec[] = m.outputs.map((name) => {
    const v = l.get(name);
    return { name, dims: v.kind === "const" ? v.t.dims : v.dims, slot: l.slot(name, name) };
  });
  return { program: l.b.build(outputs), indexChecks: l.indexChecks, onnxHash: pipelineHash(m), opCounts: l.opCounts };
}
