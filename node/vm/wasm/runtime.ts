// The WebAssembly engine: one module per program (one exported function per instruction
// that has a wasm kernel), one linear memory per run holding every slot.
//
// Layout: weights, inputs, activations, each slot at a 16-byte aligned byte offset, plus a
// tail pad (the stride-2 lane loads read one element past their last lane). The memory is
// sized once per program and never grown. The returned Memory's weights and inputs are the
// caller's arrays (their copies in linear memory are what the kernels read); its
// activations are copied out of linear memory at the end of the run.
//
// Instructions without a wasm kernel (Move, Map ops without wasm code) run the JS kernel of
// execute.ts on the same views; a Dot whose epilogue has no wasm code stores acc (+ bias)
// and the epilogue is applied in JS right after.
//
// Threads: the memory is shared, and a kernel's driver runs a range of the units of its
// outermost loop (emitter.ts), so an instruction big enough is split across worker threads
// (pool.ts) that run the same module on the same memory. Every output element is computed
// by the same code in the same order whichever thread runs it: the result is bit-identical
// for any thread count. JS kernels and JS epilogues run on the main thread.
import { Program, SlotRef, Space } from "../../program/isa";
import * as fo32 from "../../fo32";
import { Memory } from "../memory";
import type { FnBuilder } from "./encoder";
import type { KernelOptions } from "./kernels";
import type { DriverSplit } from "./emitter";
import { ModuleCache, moduleCache, programKey } from "./module-cache";
import { PoolProgram, forgetProgram, runParallel } from "./pool";
import { ProgramShape, sameShape, shapeOf } from "./shape";
import { WA, WasmMemory, WasmModule } from "./wa";

const PAGE = 65536;
/** Linear memory limit for this engine (beyond it the JS engine runs the program). */
const MAX_PAGES = 32768; // 2 GiB
const TAIL_PAD = 64;
/**
 * Below this many element operations (output elements × reduction steps) an instruction
 * runs on the main thread alone: waking a worker and waiting for it costs more.
 */
export const MIN_PARALLEL_WORK = 1 << 17;
/**
 * Below this much work in instructions that could be split (element operations, about 7 ms
 * on one thread) a whole run stays on the main thread, and no worker is started. Measured
 * on the OCR classifier (16M, 31 instructions of 0.15-1.2M, 2.3 ms on one thread), 2
 * threads took 5.3-6.6 ms: a worker asleep between runs takes 0.3-0.5 ms to wake for the
 * first chunk it claims (a kernel of 17 µs split after a 200 µs pause took 296 µs), the
 * whole saving at best is half the split kernels' time (~1 ms), and starting a worker costs
 * a one-shot run more than that. The PP-OCRv4 recognizer and detector (724M and 651M) do
 * split.
 */
export const MIN_PROGRAM_PARALLEL_WORK = 1 << 26;

export interface WasmProgram {
  module: WasmModule;
  pages: number;
  /** Whether the module imports a shared memory (which worker threads can run it on). */
  shared: boolean;
  /**
   * Byte offsets of the slots in linear memory, per space. Activation slots share space
   * when their live ranges do not overlap (see placeActivations).
   */
  offsets: { weights: number[]; inputs: number[]; activations: number[] };
  /** Byte offsets of the activation slots in the result buffer, and its size. */
  resultOffsets: number[];
  resultBytes: number;
  /** Per instruction: its kernel (export `f<i>`) or null (JS kernel). */
  kernels: (KernelInfo | null)[];
  state: RunState | null;
}

/** What the run needs of a kernel besides its code. */
export interface KernelInfo {
  /** Dot epilogue not available in wasm: JS applies it to the stored acc (+ bias). */
  post: ((x: number) => number) | null;
  /** Description for debugging / tests. */
  info: string;
  /** The driver's units: `f<i>(from, to)` runs units [from, to). */
  split: DriverSplit;
  /** Element operations (output elements × reduction steps): whether splitting pays. */
  work: number;
}

