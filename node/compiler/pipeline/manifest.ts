// A pipeline manifest (docs/PROTOCOL.md §3.6): several ONNX files and the glue between them,
// read from JSON, checked, and reduced to the canonical form its hash is taken over.
// Parsing only: no files are read here (the caller resolves `path`s and checks hashes).
import { keccak256, toUtf8Bytes } from "ethers";
import { RefereeError } from "../../errors";
import { INTEGER_INPUT_TYPES, IntegerInputType } from "../../program/isa";

/** The `format` value of every manifest this code reads. */
export const PIPELINE_FORMAT = "referee-pipeline-1";

/** Prefix of the hashed bytes: keeps a pipeline hash apart from a single file's H(bytes). */
export const PIPELINE_HASH_PREFIX = "referee-pipeline-1\n";

/** Run one ONNX file: its inputs read named tensors, its outputs become named tensors. */
export interface ModelStep {
  op: "model";
  /** Relative to the manifest's directory. Not hashed: files are bound by content. */
  path: string;
  /** keccak256 of the file's bytes, 0x-prefixed lowercase hex. */
  keccak256: string;
  /** ONNX input name → pipeline tensor. */
  inputs: Record<string, string>;
  /** ONNX output name → pipeline tensor (outputs not named are unused). */
  outputs: Record<string, string>;
  /** Scalar integer inputs fixed at compile time (as `--fix`). */
  fixed: Record<string, number>;
}

/** Sliding windows along `axis`: dims[axis] becomes [count, size] with count = ⌊(d − size)/step⌋ + 1. */
export interface WindowStep {
  op: "window";
  input: string;
  output: string;
  axis: number;
  size: number;
  step: number;
}

/** Elements [start, end) along `axis`; negative bounds count from the end. */
export interface SliceStep {
  op: "slice";
  input: string;
  output: string;
  axis: number;
  start: number;
  end: number | null;
}

/** Join tensors along `axis`. */
export interface ConcatStep {
  op: "concat";
  inputs: string[];
  output: string;
  axis: number;
}

/** Same elements, other dims (one dim may be −1). Emits no instruction. */
export interface ReshapeStep {
  op: "reshape";
  input: string;
  output: string;
  dims: number[];
}

/** y = ((x × scale) ÷ divisor) + offset in binary32, each operation only where given. */
export interface AffineStep {
  op: "affine";
  input: string;
  output: string;
  scale: number | null;
  divisor: number | null;
  offset: number | null;
}

/** The index of the first maximum along `axis` (a NaN counts as the maximum), as a float. */
export interface ArgmaxStep {
  op: "argmax";
  input: string;
  output: string;
  axis: number;
  keepdims: boolean;
}

/**
 * Greedy decoding: ctx = from ([1, P] token ids); `steps` times: logits = the model on the
 * last min(len, context) tokens of ctx (its output [1, V], or [1, L, V] read at the last
 * position); next = argmax over V; ctx = ctx ‖ next. `to` = the generated ids, [1, steps].
 */
export interface GenerateStep {
  op: "generate";
  path: string;
  keccak256: string;
  /** The model's token input. */
  input: string;
  /** The model's logits output. */
  output: string;
  from: string;
  steps: number;
  /** The most tokens the model reads; null: all of them. */
  context: number | null;
  to: string;
}

export type PipelineStep =
  ModelStep | WindowStep | SliceStep | ConcatStep | ReshapeStep | AffineStep | ArgmaxStep | GenerateStep;

/** The pipeline's one runtime input. `type` absent: float32. */
export interface PipelineInput {
  name: string;
  dims: number[];
  type?: IntegerInputType;
}

export interface PipelineManifest {
  format: typeof PIPELINE_FORMAT;
  input: PipelineInput;
  steps: PipelineStep[];
  /** Pipeline tensors that are the program's outputs, in order. */
  outputs: string[];
}

type Json = Record<string, unknown>;

class ManifestReader {
  constructor(private readonly where: string) {}

  fail(msg: string): never {
    throw new RefereeError("ONNX_INVALID", `pipeline manifest ${this.where}: ${msg}`);
  }

  object(v: unknown, what: string): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(`${what} must be an object`);
    return v as Json;
  }

  only(o: Json, what: string, keys: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) this.fail(`${what} has an unknown field '${k}' (allowed: ${keys.join(", ")})`);
    }
  }

  name(v: unknown, what: string): string {
    if (typeof v !== "string" || v.length === 0) this.fail(`${what} must be a non-empty string`);
    return v;
  }

  int(v: unknown, what: string, min: number): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) this.fail(`${what} must be an integer ≥ ${min}`);
    return v;
  }

  dims(v: unknown, what: string, allowInfer: boolean): number[] {
    if (!Array.isArray(v)) this.fail(`${what} must be an array of dims`);
    const dims = v.map((d, i) => this.int(d, `${what}[${i}]`, allowInfer ? -1 : 1));
    if (dims.some((d) => d === 0)) this.fail(`${what} has a zero dim`);
    if (dims.filter((d) => d === -1).length > 1) this.fail(`${what} has more than one -1`);
    return dims;
  }

  finite(v: unknown, what: string): number | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(`${what} must be a finite number`);
    return Math.fround(v);
  }

  names(v: unknown, what: string): Record<string, string> {
    const o = this.object(v, what);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(o)) out[k] = this.name(x, `${what}.${k}`);
    return out;
  }

  hash(v: unknown, what: string): string {
    const hash = this.name(v, what);
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) this.fail(`${what} must be 0x and 64 hex digits`);
    return hash.toLowerCase();
  }
}

