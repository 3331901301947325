// `npm run bench`: Referee's speed against onnxruntime-node on the project's two reference
// models, measured side by side in one process (interleaved, so both see the same machine
// load): execution wall time (median), commitment time (all slot trees + final state hash)
// as a share of execution, and the time of one state-at-step query (median over random s).
//
// Usage: npm run bench -- [--json] [--reps n]
import * as fs from "fs";
import * as path from "path";
import { TraceCommitter, initHasher, modelCommitment } from "../node/commit";
import { compileModel } from "../node/compiler/compile";
import type { Program } from "../node/program/isa";
import { mulberry32 } from "../node/fo32/mulberry32";
import { randomInputs } from "../node/io/random";
import { errorStats } from "../node/reference/metrics";
import { OrtRunner } from "../node/reference/ort";
import { execute } from "../node/vm/execute";
import { programSteps } from "../node/vm/layout";
import { slotOf } from "../node/vm/memory";

const MODULES = path.join(__dirname, "..", "node_modules");

interface BenchModel {
  name: string;
  file: string;
  shapes: Record<string, number[]>;
  reps: number;
}

const MODELS: BenchModel[] = [
  {
    name: "hello_deepa",
    file: path.join(MODULES, "openwakeword-js", "models", "hello_deepa.onnx"),
    shapes: {},
    reps: 21,
  },
  {
    name: "ocr_cls",
    file: path.join(MODULES, "@gutenye", "ocr-models", "assets", "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
    shapes: { x: [1, 3, 48, 192] },
    reps: 7,
  },
];

const STATE_QUERIES = 25;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeSync<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

async function timeAsync<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

interface Row {
  model: string;
  inputDims: string;
  steps: number;
  instructions: number;
  compileMs: number;
  modelCommitmentMs: number;
  ortMs: number;
  refereeMs: number;
  ratio: number;
  commitMs: number;
  commitShare: number;
  /** The same with the model's trees (weights, program) built once and reused, as an operator does. */
  runCommitMs: number;
  runCommitShare: number;
  stateAtMs: number;
  stateAtMaxMs: number;
  maxAbsError: number;
  reps: number;
}

async function benchModel(m: BenchModel, repsOverride?: number): Promise<Row> {
  const reps = repsOverride ?? m.reps;
  const bytes = fs.readFileSync(m.file);
  const compiled = timeSync(() => compileModel(bytes, { shapes: m.shapes }));
  const program: Program = compiled.value.program;
  const modelCommit = timeSync(() => modelCommitment(program, compiled.value.onnxHash));
  const inputs = randomInputs(program.inputs, 1);
  const ort = await OrtRunner.create(bytes, { intraOpThreads: 1, interOpThreads: 1 });
  const feeds = program.inputs.map((s, i) => ({ name: s.name, dims: s.dims, data: inputs[i] }));

  // Warm-up: JIT for Referee's generated kernels, allocation for onnxruntime.
  for (let i = 0; i < 2; i++) {
    await ort.run(feeds);
    execute(program, inputs);
  }
  const ortTimes: number[] = [];
  const refTimes: number[] = [];
  let memory = execute(program, inputs);
  for (let r = 0; r < reps; r++) {
    ortTimes.push((await timeAsync(() => ort.run(feeds))).ms);
    const run = timeSync(() => execute(program, inputs));
    refTimes.push(run.ms);
    memory = run.value;
  }
  const ref = await ort.run(feeds);
  await ort.release();
  const out = program.outputs[0];
  const fidelity = errorStats(slotOf(memory, out.slot), ref[0].data, out.dims);

  // Commitment of a run: every slot tree (weights, inputs, final activations, program) and
  // the final state hash: what an operator computes before posting a claim.
  const commitTimes: number[] = [];
  let trace: TraceCommitter | undefined;
  for (let r = 0; r < Math.min(reps, 5); r++) {
    const t = timeSync(() => {
      const tc = TraceCommitter.build(program, memory);
      tc.finalState();
      return tc;
    });
    commitTimes.push(t.ms);
    trace = t.value;
  }
  const runCommitTimes: number[] = [];
  for (let r = 0; r < Math.min(reps, 5); r++) {
    const opts = { weights: trace!.weights, programTree: trace!.programTree };
    runCommitTimes.push(timeSync(() => TraceCommitter.build(program, memory, opts).finalState()).ms);
  }
  // State-at-step queries at random steps (what answering a bisection round costs).
  const n = programSteps(program);
  const rand = mulberry32(7);
  const queryTimes: number[] = [];
  for (let q = 0; q < STATE_QUERIES; q++) {
    const s = Math.floor((rand() / 4294967296) * (n + 1));
    queryTimes.push(timeSync(() => trace!.stateAt(s)).ms);
  }

  const ortMs = median(ortTimes);
  const refereeMs = median(refTimes);
  const commitMs = median(commitTimes);
  return {
    model: m.name,
    inputDims: program.inputs.map((i) => i.dims.join("x")).join(", "),
    steps: n,
    instructions: program.instructions.length,
    compileMs: compiled.ms,
    modelCommitmentMs: modelCommit.ms,
    ortMs,
    refereeMs,
    ratio: refereeMs / ortMs,
    commitMs,
    commitShare: commitMs / refereeMs,
    runCommitMs: median(runCommitTimes),
    runCommitShare: median(runCommitTimes) / refereeMs,
    stateAtMs: median(queryTimes),
    stateAtMaxMs: Math.max(...queryTimes),
    maxAbsError: fidelity.maxAbsError,
    reps,
  };
}

function fmtMs(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const repsArg = argv.indexOf("--reps");
  const reps = repsArg >= 0 ? Number(argv[repsArg + 1]) : undefined;
  await initHasher();
  const rows: Row[] = [];
  for (const m of MODELS) {
    if (process.stderr.isTTY) process.stderr.write(`benchmarking ${m.name}…\n`);
    rows.push(await benchModel(m, reps));
  }
  const header = [
    "model",
    "input",
    "steps N",
    "ort 1T ms",
    "referee ms",
    "ratio",
    "commit ms",
    "commit/exec",
    "run commit ms",
    "run/exec",
    "state@s ms",
    "compile ms",
    "max abs err",
  ];
  const body = rows.map((r) => [
    r.model,
    r.inputDims,
    r.steps.toLocaleString("en-US"),
    fmtMs(r.ortMs),
    fmtMs(r.refereeMs),
    `${r.ratio.toFixed(1)}x`,
    fmtMs(r.commitMs),
    `${(r.commitShare * 100).toFixed(0)}%`,
    fmtMs(r.runCommitMs),
    `${(r.runCommitShare * 100).toFixed(0)}%`,
    fmtMs(r.stateAtMs),
    fmtMs(r.compileMs),
    r.maxAbsError.toExponential(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const b of body) console.log(line(b));
  console.log(
    `\nmedians over ${rows.map((r) => `${r.reps}`).join("/")} interleaved runs; onnxruntime-node CPU, 1 intra-op + 1 inter-op thread; ` +
      `commit = all slot trees + final state hash; run commit = the same with the model's weight and program trees reused; state@s = median of ${STATE_QUERIES} queries at random steps; Node ${process.version}`,
  );
  if (json) console.log(JSON.stringify({ node: process.version, models: rows }));
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
