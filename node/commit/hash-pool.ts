// Slot trees hashed on worker threads (node:worker_threads). One pool per process: workers
// start once (~tens of ms each) and serve every later commitment; they are unref'd while
// idle so they never keep the process alive, and ref'd while a job runs so an awaited
// commitment is not cut short by the event loop emptying.
//
// A job: slots whose values already live in a SharedArrayBuffer are read there (no copy);
// the others are copied into ONE SharedArrayBuffer, in slot order, publishing progress
// through an Atomics counter so workers start hashing the first slots while later ones are
// still being copied. (Transferring instead is free but hands the buffer to ONE worker and
// detaches the caller's arrays: the VM's activations are views of a single buffer.) The
// copy is the one serial part: first-touch page faults make it ~0.5 GB/s, slower than two
// workers consume values when the cores are shared; memory the VM hands over in a
// SharedArrayBuffer skips it. Work is cut into tasks (a small slot whole, a big slot in subtrees of
// 2^TASK_LOG leaves) that workers claim with Atomics.add: no message per task, and the
// load balances itself. Workers write levels straight into a SharedArrayBuffer per space
// that the resulting trees keep as storage; the few levels above the subtrees of big slots
// are finished here.
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { TENSOR_NODE } from "./domains";
import { depthFor, leafCount } from "./leaves";
import {
  KernelLayout,
  TreeKernel,
  WasmLike,
  hashSubtrees,
  instantiateKernel,
  kernelLayout,
  kernelModule,
  levelOffsets,
  levelViews,
  localKernel,
} from "./tree-kernel";
import { SlotTree, tensorZeros } from "./tree";

/** log2 of the leaves per task of a big slot: 2^14 leaves ≈ 16k hashes ≈ 4 ms. */
const TASK_LOG = 14;
// Job tables, Float64Array rows of 4 (workerMain reads them with literal 4s: it cannot see
// module constants). Slots, 5 columns: space, input buffer, input byte offset, length
// (values), output byte offset. Tasks, 4: slot, first leaf, leaves, top level.
const SLOT_COLS = 5;

/** Threads used when none are asked for: every core the process may use. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

interface InitMessage {
  type: "init";
  module: object;
  simd: boolean;
  layout: KernelLayout;
  zeros: Uint8Array;
  prefix: number;
}

interface JobMessage {
  type: "job";
  id: number;
  /** [0]: the job's copy of the slots not already shared; then the caller's shared buffers. */
  inputs: SharedArrayBuffer[];
  outputs: SharedArrayBuffer[];
  slots: Float64Array;
  tasks: Float64Array;
  /** [next task, slots copied, aborted] */
  control: SharedArrayBuffer;
}

interface DoneMessage {
  id: number;
  error?: string;
}

/**
 * The worker's whole program. Runs from its source text (see workerSource): it may use only
 * its parameters and globals.
 */
