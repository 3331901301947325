// Worker threads for the wasm engine: they run chunks of an instruction's kernel on the
// program's shared linear memory, alongside the main thread.
//
// The pool is created once per process (workers are unref'd, so they never keep it alive)
// and driven synchronously: execute() stays a plain function. One control block on a
// SharedArrayBuffer carries the current dispatch: the main thread sets the claim word NEXT
// to (seq, 0), writes the parameters (program, kernel, unit count, chunk size), bumps SEQ
// and wakes the workers. Every thread, the main one included, then claims chunks by
// compare-and-swap on NEXT until none is left; the main thread returns when FINISHED
// counts every chunk. Chunks are claimed, not assigned, so a worker the OS has descheduled
// (the machine may be busy) delays the instruction by at most the chunk it holds, and one
// that wakes late finds nothing left. NEXT carries the full 32-bit SEQ beside the chunk
// index, so a claim can only succeed in the dispatch whose parameters the worker read.
//
// Workers spin briefly before sleeping on SEQ (instructions follow each other within
// microseconds during a run) and sleep in Atomics.wait between runs.
//
// A worker learns a program's module and memory by message (a WebAssembly.Module and a
// shared Memory are posted, not copied); it reads them synchronously (receiveMessageOnPort)
// when a dispatch names a program it does not have, or when MAIL says something was posted.
// It keeps a few programs' instances; the main thread mirrors which, asks it to drop the
// oldest, and to drop a program as soon as the program is garbage collected (its memory is
// pinned by the workers' instances until then).
import { MessageChannel, MessagePort, Worker } from "worker_threads";
import { WasmMemory, WasmModule } from "./wa";

// Control block, as Int32 indices (NEXT: the BigInt64 at Int32 index 2·NEXT64).
const SEQ = 0;
const FINISHED = 1;
const PROG = 2;
const FN = 3;
const UNITS = 4;
const CHUNK = 5;
const WORKERS = 6;
const STATUS = 7;
/** (Int32 indices 8, 9) */
const NEXT64 = 4;
const WORKER_CHUNKS = 10;
/** Messages posted to the workers so far: a worker reads its port when this changes. */
const MAIL = 11;
const CONTROL_BYTES = 64;
/** Instances a worker keeps (each pins its program's memory). */
const WORKER_PROGRAMS = 4;
/** Atomics.load polls before a waiting thread sleeps on the futex. */
const SPIN = 20000;
/** Chunks per thread: small enough that threads finish together, few enough to claim cheaply. */
const CHUNKS_PER_THREAD = 4;

/** A program as the pool knows it: an id, and what a worker needs to instantiate it. */
export interface PoolProgram {
  id: number;
  module: WasmModule;
  memory: WasmMemory;
}

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
  /** Program ids this worker has instantiated, oldest first. */
  programs: number[];
}

type Driver = (from: number, to: number) => void;

/**
 * The worker's code: a function without free variables (it is serialized with toString and
 * run with `eval: true`), so the pool needs no separate worker file or loader.
 */
function workerMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const wt = require("worker_threads") as typeof import("worker_threads");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const data = wt.workerData as {
    control: SharedArrayBuffer;
    port: MessagePort;
    index: number;
    spin: number;
    layout: number[];
  };
  const [SEQ, FINISHED, PROG, FN, UNITS, CHUNK, WORKERS, STATUS, NEXT64, WORKER_CHUNKS, MAIL] = data.layout;
  const control = new Int32Array(data.control);
  const next = new BigInt64Array(data.control);
  type Exports = Record<string, (from: number, to: number) => void>;
  const programs = new Map<number, Exports>();
  interface Message {
    id: number;
    drop: boolean;
    module: unknown;
    memory: unknown;
  }
  const wasm = (
    globalThis as unknown as { WebAssembly: { Instance: new (m: unknown, i: unknown) => { exports: Exports } } }
  ).WebAssembly;
  /** Handle one posted message; false if there was none. */
  const readMail = (): boolean => {
    const got = wt.receiveMessageOnPort(data.port);
    if (got === undefined) return false;
    const m = got.message as Message;
    if (m.drop) programs.delete(m.id);
    else programs.set(m.id, new wasm.Instance(m.module, { e: { m: m.memory } }).exports);
    return true;
  };
  const instance = (id: number): Exports => {
    let fns = programs.get(id);
    while (fns === undefined) {
      if (!readMail()) throw new Error(`wasm worker: program ${id} was never sent`);
      fns = programs.get(id);
    }
    return fns;
  };
  let seq = 0;
  let mail = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, SEQ) === seq) {
      if (++spins > data.spin) Atomics.wait(control, SEQ, seq);
    }
    seq = Atomics.load(control, SEQ);
    const posted = Atomics.load(control, MAIL);
    if (posted !== mail) {
      mail = posted;
      while (readMail());
    }
    // Parameters read now are this dispatch's if a claim below succeeds (see runParallel).
    if (data.index >= Atomics.load(control, WORKERS)) continue;
    const units = Atomics.load(control, UNITS);
    const chunk = Atomics.load(control, CHUNK);
    const chunks = Math.ceil(units / chunk);
    const tag = BigInt(seq >>> 0) << 32n;
    let fns: Exports | null = null;
    for (;;) {
      const v = Atomics.load(next, NEXT64);
      const c = Number(v & 0xffffffffn);
      if ((v & ~0xffffffffn) !== tag || c >= chunks) break;
      if (Atomics.compareExchange(next, NEXT64, v, v + 1n) !== v) continue;
      try {
        fns ??= instance(Atomics.load(control, PROG));
        fns[`f${Atomics.load(control, FN)}`](c * chunk, Math.min(units, (c + 1) * chunk));
      } catch {
        Atomics.store(control, STATUS, 1);
      }
      Atomics.add(control, WORKER_CHUNKS, 1);
      if (Atomics.add(control, FINISHED, 1) + 1 === chunks) Atomics.notify(control, FINISHED);
    }
  }
}