/** Work (element operations) of the kernels in [0, stop) of at least `min` that can be split. */
function splittableWork(wp: WasmProgram, stop: number, min: number): number {
  let sum = 0;
  for (let i = 0; i < stop; i++) {
    const k = wp.kernels[i];
    if (k !== null && k.split.blocks + k.split.rest > 1 && k.work >= min) sum += k.work;
  }
  return sum;
}

type Driver = (from: number, to: number) => void;

interface RunState {
  buffer: ArrayBuffer;
  /** The program as worker threads know it (shared memory only). */
  pool: PoolProgram | null;
  fns: (Driver | null)[];
  /** Views of the activation slots in linear memory (slots with disjoint live ranges alias). */
  views: Float32Array[];
  bytes: Uint8Array[];
}

let simdSupport: boolean | undefined;
let sharedSupport: boolean | undefined;

/** Whether this runtime can share a wasm memory between threads. */
export function sharedMemoryAvailable(): boolean {
  if (sharedSupport === undefined) {
    try {
      new WA!.Memory({ initial: 1, maximum: 1, shared: true });
      sharedSupport = typeof SharedArrayBuffer === "function";
    } catch {
      sharedSupport = false;
    }
  }
  return sharedSupport;
}

/** Whether this runtime has WebAssembly with 128-bit SIMD. */
export function wasmAvailable(): boolean {
  if (simdSupport === undefined) {
    try {
      // (func (result v128) v128.const 0) — validates only with SIMD support
      const bytes = Uint8Array.from([
        0x00,
        0x61,
        0x73,
        0x6d,
        0x01,
        0x00,
        0x00,
        0x00,
        0x01,
        0x05,
        0x01,
        0x60,
        0x00,
        0x01,
        0x7b,
        0x03,
        0x02,
        0x01,
        0x00,
        0x0a,
        0x16,
        0x01,
        0x14,
        0x00,
        0xfd,
        0x0c,
        ...new Array<number>(16).fill(0),
        0x0b,
      ]);
      simdSupport = WA !== undefined && WA.validate(bytes);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport === true;
}

const cache = new WeakMap<Program, { shape: ProgramShape; wp: WasmProgram | null }>();

/**
 * The compiled wasm engine for a (validated) program, or null if it cannot run in wasm.
 * With default options the module comes from `modules` (module-cache.ts) when a program of
 * the same structure was compiled before, in this process or (on disk) an earlier one.
 */
export function wasmProgram(
  program: Program,
  options: KernelOptions = {},
  modules: ModuleCache | null = moduleCache(),
): WasmProgram | null {
  const useCache = Object.keys(options).length === 0;
  if (useCache) {
    const hit = cache.get(program);
    if (hit !== undefined && sameShape(hit.shape, program)) return hit.wp;
  }
  const wp = compile(program, options, useCache ? modules : null);
  if (useCache) cache.set(program, { shape: shapeOf(program), wp });
  return wp;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * Linear-memory offsets of the activation slots, from `start`: a slot occupies its bytes
 * from the instruction that writes it to the last instruction that reads it (it is copied
 * out to the result right after being written), and slots with disjoint live ranges share
 * space (first fit). The working set stays small and cache-resident. Returns the offsets
 * and the end of the region.
 */
function placeActivations(program: Program, start: number): { offsets: number[]; end: number } {
  const n = program.activations.length;
  const lastUse = new Array<number>(n).fill(-1);
  const writer = new Array<number>(n).fill(-1);
  program.instructions.forEach((ins, i) => {
    writer[ins.out.index] = i;
    for (const op of ins.inputs) if (op.slot.space === Space.Activation) lastUse[op.slot.index] = i;
  });
  const offsets = new Array<number>(n).fill(start);
  // Free list of [offset, end) intervals, sorted; the region grows at `end`.
  let free: [number, number][] = [];
  let end = start;
  const live: { slot: number; until: number }[] = [];
  program.instructions.forEach((ins, i) => {
    // release slots whose last reader came before this instruction
    for (let j = live.length - 1; j >= 0; j--) {
      if (live[j].until < i) {
        const s = live[j].slot;
        free.push([offsets[s], offsets[s] + align16(program.activations[s].length * 4)]);
        live.splice(j, 1);
      }
    }
    free.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const iv of free) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[1] === iv[0]) last[1] = iv[1];
      else merged.push([iv[0], iv[1]]);
    }
    free = merged;
    const o = ins.out.index;
    const size = align16(program.activations[o].length * 4);
    const k = free.findIndex((iv) => iv[1] - iv[0] >= size);
    if (k >= 0) {
      offsets[o] = free[k][0];
      free[k][0] += size;
      if (free[k][0] === free[k][1]) free.splice(k, 1);
    } else {
      offsets[o] = end;
      end += size;
    }
    live.push({ slot: o, until: Math.max(i, lastUse[o]) });
  });
  void writer;
  return { offsets, end };
}