const STEP_OPS = "model, window, slice, concat, reshape, affine, argmax, generate";

function input(r: ManifestReader, v: unknown): PipelineInput {
  const inp = r.object(v, "input");
  r.only(inp, "input", ["name", "dims", "type"]);
  const out: PipelineInput = { name: r.name(inp.name, "input.name"), dims: r.dims(inp.dims, "input.dims", false) };
  if (inp.type === undefined || inp.type === "float32") return out;
  if (!(INTEGER_INPUT_TYPES as readonly unknown[]).includes(inp.type))
    r.fail(`input.type must be float32 or one of ${INTEGER_INPUT_TYPES.join(", ")}, got ${JSON.stringify(inp.type)}`);
  return { ...out, type: inp.type as IntegerInputType };
}

function step(r: ManifestReader, v: unknown, i: number): PipelineStep {
  const o = r.object(v, `steps[${i}]`);
  const op = o.op;
  const what = `steps[${i}] (${String(op)})`;
  switch (op) {
    case "model": {
      r.only(o, what, ["op", "path", "keccak256", "inputs", "outputs", "fixed"]);
      const hash = r.hash(o.keccak256, `${what}.keccak256`);
      const fixed: Record<string, number> = {};
      for (const [k, x] of Object.entries(r.object(o.fixed ?? {}, `${what}.fixed`))) {
        if (typeof x !== "number" || !Number.isInteger(x)) r.fail(`${what}.fixed.${k} must be an integer`);
        fixed[k] = x;
      }
      const inputs = r.names(o.inputs, `${what}.inputs`);
      if (Object.keys(inputs).length === 0) r.fail(`${what}.inputs wires no input`);
      const outputs = r.names(o.outputs, `${what}.outputs`);
      if (Object.keys(outputs).length === 0) r.fail(`${what}.outputs names no output`);
      return { op, path: r.name(o.path, `${what}.path`), keccak256: hash, inputs, outputs, fixed };
    }
    case "window":
      r.only(o, what, ["op", "input", "output", "axis", "size", "step"]);
      return {
        op,
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        axis: r.int(o.axis, `${what}.axis`, 0),
        size: r.int(o.size, `${what}.size`, 1),
        step: r.int(o.step, `${what}.step`, 1),
      };
    case "slice": {
      r.only(o, what, ["op", "input", "output", "axis", "start", "end"]);
      const bound = (x: unknown, w: string) => {
        if (typeof x !== "number" || !Number.isInteger(x)) r.fail(`${w} must be an integer`);
        return x;
      };
      return {
        op,
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        axis: r.int(o.axis, `${what}.axis`, 0),
        start: bound(o.start ?? 0, `${what}.start`),
        end: o.end === undefined || o.end === null ? null : bound(o.end, `${what}.end`),
      };
    }
    case "concat": {
      r.only(o, what, ["op", "inputs", "output", "axis"]);
      if (!Array.isArray(o.inputs) || o.inputs.length === 0) r.fail(`${what}.inputs must be a non-empty array`);
      return {
        op,
        inputs: o.inputs.map((x, j) => r.name(x, `${what}.inputs[${j}]`)),
        output: r.name(o.output, `${what}.output`),
        axis: r.int(o.axis, `${what}.axis`, 0),
      };
    }
    case "reshape":
      r.only(o, what, ["op", "input", "output", "dims"]);
      return {
        op,
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        dims: r.dims(o.dims, `${what}.dims`, true),
      };
    case "affine": {
      r.only(o, what, ["op", "input", "output", "scale", "divisor", "offset"]);
      const s: AffineStep = {
        op,
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        scale: r.finite(o.scale, `${what}.scale`),
        divisor: r.finite(o.divisor, `${what}.divisor`),
        offset: r.finite(o.offset, `${what}.offset`),
      };
      if (s.divisor === 0) r.fail(`${what}.divisor must not be 0`);
      if (s.scale === null && s.divisor === null && s.offset === null)
        r.fail(`${what} needs at least one of scale, divisor, offset`);
      return s;
    }
    case "argmax": {
      r.only(o, what, ["op", "input", "output", "axis", "keepdims"]);
      if (o.keepdims !== undefined && typeof o.keepdims !== "boolean") r.fail(`${what}.keepdims must be true or false`);
      return {
        op,
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        axis: r.int(o.axis, `${what}.axis`, 0),
        keepdims: o.keepdims ?? true,
      };
    }
    case "generate":
      r.only(o, what, ["op", "path", "keccak256", "input", "output", "from", "steps", "context", "to"]);
      return {
        op,
        path: r.name(o.path, `${what}.path`),
        keccak256: r.hash(o.keccak256, `${what}.keccak256`),
        input: r.name(o.input, `${what}.input`),
        output: r.name(o.output, `${what}.output`),
        from: r.name(o.from, `${what}.from`),
        steps: r.int(o.steps, `${what}.steps`, 1),
        context: o.context === undefined || o.context === null ? null : r.int(o.context, `${what}.context`, 1),
        to: r.name(o.to, `${what}.to`),
      };
    default:
      return r.fail(`steps[${i}].op must be one of ${STEP_OPS}, got ${JSON.stringify(op)}`);
  }
}

