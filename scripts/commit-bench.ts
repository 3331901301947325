// Commitment speed against execution and against the keccak floor, side by side in one
// process: PP-OCRv4 recognizer and detector. Per model: execute time; all commitments (every
// slot tree, the program tree, the final state hash) on the calling thread (build) and on
// 1..N worker threads (create); the floor = (leaf + node hashes) / this machine's kernel
// keccak rate, per thread count; a state-at-step query. Wall medians and minima, and CPU
// time (all threads of the process).
//
// Usage: npx ts-node --transpile-only scripts/commit-bench.ts [--reps n] [--threads 1,2] [rec|det ...]
import * as fs from "fs";
import * as path from "path";
import { TraceCommitter, closeHashPool, depthFor, initHasher, leafCount } from "../node/commit";
import { localKernel } from "../node/commit/tree-kernel";
import { compileModel } from "../node/compiler/compile";
import { mulberry32 } from "../node/fo32/mulberry32";
import { randomInputs } from "../node/io/random";
import type { Memory } from "../node/vm/memory";
import { execute } from "../node/vm/execute";
import { programSteps } from "../node/vm/layout";

const ASSETS = path.join(__dirname, "..", "node_modules", "@gutenye", "ocr-models", "assets");
const MODELS: Record<string, { file: string; shape: number[] }> = {
  rec: { file: "ch_PP-OCRv4_rec_infer.onnx", shape: [1, 3, 48, 320] },
  det: { file: "ch_PP-OCRv4_det_infer.onnx", shape: [1, 3, 320, 320] },
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(f: () => unknown): Promise<{ ms: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1e3 };
}

/** Leaf packing is free; every tree node of every slot is one 64-byte keccak. */
function hashCount(memory: Memory): number {
  let n = 0;
  for (const v of [...memory.weights, ...memory.inputs, ...memory.activations]) {
    let c = leafCount(v.length);
    for (let d = depthFor(c); d > 0; d--) n += c = Math.ceil(c / 2);
  }
  return n;
}

/** This thread's kernel, hashing 64-byte messages in place: messages per second of CPU. */
function keccakRate(): number {
  const { kernel, layout } = localKernel();
  const n = 4096;
  kernel.mem.fill(7, layout.buf, layout.buf + 64 * n);
  for (let i = 0; i < 50; i++) kernel.hash(1, layout.buf, n, layout.buf);
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 100; i++) kernel.hash(1, layout.buf, n, layout.buf);
    const c = process.cpuUsage(c0);
    rates.push((100 * n) / ((c.user + c.system) / 1e6));
  }
  return median(rates);
}

/** The same memory with every space in one SharedArrayBuffer each (what a VM arena in shared memory gives). */
function sharedCopy(memory: Memory): Memory {
  const share = (slots: Float32Array[]): Float32Array[] => {
    const buf = new SharedArrayBuffer(slots.reduce((n, v) => n + v.byteLength, 0));
    let at = 0;
    return slots.map((v) => {
      const out = new Float32Array(buf, at, v.length);
      out.set(v);
      at += v.byteLength;
      return out;
    });
  };
  return { weights: share(memory.weights), inputs: share(memory.inputs), activations: share(memory.activations) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(opt("--reps") ?? 5);
  const threadList = (opt("--threads") ?? "1,2").split(",").map(Number);
  const names = argv.filter((a) => a in MODELS);
  await initHasher();
  const rate = keccakRate();
  console.log(`kernel keccak: ${(rate / 1e6).toFixed(2)} M hashes/s per core (CPU time)`);
  for (const name of names.length > 0 ? names : ["rec", "det"]) {
    const m = MODELS[name];
    const program = compileModel(fs.readFileSync(path.join(ASSETS, m.file)), { shapes: { x: m.shape } }).program;
    const inputs = randomInputs(program.inputs, 1);
    let memory = execute(program, inputs);
    const exec: number[] = [];
    for (let r = 0; r < reps; r++) exec.push((await timed(() => (memory = execute(program, inputs)))).ms);
    const hashes = hashCount(memory);
    const floor1 = (hashes / rate) * 1e3;
    const mb = memory.activations.reduce((n, v) => n + v.byteLength, 0) / 1e6;
    console.log(
      `\n${name} ${m.shape.join("x")}: ${program.instructions.length} instructions, ${mb.toFixed(0)} MB activations, ` +
        `${(hashes / 1e6).toFixed(2)} M hashes; execute ${median(exec).toFixed(0)} ms ` +
        `(median of ${reps}, min ${Math.min(...exec).toFixed(0)})`,
    );
    // Medians, and minima (on a shared machine the least disturbed sample).
    const row = (label: string, ts: { ms: number; cpu: number }[], threads: number): void => {
      const ms = median(ts.map((t) => t.ms));
      const min = Math.min(...ts.map((t) => t.ms));
      const floor = floor1 / Math.max(1, threads);
      const cpu = median(ts.map((t) => t.cpu)).toFixed(0);
      console.log(
        `  ${label.padEnd(32)} ${ms.toFixed(0).padStart(5)} ms (min ${min.toFixed(0)})  cpu ${cpu.padStart(5)} ms  ` +
          `${(ms / median(exec)).toFixed(2)}x execute (min/min ${(min / Math.min(...exec)).toFixed(2)})  ` +
          `floor ${floor.toFixed(0)} ms (${(ms / floor).toFixed(2)}x, min ${(min / floor).toFixed(2)}x)`,
      );
    };
    let trace: TraceCommitter | null = null;
    const sync: { ms: number; cpu: number }[] = [];
    for (let r = 0; r < reps; r++) {
      sync.push(
        await timed(() => {
          trace = TraceCommitter.build(program, memory);
          trace.finalState();
        }),
      );
    }
    row("build (calling thread)", sync, 1);
    const shared = sharedCopy(memory);
    for (const threads of threadList) {
      for (const [label, mem] of [
        ["create", memory],
        ["create, memory in SAB", shared],
      ] as const) {
        const first = await timed(async () => (await TraceCommitter.create(program, mem, { threads })).finalState());
        const ts: { ms: number; cpu: number }[] = [];
        for (let r = 0; r < reps; r++) {
          ts.push(await timed(async () => (await TraceCommitter.create(program, mem, { threads })).finalState()));
        }
        row(`${label}, ${threads} thread${threads > 1 ? "s" : ""}`, ts, threads);
        if (label === "create") console.log(`    (first call, workers starting: ${first.ms.toFixed(0)} ms)`);
      }
    }
    const rand = mulberry32(7);
    const n = programSteps(program);
    const q: number[] = [];
    for (let i = 0; i < 25; i++) {
      const s = Math.floor((rand() / 4294967296) * (n + 1));
      q.push((await timed(() => trace!.stateAt(s))).ms);
    }
    console.log(
      `  stateAt (25 random steps of ${n}): median ${median(q).toFixed(1)} ms, max ${Math.max(...q).toFixed(1)} ms`,
    );
  }
  await closeHashPool();
}

void main();
