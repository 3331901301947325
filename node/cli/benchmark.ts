// `referee bench`'s measurements: Referee against onnxruntime-node on one model and input,
// side by side in one process (runs interleaved, so both see the same machine load).
// Figures: warm median execute time (outputs only: what a claim needs), the same keeping
// the whole halted memory (what a disputed party needs), the commitments over it, the time
// of a state-at-step query, onnxruntime with 1 and n intra-op threads, and peak RSS.
import type { CompiledModel } from "../compiler/api";
import { TraceCommitter, initHasher, modelCommitment } from "../commit";
import { mulberry32 } from "../fo32/mulberry32";
import { product } from "../program/isa";
import { errorStats } from "../reference/metrics";
import type { RefTensor } from "../reference/ort";
import { execute, executeSlots } from "../vm/execute";
import { programSteps } from "../vm/layout";
import { slotOf } from "../vm/memory";

export interface BenchOptions {
  /** Timed runs of each engine (medians are reported). */
  reps: number;
  /** onnxruntime's intra-op threads for the "n threads" figure. */
  threads: number;
  /** State-at-step queries at random steps. */
  stateQueries: number;
  /** Extra feeds for onnxruntime (inputs fixed at compile time with --fix). */
  fixedFeeds?: { name: string; dims: number[]; data: Float32Array }[];
  onPhase?: (what: string) => void;
}

export interface BenchResult {
  inputDims: string;
  steps: number;
  instructions: number;
  weightBytes: number;
  activationBytes: number;
  modelCommitmentMs: number;
  ortMs: number;
  ortThreadsMs: number;
  /** Referee, outputs only (executeSlots), 1 thread. */
  executeMs: number;
  /** The same with n threads. */
  executeThreadsMs: number;
  /** Referee, whole halted memory (execute). */
  traceMs: number;
  ratio: number;
  ratioThreads: number;
  /** All slot trees and the final state hash over one run's memory, model trees reused, n threads. */
  commitMs: number;
  /** The same including the model's weight and program trees (a first commitment). */
  firstCommitMs: number;
  stateAtMs: number;
  stateAtMaxMs: number;
  maxAbsError: number;
  /** Peak resident set of the process after the trace and its commitments, before onnxruntime loads (bytes). */
  peakRssBytes: number;
  threads: number;
  reps: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

async function timedAsync<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

/** onnxruntime on the same model (a file, or each file of a pipeline) with `threads` intra-op threads. */
export interface BenchReference {
  run(inputs: readonly RefTensor[]): Promise<RefTensor[]>;
  release(): Promise<void>;
}

/** Measure one compiled model on `inputs` against `reference(threads)`. */
export async function benchmark(
  compiled: CompiledModel,
  reference: (threads: number) => Promise<BenchReference>,
  inputs: Float32Array[],
  options: BenchOptions,
): Promise<BenchResult> {
  const { program } = compiled;
  const phase = options.onPhase ?? (() => undefined);
  await initHasher();
  const modelCommit = timed(() => modelCommitment(program, compiled.onnxHash));
  const feeds = [
    ...program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] })),
    ...(options.fixedFeeds ?? []),
  ];
  const outSlots = program.outputs.map((o) => o.slot);
  // Referee's whole trace and its commitments first: one run, its first commitment and the
  // state queries, then the peak resident memory (Referee's own: onnxruntime's sessions are
  // loaded afterwards, and no earlier run's memory is left to collect); then timed repeats.
  phase("timing the whole trace and its commitments");
  const n1 = { threads: 1 };
  const nT = { threads: options.threads };
  let memory = execute(program, inputs, nT);
  const first = await timedAsync(async () => {
    const tc = await TraceCommitter.create(program, memory, nT);
    tc.finalState();
    return tc;
  });
  const trace = first.value;
  const n = programSteps(program);
  const rand = mulberry32(7);
  const queries: number[] = [];
  for (let q = 0; q < options.stateQueries; q++) {
    const s = Math.floor((rand() / 4294967296) * (n + 1));
    queries.push(timed(() => trace.stateAt(s)).ms);
  }
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const commitReps = Math.max(1, Math.min(options.reps, 3));
  const traceTimes: number[] = [];
  const commitTimes: number[] = [];
  const shared = { weights: trace.weights, programTree: trace.programTree };
  for (let r = 0; r < commitReps; r++) {
    const run = timed(() => execute(program, inputs, nT));
    traceTimes.push(run.ms);
    memory = run.value;
    commitTimes.push(
      (await timedAsync(async () => (await TraceCommitter.create(program, memory, { ...shared, ...nT })).finalState()))
        .ms,
    );
  }

  const ort1 = await reference(1);
  const ortN = await reference(options.threads);
  try {
    phase("timing execution");
    for (let i = 0; i < 2; i++) {
      await ort1.run(feeds);
      await ortN.run(feeds);
      executeSlots(program, inputs, outSlots, n1);
      executeSlots(program, inputs, outSlots, nT);
    }
    const t = { ort1: [] as number[], ortN: [] as number[], ours: [] as number[], oursN: [] as number[] };
    let outputs: Float32Array[] = [];
    for (let r = 0; r < options.reps; r++) {
      t.ort1.push((await timedAsync(() => ort1.run(feeds))).ms);
      t.ortN.push((await timedAsync(() => ortN.run(feeds))).ms);
      const run = timed(() => executeSlots(program, inputs, outSlots, n1));
      t.ours.push(run.ms);
      t.oursN.push(timed(() => executeSlots(program, inputs, outSlots, nT)).ms);
      outputs = run.value;
    }
    const ref = await ort1.run(feeds);
    let maxAbsError = 0;
    program.outputs.forEach((o, i) => {
      const r = ref.find((x) => x.name === o.name) ?? ref[i];
      maxAbsError = Math.max(maxAbsError, errorStats(outputs[i], r.data, o.dims).maxAbsError);
      // the claim's outputs are the trace's
      const a = slotOf(memory, o.slot);
      if (
        Buffer.compare(
          Buffer.from(a.buffer, a.byteOffset, a.byteLength),
          Buffer.from(outputs[i].buffer, outputs[i].byteOffset, outputs[i].byteLength),
        ) !== 0
      )
        throw new Error(`bench: output '${o.name}' of execute and executeSlots differ`);
    });
    const ortMs = median(t.ort1);
    const ortThreadsMs = median(t.ortN);
    const executeMs = median(t.ours);
    const executeThreadsMs = median(t.oursN);
    return {
      inputDims: program.inputs.map((i) => i.dims.join("x")).join(", "),
      steps: n,
      instructions: program.instructions.length,
      weightBytes: program.weights.reduce((a, w) => a + 4 * w.data.length, 0),
      activationBytes:
        program.activations.reduce((a, s) => a + 4 * s.length, 0) +
        4 * program.inputs.reduce((a, s) => a + product(s.dims), 0),
      modelCommitmentMs: modelCommit.ms,
      ortMs,
      ortThreadsMs,
      executeMs,
      executeThreadsMs,
      traceMs: median(traceTimes),
      ratio: executeMs / ortMs,
      ratioThreads: executeThreadsMs / ortThreadsMs,
      commitMs: median(commitTimes),
      firstCommitMs: first.ms,
      stateAtMs: median(queries),
      stateAtMaxMs: Math.max(...queries),
      maxAbsError,
      peakRssBytes,
      threads: options.threads,
      reps: options.reps,
    };
  } finally {
    await ort1.release();
    await ortN.release();
  }
}