/** Tensors a step reads and writes. */
export function stepReads(s: PipelineStep): string[] {
  if (s.op === "model") return Object.values(s.inputs);
  if (s.op === "concat") return s.inputs;
  if (s.op === "generate") return [s.from];
  return [s.input];
}

export function stepWrites(s: PipelineStep): string[] {
  if (s.op === "model") return Object.values(s.outputs);
  if (s.op === "generate") return [s.to];
  return [s.output];
}

/**
 * Parse and check a manifest. `where` names it in errors (its path). Checks the structure
 * and the wiring (every tensor read is written earlier, written once); shapes are checked
 * when the pipeline is compiled.
 */
export function parseManifest(text: string, where: string): PipelineManifest {
  const r: ManifestReader = new ManifestReader(where); // annotated: lets r.fail() narrow types
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    r.fail(`not valid JSON (${(e as Error).message})`);
  }
  const o = r.object(raw, "the manifest");
  r.only(o, "the manifest", ["format", "input", "steps", "outputs", "description"]);
  if (o.format !== PIPELINE_FORMAT) r.fail(`format must be "${PIPELINE_FORMAT}", got ${JSON.stringify(o.format)}`);
  const inp = input(r, o.input);
  if (!Array.isArray(o.steps) || o.steps.length === 0) r.fail("steps must be a non-empty array");
  const steps = o.steps.map((s, i) => step(r, s, i));
  if (!Array.isArray(o.outputs) || o.outputs.length === 0) r.fail("outputs must be a non-empty array");
  const outputs = o.outputs.map((x, i) => r.name(x, `outputs[${i}]`));

  const defined = new Set([inp.name]);
  steps.forEach((s, i) => {
    for (const t of stepReads(s)) {
      if (!defined.has(t)) r.fail(`steps[${i}] (${s.op}) reads '${t}', which no earlier step writes`);
    }
    for (const t of stepWrites(s)) {
      if (defined.has(t)) r.fail(`steps[${i}] (${s.op}) writes '${t}', which is already defined`);
      defined.add(t);
    }
  });
  for (const t of outputs) if (!defined.has(t)) r.fail(`output '${t}' is never written`);
  if (new Set(outputs).size !== outputs.length) r.fail("outputs names a tensor twice");
  return { format: PIPELINE_FORMAT, input: inp, steps, outputs };
}

/** Sorted copy of a string map, so the canonical JSON does not depend on key order. */
function sorted<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}

/**
 * The canonical manifest: every field in a fixed order, maps sorted by key, defaults
 * filled in, file paths dropped (files are bound by their hashes), no whitespace.
 */
export function canonicalManifest(m: PipelineManifest): string {
  const steps = m.steps.map((s): Json => {
    switch (s.op) {
      case "model":
        return {
          op: s.op,
          keccak256: s.keccak256,
          inputs: sorted(s.inputs),
          outputs: sorted(s.outputs),
          fixed: sorted(s.fixed),
        };
      case "window":
        return { op: s.op, input: s.input, output: s.output, axis: s.axis, size: s.size, step: s.step };
      case "slice":
        return { op: s.op, input: s.input, output: s.output, axis: s.axis, start: s.start, end: s.end };
      case "concat":
        return { op: s.op, inputs: s.inputs, output: s.output, axis: s.axis };
      case "reshape":
        return { op: s.op, input: s.input, output: s.output, dims: s.dims };
      case "affine":
        return { op: s.op, input: s.input, output: s.output, scale: s.scale, divisor: s.divisor, offset: s.offset };
      case "argmax":
        return { op: s.op, input: s.input, output: s.output, axis: s.axis, keepdims: s.keepdims };
      case "generate":
        return {
          op: s.op,
          keccak256: s.keccak256,
          input: s.input,
          output: s.output,
          from: s.from,
          steps: s.steps,
          context: s.context,
          to: s.to,
        };
    }
  });
  // `type` only when given: float32 manifests keep the hash they had before the field existed.
  const input: Json = { name: m.input.name, dims: m.input.dims };
  if (m.input.type !== undefined) input.type = m.input.type;
  return JSON.stringify({
    format: m.format,
    input,
    steps,
    outputs: m.outputs,
  });
}

/** pipelineHash = H(PIPELINE_HASH_PREFIX ‖ canonical manifest), UTF-8; 0x-prefixed hex. */
export function pipelineHash(m: PipelineManifest): string {
  return keccak256(toUtf8Bytes(PIPELINE_HASH_PREFIX + canonicalManifest(m)));
}