function workerMain(
  instantiate: typeof instantiateKernel,
  hashRange: typeof hashSubtrees,
  views: typeof levelViews,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  const wasm = (globalThis as unknown as { WebAssembly: WasmLike }).WebAssembly;
  let kernel: TreeKernel | null = null;
  let init: InitMessage | null = null;
  const port = parentPort!;
  port.on("message", (msg: InitMessage | JobMessage) => {
    if (msg.type === "init") {
      init = msg;
      kernel = instantiate(wasm, msg.module, msg.simd, msg.layout);
      return;
    }
    try {
      if (kernel === null || init === null) throw new Error("hash worker: job before init");
      const ctrl = new Int32Array(msg.control);
      const nTasks = msg.tasks.length / 4;
      for (;;) {
        const t = Atomics.add(ctrl, 0, 1);
        if (t >= nTasks || Atomics.load(ctrl, 2) !== 0) break;
        const slot = msg.tasks[4 * t];
        // Wait until the main thread has copied this slot's values.
        for (let seen = Atomics.load(ctrl, 1); seen <= slot; seen = Atomics.load(ctrl, 1)) {
          if (Atomics.load(ctrl, 2) !== 0) throw new Error("hash job aborted");
          Atomics.wait(ctrl, 1, seen, 1000);
        }
        const space = msg.slots[5 * slot];
        const inBuf = msg.slots[5 * slot + 1];
        const inOff = msg.slots[5 * slot + 2];
        const length = msg.slots[5 * slot + 3];
        const outOff = msg.slots[5 * slot + 4];
        const count = Math.max(1, Math.ceil(length / 8)); // leafCount, depthFor
        let depth = 0;
        while (2 ** depth < count) depth++;
        const levels = views(msg.outputs[space], outOff, count, depth);
        const values = new Uint8Array(msg.inputs[inBuf], inOff, 4 * length);
        const top = msg.tasks[4 * t + 3];
        hashRange(
          kernel,
          init.layout,
          init.prefix,
          values,
          msg.tasks[4 * t + 1],
          msg.tasks[4 * t + 2],
          0,
          top,
          levels,
          init.zeros,
        );
      }
      port.postMessage({ id: msg.id } satisfies DoneMessage);
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) } satisfies DoneMessage);
    }
  });
}

/** The worker's source: workerMain applied to the kernel functions, as text. */
function workerSource(): string {
  const fns = [instantiateKernel, hashSubtrees, levelViews].map((f) => f.toString());
  return `(${workerMain.toString()})(${fns.join(", ")});`;
}

interface PendingJob {
  remaining: number;
  errors: string[];
  resolve: () => void;
  reject: (e: Error) => void;
}