function compile(program: Program, options: KernelOptions, modules: ModuleCache | null): WasmProgram | null {
  if (!wasmAvailable()) return null;
  let at = 0;
  const place = (len: number): number => {
    const off = at;
    at += align16(len * 4);
    return off;
  };
  const weights = program.weights.map((w) => place(w.data.length));
  const inputs = program.inputs.map((s) => place(s.dims.reduce((p, d) => p * d, 1)));
  const placed = placeActivations(program, at);
  const offsets = { weights, inputs, activations: placed.offsets };
  const pages = Math.max(1, Math.ceil((placed.end + TAIL_PAD) / PAGE));
  if (pages > MAX_PAGES) return null;
  const shared = sharedMemoryAvailable();
  let resultBytes = 0;
  const resultOffsets = program.activations.map((a) => {
    const off = resultBytes;
    resultBytes += align16(a.length * 4);
    return off;
  });
  const base = (ref: SlotRef): number => {
    switch (ref.space) {
      case Space.Weight:
        return offsets.weights[ref.index];
      case Space.Input:
        return offsets.inputs[ref.index];
      case Space.Activation:
        return offsets.activations[ref.index];
    }
  };
  // The emitted bytes depend on the instructions and on where each slot sits.
  const key =
    modules === null
      ? null
      : programKey(program, [shared ? 1 : 0, pages, ...offsets.weights, ...offsets.inputs, ...offsets.activations]);
  const hit = key === null ? null : modules!.get(key, program.instructions.length);
  if (hit !== null) {
    // A Dot's JS epilogue is its op's FO32 closure (what buildKernel puts in Kernel.post).
    const kernels = hit.kernels.map((k, i) => {
      const ins = program.instructions[i];
      if (k === null) return null;
      const post = k.post ? fo32.unaryFunction(ins.op, ins.params) : null;
      return { post, info: k.info, split: k.split, work: workOf(program, i) };
    });
    return { module: hit.module, pages, shared, offsets, resultOffsets, resultBytes, kernels, state: null };
  }
  // Loaded on a miss only: planning, emission and the ops' probes are ~15 ms of module
  // loading that a run from a cached module never needs.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildKernel } = require("./kernels") as typeof import("./kernels");
  const { buildModule } = require("./encoder") as typeof import("./encoder");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const kernels = program.instructions.map((ins) => buildKernel(ins, base, options));
  // Kernel bodies are position independent (slot bases are parameters): instructions of
  // the same structure share one function, which V8 then optimizes once.
  const fns: FnBuilder[] = [];
  const names: (string | null)[] = [];
  const byBody = new Map<string, FnBuilder>();
  const canonical = new Map<FnBuilder, FnBuilder>();
  kernels.forEach((k) => {
    if (k === null) return;
    for (const f of k.fns.slice(1)) {
      const key = `${f.params}:${Buffer.from(f.body()).toString("latin1")}`;
      let c = byBody.get(key);
      if (c === undefined) {
        c = f;
        byBody.set(key, f);
        fns.push(f);
        names.push(null);
      }
      canonical.set(f, c);
    }
  });
  kernels.forEach((k, i) => {
    if (k === null) return;
    const driver = k.fns[0];
    driver.calls.forEach((call) => (call[1] = canonical.get(call[1]) ?? call[1]));
    fns.push(driver);
    names.push(`f${i}`);
  });
  const bytes = buildModule(pages, fns, names, shared);
  const module = new WA!.Module(bytes);
  const meta = kernels.map((k) => (k === null ? null : { info: k.info, post: k.post !== null, split: k.split }));
  if (key !== null) modules!.put(key, bytes, { module, kernels: meta });
  return {
    module,
    pages,
    shared,
    offsets,
    resultOffsets,
    resultBytes,
    kernels: kernels.map((k, i) =>
      k === null ? null : { post: k.post, info: k.info, split: k.split, work: workOf(program, i) },
    ),
    state: null,
  };
}

