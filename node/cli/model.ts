// What several commands share: reading the model file, resolving --shape, compiling with
// progress, getting inputs from --input or --random-seed, and reading outputs from memory.
import * as fs from "fs";
import * as path from "path";
import type { CompiledModel, CompileOptions, IndexCheck, ModelInfo } from "../compiler/api";
import { compileModel, inspectModel } from "../compiler/compile";
import { inspectPipeline } from "../compiler/pipeline/inspect";
import { compilePipeline, FileReader } from "../compiler/pipeline/link";
import { parseManifest, PipelineManifest } from "../compiler/pipeline/manifest";
import { OrtOptions, OrtRunner, RefTensor } from "../reference/ort";
import { PipelineOrtRunner } from "../reference/pipeline";
import type { TensorSpec } from "../program/isa";
import { RefereeError, UnsupportedOpsError } from "../errors";
import { readInputArgs } from "../io/inputs";
import { RANDOM_DISTRIBUTIONS, RandomDistribution, randomInputs } from "../io/random";
import type { Memory } from "../vm/memory";
import { slotOf } from "../vm/memory";
import { describeBadIndex, firstBadIndex, firstBadIndexIn } from "../vm/index-checks";
import { defaultThreads, executeSlots } from "../vm/execute";
import { isHasherReady, keccak256Hex } from "../commit/keccak";
import { ParsedArgs, parseFixed, parseShapes, usageError } from "./args";
import type { Progress } from "./progress";

export interface LoadedModel {
  path: string;
  /** The .onnx file, or the pipeline manifest's bytes. */
  bytes: Uint8Array;
  info: ModelInfo;
  /** Set when the model is a pipeline manifest (docs/PROTOCOL.md §3.6) rather than one .onnx. */
  pipeline?: { manifest: PipelineManifest; read: FileReader };
}

function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    throw new RefereeError("USAGE", `cannot read model file '${file}': ${why}`, e);
  }
}

/** Is this model file a pipeline manifest? Manifests are JSON; ONNX files are protobuf. */
export function isPipelineFile(file: string): boolean {
  return path.extname(file).toLowerCase() === ".json";
}

/** A model file: one .onnx, or a pipeline manifest (.json) naming several. */
export function readModel(file: string): LoadedModel {
  const bytes = readBytes(file);
  if (isPipelineFile(file)) {
    const manifest = parseManifest(Buffer.from(bytes).toString("utf8"), file);
    const dir = path.dirname(file);
    const read: FileReader = (rel) => readBytes(path.resolve(dir, rel));
    return { path: file, bytes, info: inspectPipeline(manifest, read), pipeline: { manifest, read } };
  }
  // inspectModel parses the file: a malformed one fails here with the loader's message.
  return { path: file, bytes, info: inspectModel(bytes) };
}

/** Compile a loaded model: its one file, or its pipeline (whose shapes are in the manifest). */
/**
 * keccak256 by the commitments' WebAssembly hasher once it is loaded (main() loads it before
 * a command runs), else the compiler's default.
 */
function fileHash(): ((bytes: Uint8Array) => string) | undefined {
  return isHasherReady() ? keccak256Hex : undefined;
}

export function compileLoaded(model: LoadedModel, options: CompileOptions): CompiledModel {
  const hash = options.hash ?? fileHash();
  if (!model.pipeline) return compileModel(model.bytes, { ...options, hash });
  const given = Object.keys(options.shapes ?? {}).length + Object.keys(options.fixedInputs ?? {}).length;
  if (given > 0) throw usageError("a pipeline's shapes and fixed inputs are in its manifest: drop --shape and --fix");
  return compilePipeline(model.pipeline.manifest, model.pipeline.read, hash);
}

/** The float reference for `compare`: onnxruntime on the file, or on each file of a pipeline. */
export interface Reference {
  run(inputs: readonly RefTensor[]): Promise<RefTensor[]>;
  release(): Promise<void>;
}

export async function referenceRunner(model: LoadedModel, options: OrtOptions = {}): Promise<Reference> {
  if (model.pipeline) return PipelineOrtRunner.create(model.pipeline.manifest, model.pipeline.read, options);
  return OrtRunner.create(model.bytes, options);
}