/** The process's hashing workers. */
export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, PendingJob>();
  private nextId = 1;
  private init: InitMessage | null = null;

  /** Workers started so far. */
  get size(): number {
    return this.workers.length;
  }

  private initMessage(): InitMessage {
    if (this.init === null) {
      localKernel(); // self-tests the module before any worker gets it
      const { module, simd } = kernelModule();
      this.init = { type: "init", module, simd, layout: kernelLayout(), zeros: tensorZeros(), prefix: TENSOR_NODE };
    }
    return this.init;
  }

  /** Start workers until there are `n`. */
  private grow(n: number): void {
    while (this.workers.length < n) {
      const w = new Worker(workerSource(), { eval: true });
      w.on("message", (m: DoneMessage) => this.finished(m));
      w.on("error", (e: Error) => this.failed(w, `hash worker failed: ${e.message}`));
      w.on("exit", (code) => this.failed(w, `hash worker exited (code ${code})`));
      w.postMessage(this.initMessage());
      if (this.jobs.size === 0) w.unref();
      this.workers.push(w);
    }
  }

  private finished(m: DoneMessage): void {
    const job = this.jobs.get(m.id);
    if (job === undefined) return;
    if (m.error !== undefined) job.errors.push(m.error);
    if (--job.remaining > 0) return;
    this.jobs.delete(m.id);
    if (this.jobs.size === 0) for (const w of this.workers) w.unref();
    if (job.errors.length > 0) job.reject(new Error(job.errors[0]));
    else job.resolve();
  }

  /** A worker died: it leaves the pool and every job in flight fails (its tasks are lost). */
  private failed(w: Worker, why: string): void {
    const i = this.workers.indexOf(w);
    if (i < 0) return;
    this.workers.splice(i, 1);
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) j.reject(new Error(why));
  }

  /**
   * Build the slot trees of every slot of every space on `threads` workers (≥ 1). The
   * trees' levels live in one SharedArrayBuffer per space.
   */
  async buildSlotTrees(spaces: readonly (readonly Float32Array[])[], threads: number): Promise<SlotTree[][]> {
    if (!(Number.isSafeInteger(threads) && threads >= 1)) throw new RangeError(`threads must be ≥ 1, got ${threads}`);
    const flat = spaces.flatMap((slots, s) => slots.map((values) => ({ s, values })));
    // Layout: where each slot's values are (the job's copy, or the caller's buffer when it
    // is already shared: no copy at all), output offsets per space, the task list.
    const inputs: SharedArrayBuffer[] = [];
    const sharedIndex = new Map<SharedArrayBuffer, number>();
    const slots = new Float64Array(SLOT_COLS * flat.length);
    const outBytes = spaces.map(() => 0);
    const tasks: number[] = [];
    const split: number[] = [];
    let inBytes = 0;
    flat.forEach(({ s, values }, i) => {
      const count = leafCount(values.length);
      const depth = depthFor(count);
      if (values.buffer instanceof SharedArrayBuffer) {
        const b = values.buffer;
        if (!sharedIndex.has(b)) sharedIndex.set(b, sharedIndex.size + 1);
        slots.set([s, sharedIndex.get(b)!, values.byteOffset, values.length, outBytes[s]], SLOT_COLS * i);
      } else {
        slots.set([s, 0, inBytes, values.length, outBytes[s]], SLOT_COLS * i);
        inBytes += values.byteLength;
      }
      outBytes[s] += levelOffsets(count, depth)[depth + 1];
      if (depth <= TASK_LOG) {
        tasks.push(i, 0, count, depth);
      } else {
        split.push(i);
        for (let f = 0; f < count; f += 2 ** TASK_LOG) tasks.push(i, f, Math.min(2 ** TASK_LOG, count - f), TASK_LOG);
      }
    });
    const copy = new SharedArrayBuffer(Math.max(1, inBytes));
    inputs.push(copy, ...sharedIndex.keys());
    const outputs = outBytes.map((b) => new SharedArrayBuffer(Math.max(1, b)));
    const control = new SharedArrayBuffer(12);
    const ctrl = new Int32Array(control);
    const msg: JobMessage = {
      type: "job",
      id: this.nextId++,
      inputs,
      outputs,
      slots,
      tasks: Float64Array.from(tasks),
      control,
    };
    this.grow(threads);
    const done = new Promise<void>((resolve, reject) => {
      this.jobs.set(msg.id, { remaining: threads, errors: [], resolve, reject });
    });
    for (const w of this.workers) w.ref();
    for (let k = 0; k < threads; k++) this.workers[k].postMessage(msg);
    // Copy in slot order while the workers hash what is already there.
    const inView = new Uint8Array(copy);
    try {
      flat.forEach(({ values }, i) => {
        if (!(values.buffer instanceof SharedArrayBuffer)) {
          inView.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), slots[SLOT_COLS * i + 2]);
        }
        Atomics.store(ctrl, 1, i + 1);
        Atomics.notify(ctrl, 1);
      });
    } catch (e) {
      Atomics.store(ctrl, 2, 1);
      Atomics.notify(ctrl, 1);
      await done.catch(() => undefined);
      throw e;
    }
    await done;
    // Levels above the task subtrees of big slots, on this thread (a few hashes per task).
    const { kernel, layout } = localKernel();
    const levelsOf = (i: number): Uint8Array[] => {
      const count = leafCount(flat[i].values.length);
      return levelViews(outputs[flat[i].s], slots[SLOT_COLS * i + 4], count, depthFor(count));
    };
    for (const i of split) {
      const count = leafCount(flat[i].values.length);
      const empty = new Uint8Array(0);
      hashSubtrees(kernel, layout, TENSOR_NODE, empty, 0, count, TASK_LOG, depthFor(count), levelsOf(i), tensorZeros());
    }
    const trees = spaces.map((): SlotTree[] => []);
    flat.forEach(({ s, values }, i) => trees[s].push(SlotTree.fromLevels(values, levelsOf(i))));
    return trees;
  }

  /** Stop every worker (jobs in flight fail). The pool can be used again afterwards. */
  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

let shared: HashPool | null = null;

/** The process-wide pool. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}

/** Stop the process-wide pool's workers (they are unref'd: needed only to free them early). */
export async function closeHashPool(): Promise<void> {
  if (shared !== null) await shared.close();
}