const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
const next = new BigInt64Array(control.buffer);
const workers: PoolWorker[] = [];
let seq = 0;
let dispatches = 0;

/**
 * Instructions split so far, chunks the workers ran, workers started and the program
 * instances they hold (for tests and diagnostics).
 */
export function poolStats(): { dispatches: number; workerChunks: number; workers: number; instances: number } {
  return {
    dispatches,
    workerChunks: Atomics.load(control, WORKER_CHUNKS),
    workers: workers.length,
    instances: workers.reduce((n, w) => n + w.programs.length, 0),
  };
}

function startWorker(index: number): PoolWorker {
  const { port1, port2 } = new MessageChannel();
  const layout = [SEQ, FINISHED, PROG, FN, UNITS, CHUNK, WORKERS, STATUS, NEXT64, WORKER_CHUNKS, MAIL];
  const worker = new Worker(`(${workerMain.toString()})()`, {
    eval: true,
    workerData: { control: control.buffer, port: port2, index, spin: SPIN, layout },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  return { worker, port: port1, programs: [] };
}

/** Make sure worker w has program p's instance (posting it, and dropping its oldest). */
function ensureProgram(w: PoolWorker, p: PoolProgram): void {
  if (w.programs.includes(p.id)) return;
  if (w.programs.length >= WORKER_PROGRAMS) {
    const old = w.programs.shift()!;
    w.port.postMessage({ id: old, drop: true, module: null, memory: null });
  }
  w.port.postMessage({ id: p.id, drop: false, module: p.module, memory: p.memory });
  w.programs.push(p.id);
  Atomics.add(control, MAIL, 1);
}

/**
 * Let the workers drop program `id` (garbage collected on this thread): they release its
 * instance, and so its memory, at once. Not during a dispatch (runParallel is synchronous,
 * and this runs from a FinalizationRegistry callback, a task of its own).
 */
export function forgetProgram(id: number): void {
  let posted = false;
  for (const w of workers) {
    const at = w.programs.indexOf(id);
    if (at < 0) continue;
    w.programs.splice(at, 1);
    w.port.postMessage({ id, drop: true, module: null, memory: null });
    posted = true;
  }
  if (!posted) return;
  Atomics.add(control, MAIL, 1);
  // a dispatch for no worker: each one wakes, reads its mail and sleeps again
  seq = (seq + 1) | 0;
  Atomics.store(next, NEXT64, BigInt(seq >>> 0) << 32n);
  Atomics.store(control, WORKERS, 0);
  Atomics.store(control, SEQ, seq);
  Atomics.notify(control, SEQ);
}

/**
 * Run kernel `f<fn>` of program `p` (`local`: the same kernel on this thread) over units
 * [0, units) with this thread and threads − 1 workers, returning when every unit is done.
 * `first`: other work for this thread, done after waking the workers and before it claims
 * chunks (it must not touch the kernel's output). Throws if a worker failed (its chunk is
 * then undefined).
 */
export function runParallel(
  p: PoolProgram,
  fn: number,
  units: number,
  threads: number,
  local: Driver,
  first?: () => void,
): void {
  const n = threads - 1;
  while (workers.length < n) workers.push(startWorker(workers.length));
  for (let t = 0; t < n; t++) ensureProgram(workers[t], p);
  const chunk = Math.max(1, Math.floor(units / (threads * CHUNKS_PER_THREAD)));
  const chunks = Math.ceil(units / chunk);
  seq = (seq + 1) | 0;
  dispatches++;
  // NEXT first: from here on a worker still on an earlier dispatch (which may read these
  // parameters) fails every claim; one that reads this SEQ sees the parameters below.
  Atomics.store(next, NEXT64, BigInt(seq >>> 0) << 32n);
  Atomics.store(control, FINISHED, 0);
  Atomics.store(control, PROG, p.id);
  Atomics.store(control, FN, fn);
  Atomics.store(control, UNITS, units);
  Atomics.store(control, CHUNK, chunk);
  Atomics.store(control, WORKERS, n);
  Atomics.store(control, STATUS, 0);
  Atomics.store(control, SEQ, seq);
  Atomics.notify(control, SEQ);
  let failed: Error | null = null;
  try {
    first?.();
  } catch (e) {
    failed = e instanceof Error ? e : new Error(String(e));
  }
  for (;;) {
    const v = Atomics.load(next, NEXT64);
    const c = Number(v & 0xffffffffn);
    if (c >= chunks) break;
    if (Atomics.compareExchange(next, NEXT64, v, v + 1n) !== v) continue;
    try {
      local(c * chunk, Math.min(units, (c + 1) * chunk));
    } catch (e) {
      failed ??= e instanceof Error ? e : new Error(String(e));
    }
    Atomics.add(control, FINISHED, 1);
  }
  let spins = 0;
  for (;;) {
    const done = Atomics.load(control, FINISHED);
    if (done === chunks) break;
    if (++spins > SPIN) Atomics.wait(control, FINISHED, done);
  }
  if (failed !== null) throw failed;
  if (Atomics.load(control, STATUS) !== 0) throw new Error(`wasm worker failed running kernel f${fn}`);
}
