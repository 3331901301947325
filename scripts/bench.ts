// `npm run bench`: `referee bench` (node/cli/benchmark.ts) on the bundled models and on the
// PP-OCRv4 detector and recognizer at the shapes users run, each in its own process (so
// each peak resident memory is its own), with the figures side by side in one table.
//
// Usage: npm run bench -- [--json] [--reps n] [--threads n] [--only name,name]
import { execFileSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const MODULES = path.join(ROOT, "node_modules");
const OCR = path.join(MODULES, "@gutenye", "ocr-models", "assets");

interface BenchModel {
  name: string;
  file: string;
  args: string[];
  reps: number;
}

const MODELS: BenchModel[] = [
  {
    name: "hello_deepa",
    file: path.join(MODULES, "openwakeword-js", "models", "hello_deepa.onnx"),
    args: [],
    reps: 21,
  },
  {
    name: "ocr_cls",
    file: path.join(OCR, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
    args: ["--shape", "x=1x3x48x192"],
    reps: 15,
  },
  {
    name: "ppocrv4_det",
    file: path.join(OCR, "ch_PP-OCRv4_det_infer.onnx"),
    args: ["--shape", "x=1x3x320x320"],
    reps: 7,
  },
  {
    name: "ppocrv4_rec",
    file: path.join(OCR, "ch_PP-OCRv4_rec_infer.onnx"),
    args: ["--shape", "x=1x3x48x320"],
    reps: 7,
  },
];

interface Row {
  model: string;
  compileMs: number;
  inputDims: string;
  steps: number;
  ortMs: number;
  ortThreadsMs: number;
  executeMs: number;
  traceMs: number;
  ratio: number;
  ratioThreads: number;
  commitMs: number;
  stateAtMs: number;
  maxAbsError: number;
  peakRssBytes: number;
  weightBytes: number;
  activationBytes: number;
  threads: number;
  reps: number;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function fmtMs(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function main(): void {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const reps = flag(argv, "--reps");
  const threads = flag(argv, "--threads");
  const only = flag(argv, "--only")?.split(",");
  const rows: Row[] = [];
  for (const m of MODELS) {
    if (only !== undefined && !only.includes(m.name)) continue;
    if (process.stderr.isTTY) process.stderr.write(`benchmarking ${m.name}…\n`);
    const args = [path.join(ROOT, "bin", "referee.js"), "bench", m.file, ...m.args, "--json"];
    args.push("--reps", reps ?? String(m.reps));
    if (threads !== undefined) args.push("--threads", threads);
    const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const lines = out.trim().split("\n");
    rows.push({ ...(JSON.parse(lines[lines.length - 1]) as Row), model: m.name });
  }
  const T = rows[0]?.threads ?? 1;
  const header = [
    "model",
    "input",
    "steps N",
    "ort 1T",
    `ort ${T}T`,
    "referee",
    "/ort 1T",
    `/ort ${T}T`,
    "trace",
    "commit",
    "commit/exec",
    "state@s",
    "peak RSS",
    "RSS/data",
    "max abs err",
  ];
  const body = rows.map((r) => [
    r.model,
    r.inputDims,
    r.steps.toLocaleString("en-US"),
    fmtMs(r.ortMs),
    fmtMs(r.ortThreadsMs),
    fmtMs(r.executeMs),
    `${r.ratio.toFixed(1)}x`,
    `${r.ratioThreads.toFixed(1)}x`,
    fmtMs(r.traceMs),
    fmtMs(r.commitMs),
    `${(r.commitMs / r.executeMs).toFixed(1)}x`,
    fmtMs(r.stateAtMs),
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    `${(r.peakRssBytes / (r.weightBytes + r.activationBytes)).toFixed(1)}x`,
    r.maxAbsError.toExponential(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const b of body) console.log(line(b));
  console.log(
    `\ntimes in ms, warm medians of interleaved runs (${rows.map((r) => r.reps).join("/")}); onnxruntime-node CPU, ` +
      `1 or ${T} intra-op threads; referee = execute for the outputs; trace = execute keeping the halted memory; ` +
      `commit = every slot tree + final state hash (model trees reused); state@s = median state-at-step query; ` +
      `peak RSS after trace + commitments, per model process, vs weights + activations; Node ${process.version}`,
  );
  if (json) console.log(JSON.stringify({ node: process.version, models: rows }));
}

try {
  main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