/** --shape values by input name; an unnamed value is allowed for a single-input model. */
export function resolveShapes(args: ParsedArgs, info: ModelInfo): Record<string, number[]> {
  const raw = parseShapes(args.all("shape"));
  if (!("" in raw)) return raw;
  if (info.inputs.length !== 1) {
    throw usageError(
      `the model has ${info.inputs.length} inputs: name the input in --shape, e.g. --shape ${info.inputs[0]?.name ?? "x"}=1x3x224x224`,
    );
  }
  const name = info.inputs[0].name;
  if (name in raw) throw usageError(`--shape given twice for '${name}'`);
  const { "": dims, ...rest } = raw;
  return { ...rest, [name]: dims };
}

export function compileWithProgress(
  model: LoadedModel,
  args: ParsedArgs,
  progress: Progress,
): { compiled: CompiledModel; ms: number } {
  if (model.info.unsupported.length > 0) throw new UnsupportedOpsError(model.info.unsupported);
  const shapes = resolveShapes(args, model.info);
  const fixedInputs = parseFixed(args.all("fix"));
  const { value, ms } = progress.phase("compiling", () => compileLoaded(model, { shapes, fixedInputs }));
  return { compiled: value, ms };
}

/**
 * The fixed inputs (--fix) as tensors to feed a reference runtime, which still has them as
 * inputs: each scalar with the dims the model declares.
 */
export function fixedFeeds(args: ParsedArgs, info: ModelInfo): { name: string; dims: number[]; data: Float32Array }[] {
  return Object.entries(parseFixed(args.all("fix"))).map(([name, value]) => {
    const dims = info.inputs.find((i) => i.name === name)?.dims ?? [];
    return { name, dims: dims.map(Number), data: Float32Array.of(value) };
  });
}

export function distribution(args: ParsedArgs): RandomDistribution {
  const d = args.get("random-dist") ?? "uniform";
  if (!(RANDOM_DISTRIBUTIONS as readonly string[]).includes(d)) {
    throw usageError(`--random-dist must be one of ${RANDOM_DISTRIBUTIONS.join(", ")}, got '${d}'`);
  }
  return d as RandomDistribution;
}

/** Where a run's inputs come from: the files of --input, or seeds n, n+1, … of --random-seed. */
export interface InputSource {
  describe(run: number): string;
  inputs(run: number): Float32Array[];
}

export function inputSource(args: ParsedArgs, specs: readonly TensorSpec[]): InputSource {
  const files = args.all("input");
  const seed = args.int("random-seed");
  if (files.length > 0 && seed !== undefined) throw usageError("give either --input or --random-seed, not both");
  if (files.length > 0) {
    return { describe: () => files.join(", "), inputs: () => readInputArgs(files, specs) };
  }
  if (seed === undefined) throw usageError("give the inputs: --input <file> or --random-seed <n>");
  const dist = distribution(args);
  return {
    describe: (run) => `random, seed ${seed + run}, ${dist}`,
    inputs: (run) => randomInputs(specs, seed + run, dist),
  };
}

/** --threads: an integer ≥ 1, default the available cores. */
export function threadsOf(args: ParsedArgs): number {
  const n = args.int("threads") ?? defaultThreads();
  if (n < 1) throw usageError("--threads must be at least 1");
  return n;
}

export interface OutputTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export function outputsOf(specs: readonly TensorSpec[], memory: Memory): OutputTensor[] {
  return specs.map((s) => ({ name: s.name, dims: s.dims, data: slotOf(memory, s.slot) }));
}

/**
 * Run the model for its outputs only (the trace is not materialized: see executeSlots) and
 * refuse a run whose runtime indices select no row.
 */
export function runOutputs(compiled: CompiledModel, inputs: Float32Array[], threads?: number): OutputTensor[] {
  const { program, indexChecks } = compiled;
  const slots = [...program.outputs.map((o) => o.slot), ...indexChecks.map((c) => c.slot)];
  const values = executeSlots(program, inputs, slots, { threads });
  const bad = firstBadIndexIn(indexChecks, values.slice(program.outputs.length));
  if (bad !== null) throw new RefereeError("INPUT", describeBadIndex(bad));
  return program.outputs.map((s, i) => ({ name: s.name, dims: s.dims, data: values[i] }));
}

/** Refuses a run whose runtime indices select no row (node/vm/index-checks.ts): one line. */
export function refuseBadIndex(checks: readonly IndexCheck[], memory: Memory): void {
  const bad = firstBadIndex(checks, memory);
  if (bad !== null) throw new RefereeError("INPUT", describeBadIndex(bad));
}
