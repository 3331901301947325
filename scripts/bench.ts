// `npm run bench`: `referee bench` (node/cli/benchmark.ts) on the bundled models and on the
// PP-OCRv4 detector and recognizer at the shapes users run, each in its own process (so
// each peak resident memory is its own), with the figures side by side in one table.
//
// Also (issue 13): greedy generation of 16 tokens by the project's GPT (models/kjv-gpt.onnx)
// as one program, in tokens per second against onnxruntime decoding step by step; and a
// GPT-2-small-shaped decoder (124M random parameters, made at run time by
// scripts/make-gpt2-small.py with Debian's python3-torch; skipped, saying so, without it).
//
// Usage: npm run bench -- [--json] [--reps n] [--threads n] [--only name,name]
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { BenchResult } from "../node/cli/benchmark";

const ROOT = path.join(__dirname, "..");
const MODULES = path.join(ROOT, "node_modules");
const OCR = path.join(MODULES, "@gutenye", "ocr-models", "assets");

interface BenchModel {
  name: string;
  file: string;
  args: string[];
  reps: number;
  /** Made at run time; null when it cannot be (the reason is printed). */
  prepare?: () => string | null;
  /** Tokens a generation produces (its row also reports tokens per second). */
  tokens?: number;
}

const WORK = path.join(os.tmpdir(), `referee-bench-${process.getuid?.() ?? 0}`);
const PYTHON = "/usr/bin/python3.11";
const GEN_TOKENS = 16;

/** The generation manifest of 16 tokens after "And God said", written by `referee generate`. */
function generationManifest(): string | null {
  fs.mkdirSync(WORK, { recursive: true });
  const out = path.join(WORK, "kjv-gpt-gen16.json");
  const models = path.join(ROOT, "models");
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, "bin", "referee.js"),
      "generate",
      path.join(models, "kjv-gpt.onnx"),
      "--vocab",
      path.join(models, "kjv-gpt.vocab.json"),
      "--prompt",
      "And God said",
      "--tokens",
      String(GEN_TOKENS),
      "--write-manifest",
      out,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return out;
}

/** scripts/make-gpt2-small.py's model (about 650 MB), made once and kept in the temp dir. */
function gpt2Small(): string | null {
  fs.mkdirSync(WORK, { recursive: true });
  const out = path.join(WORK, "gpt2-small-ctx64.onnx");
  if (fs.existsSync(out)) return out;
  const r = spawnSync(PYTHON, [path.join(ROOT, "scripts", "make-gpt2-small.py"), out + ".tmp"], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr.trim().split("\n").pop() ?? `exit ${r.status}`);
    console.error(
      `gpt2_small: skipped: ${PYTHON} scripts/make-gpt2-small.py failed (${why}); it needs apt-get install python3-torch python3-onnx`,
    );
    return null;
  }
  fs.renameSync(out + ".tmp", out);
  return out;
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
  { name: "kjv_gpt_gen16", file: "", args: [], reps: 7, prepare: generationManifest, tokens: GEN_TOKENS },
  { name: "gpt2_small", file: "", args: [], reps: 1, prepare: gpt2Small },
];

/** One `referee bench --json` line (node/cli/benchmark.ts), named by its row here. */
type Row = BenchResult & { model: string; compileMs: number; tokens?: number };

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
    const file = m.prepare ? m.prepare() : m.file;
    if (file === null) continue;
    const args = [path.join(ROOT, "bin", "referee.js"), "bench", file, ...m.args, "--json"];
    args.push("--reps", reps ?? String(m.reps));
    if (threads !== undefined) args.push("--threads", threads);
    const out = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const lines = out.trim().split("\n");
    rows.push({ ...(JSON.parse(lines[lines.length - 1]) as Row), model: m.name, tokens: m.tokens });
  }
  const T = rows[0]?.threads ?? 1;
  const header = [
    "model",
    "input",
    "steps N",
    "ort 1T",
    `ort ${T}T`,
    "referee 1T",
    "/ort 1T",
    `referee ${T}T`,
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
    fmtMs(r.executeThreadsMs),
    `${r.ratioThreads.toFixed(1)}x`,
    fmtMs(r.traceMs),
    fmtMs(r.commitMs),
    `${(r.commitMs / r.executeThreadsMs).toFixed(1)}x`,
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
  for (const r of rows) {
    if (r.tokens !== undefined)
      console.log(
        `\n${r.model}: greedy generation of ${r.tokens} tokens as one program: referee ${((r.tokens * 1000) / r.executeMs).toFixed(0)} tokens/s, ` +
          `onnxruntime decoding step by step ${((r.tokens * 1000) / r.ortMs).toFixed(0)} tokens/s (1 thread)`,
      );
    if (r.model === "gpt2_small")
      console.log(
        `\n${r.model} (12 layers, d = 768, vocabulary 50,257, 64-token context, random weights): compile ${fmtMs(r.compileMs)} ms, ` +
          `weight + program commitment ${fmtMs(r.modelCommitmentMs)} ms, one forward pass ${fmtMs(r.executeMs)} ms ` +
          `(onnxruntime ${fmtMs(r.ortMs)} ms), state query ${fmtMs(r.stateAtMs)} ms, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      );
  }
  console.log(
    `\ntimes in ms, warm medians of interleaved runs (${rows.map((r) => r.reps).join("/")}); onnxruntime-node CPU, ` +
      `1 or ${T} intra-op threads; referee = execute for the outputs (1 or ${T} threads); trace = execute keeping the halted memory (${T} threads); ` +
      `commit = every slot tree + final state hash on ${T} threads (model trees reused), against referee ${T}T; state@s = median state-at-step query; ` +
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