function workOf(program: Program, i: number): number {
  const ins = program.instructions[i];
  const product = (xs: readonly number[]): number => xs.reduce((p, d) => p * d, 1);
  return product(ins.iterDims) * Math.max(1, product(ins.redDims));
}

let programIds = 0;
/** Programs whose memory worker threads hold: released there once the program is collected. */
const pooled = new FinalizationRegistry<number>(forgetProgram);

/** Whether activation slots a and b occupy disjoint bytes of linear memory. */
function disjoint(wp: WasmProgram, program: Program, a: number, b: number): boolean {
  const [x, y] = [wp.offsets.activations[a], wp.offsets.activations[b]];
  return x + program.activations[a].length * 4 <= y || y + program.activations[b].length * 4 <= x;
}

function copyInto(buffer: ArrayBuffer, offset: number, src: Float32Array): void {
  new Uint8Array(buffer, offset, src.length * 4).set(new Uint8Array(src.buffer, src.byteOffset, src.length * 4));
}

/** The program's private linear memory and instance, created on first use and reused. */
function stateOf(wp: WasmProgram, program: Program): RunState {
  if (wp.state === null) {
    const memory: WasmMemory = new WA!.Memory({ initial: wp.pages, maximum: wp.pages, shared: wp.shared });
    const inst = new WA!.Instance(wp.module, { e: { m: memory } });
    // (a SharedArrayBuffer for a shared memory: typed arrays over it work the same)
    const buffer = memory.buffer;
    program.weights.forEach((w, i) => copyInto(buffer, wp.offsets.weights[i], w.data));
    const exports = inst.exports as Record<string, Driver>;
    wp.state = {
      buffer,
      pool: wp.shared ? { id: ++programIds, module: wp.module, memory } : null,
      fns: wp.kernels.map((k, i) => (k === null ? null : exports[`f${i}`])),
      views: program.activations.map((a, i) => new Float32Array(buffer, wp.offsets.activations[i], a.length)),
      bytes: program.activations.map((a, i) => new Uint8Array(buffer, wp.offsets.activations[i], a.length * 4)),
    };
    if (wp.state.pool !== null) pooled.register(wp, wp.state.pool.id);
  }
  return wp.state;
}

/**
 * Run instructions [0, stop) of `program` on `inputs` with the wasm engine. `fallback` runs
 * one instruction in JS on the memory. Inputs are assumed checked by the caller.
 *
 * The linear memory is private to the program and reused by every run (weights are copied
 * in once); each activation slot is copied out to the result buffer right after the
 * instruction that writes it, so the returned Memory never aliases linear memory. (A fresh
 * linear memory per run costs more: the first touch of each of its pages faults, ~6 ms for
 * the 10 MB of activations of the OCR classifier.)
 *
 * `keep`: when given, only the activation slots it marks are copied out (the others are
 * empty arrays in the returned Memory). A run that needs only the outputs (a claim under
 * claim flow v3; a comparison) skips copying the whole trace: on the PP-OCRv4 recognizer
 * that copy (144 MB into fresh pages) costs as much as a third of the run.
 *
 * `threads`: threads to split each kernel of at least `minParallelWork` element operations
 * across (this one and threads − 1 workers); 1 runs everything here. A run whose kernels of
 * that size add up to less than `minProgramWork` runs here alone (MIN_PROGRAM_PARALLEL_WORK).
 * The result is the same for any values.
 */
export function executeWasm(
  wp: WasmProgram,
  program: Program,
  inputs: Float32Array[],
  stop: number,
  fallback: (memory: Memory, index: number) => void,
  canonicalize: (bits: Uint32Array) => void,
  keep: readonly boolean[] | null = null,
  threads = 1,
  minParallelWork = MIN_PARALLEL_WORK,
  minProgramWork = MIN_PROGRAM_PARALLEL_WORK,
): Memory {
  const st = stateOf(wp, program);
  const parallel = threads > 1 && splittableWork(wp, stop, minParallelWork) >= minProgramWork;
  const pool = parallel ? st.pool : null;
  inputs.forEach((x, i) => copyInto(st.buffer, wp.offsets.inputs[i], x));
  let resultOffsets = wp.resultOffsets;
  let resultBytes = wp.resultBytes;
  if (keep !== null) {
    resultBytes = 0;
    resultOffsets = program.activations.map((a, i) => {
      if (keep[i] !== true) return -1;
      const off = resultBytes;
      resultBytes += align16(a.length * 4);
      return off;
    });
  }
  // The result, in shared memory: the commitments' worker threads hash its slots in place
  // (node/commit/hash-pool.ts) instead of copying 150 MB first. Zeroed by the OS, then
  // every kept byte is written below.
  const result = new Uint8Array(new SharedArrayBuffer(resultBytes));
  const work: Memory = { weights: program.weights.map((w) => w.data), inputs, activations: st.views };
  const split = (i: number): boolean => {
    const k = wp.kernels[i];
    return pool !== null && k !== null && k.split.blocks + k.split.rest > 1 && k.work >= minParallelWork;
  };
  // The copy out of the last output, deferred into the next (split) instruction: the main
  // thread copies while the workers start on their chunks, then joins them.
  let pending = -1;
  const copyPending = (): void => {
    if (pending >= 0) result.set(st.bytes[pending], resultOffsets[pending]);
    pending = -1;
  };
  for (let i = 0; i < stop; i++) {
    const f = st.fns[i];
    const o = program.instructions[i].out.index;
    if (f === null) {
      copyPending();
      fallback(work, i);
    } else {
      const k = wp.kernels[i]!;
      const units = k.split.blocks + k.split.rest;
      if (split(i)) runParallel(pool!, i, units, threads, f, copyPending);
      else {
        copyPending();
        f(0, units);
      }
      const post = k.post;
      if (post !== null) {
        const out = st.views[o];
        for (let e = 0; e < out.length; e++) out[e] = post(out[e]);
        canonicalize(new Uint32Array(out.buffer, out.byteOffset, out.length));
      }
    }
    if (resultOffsets[o] >= 0) {
      // deferred only if the next instruction is split and its output leaves this one's bytes alone
      const next = i + 1 < stop ? program.instructions[i + 1].out.index : -1;
      if (next >= 0 && split(i + 1) && disjoint(wp, program, o, next)) pending = o;
      else result.set(st.bytes[o], resultOffsets[o]);
    }
  }
  copyPending();
  const activations = program.activations.map((a, i) =>
    resultOffsets[i] >= 0
      ? new Float32Array(result.buffer, result.byteOffset + resultOffsets[i], a.length)
      : new Float32Array(0),
  );
  for (let i = stop; i < program.instructions.length; i++) activations[program.instructions[i].out.index].fill(0);
  return { weights: program.weights.map((w) => w.data), inputs, activations };
}
