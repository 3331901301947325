// The WebAssembly engine: one module per program (one exported function per instruction
// that has a wasm kernel), one linear memory per run holding every slot.
//
// Layout: weights, inputs, activations, each slot at a 16-byte aligned byte offset, plus a
// tail pad (the stride-2 lane loads read one element past their last lane). The memory is
// sized once per run and never grown, so Float32Array views of it stay attached: the
// returned Memory's activations are such views; weights and inputs are the caller's arrays
// (their copies in linear memory are what the kernels read).
//
// Instructions without a wasm kernel (Move, Map ops without wasm code) run the JS kernel of
// execute.ts on the same views; a Dot whose epilogue has no wasm code stores acc (+ bias)
// and the epilogue is applied in JS right after.
import { Program, SlotRef, Space } from "../../compiler/program";
import { Memory } from "../memory";
import { FnBuilder, buildModule } from "./encoder";
import { Kernel, KernelOptions, buildKernel } from "./kernels";
import { WA, WasmModule } from "./wa";

const PAGE = 65536;
/** Linear memory limit for this engine (beyond it the JS engine runs the program). */
const MAX_PAGES = 32768; // 2 GiB
const TAIL_PAD = 64;

export interface WasmProgram {
  module: WasmModule;
  pages: number;
  /** Byte offsets of the slots, per space. */
  offsets: { weights: number[]; inputs: number[]; activations: number[] };
  /** Per instruction: its kernel (export `f<i>`) or null (JS kernel). */
  kernels: (Kernel | null)[];
}

let simdSupport: boolean | undefined;

/** Whether this runtime has WebAssembly with 128-bit SIMD. */
export function wasmAvailable(): boolean {
  if (simdSupport === undefined) {
    try {
      // (func (result v128) v128.const 0) — validates only with SIMD support
      const bytes = Uint8Array.from([
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
        0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b,
      ]);
      simdSupport = WA !== undefined && WA.validate(bytes);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport === true;
}

const cache = new WeakMap<Program, WasmProgram | null>();

/** The compiled wasm engine for a (validated) program, or null if it cannot run in wasm. */
export function wasmProgram(program: Program, options: KernelOptions = {}): WasmProgram | null {
  const useCache = Object.keys(options).length === 0;
  if (useCache && cache.has(program)) return cache.get(program)!;
  const wp = compile(program, options);
  if (useCache) cache.set(program, wp);
  return wp;
}

function compile(program: Program, options: KernelOptions): WasmProgram | null {
  if (!wasmAvailable()) return null;
  let at = 0;
  const place = (len: number): number => {
    const off = at;
    at += Math.ceil((len * 4) / 16) * 16;
    return off;
  };
  const offsets = {
    weights: program.weights.map((w) => place(w.data.length)),
    inputs: program.inputs.map((s) => place(s.dims.reduce((p, d) => p * d, 1))),
    activations: program.activations.map((s) => place(s.length)),
  };
  const pages = Math.max(1, Math.ceil((at + TAIL_PAD) / PAGE));
  if (pages > MAX_PAGES) return null;
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
  const kernels = program.instructions.map((ins) => buildKernel(ins, base, options));
  const fns: FnBuilder[] = [];
  const names: string[] = [];
  kernels.forEach((k, i) => {
    if (k === null) return;
    fns.push(k.fn);
    names.push(`f${i}`);
  });
  const module = new WA!.Module(buildModule(pages, fns, names));
  return { module, pages, offsets, kernels };
}

function copyInto(buffer: ArrayBuffer, offset: number, src: Float32Array): void {
  new Uint8Array(buffer, offset, src.length * 4).set(new Uint8Array(src.buffer, src.byteOffset, src.length * 4));
}

/**
 * Run instructions [0, stop) of `program` on `inputs` with the wasm engine. `fallback` runs
 * one instruction in JS on the memory. Inputs are assumed checked by the caller.
 */
export function executeWasm(
  wp: WasmProgram,
  program: Program,
  inputs: Float32Array[],
  stop: number,
  fallback: (memory: Memory, index: number) => void,
  canonicalize: (bits: Uint32Array) => void,
): Memory {
  const mem = new WA!.Memory({ initial: wp.pages, maximum: wp.pages });
  const inst = new WA!.Instance(wp.module, { e: { m: mem } });
  const buffer = mem.buffer;
  program.weights.forEach((w, i) => copyInto(buffer, wp.offsets.weights[i], w.data));
  inputs.forEach((x, i) => copyInto(buffer, wp.offsets.inputs[i], x));
  const memory: Memory = {
    weights: program.weights.map((w) => w.data),
    inputs,
    activations: program.activations.map((a, i) => new Float32Array(buffer, wp.offsets.activations[i], a.length)),
  };
  const exports = inst.exports as Record<string, () => void>;
  for (let i = 0; i < stop; i++) {
    const k = wp.kernels[i];
    if (k === null) {
      fallback(memory, i);
      continue;
    }
    exports[`f${i}`]();
    if (k.post !== null) {
      const out = memory.activations[program.instructions[i].out.index];
      const F = k.post;
      for (let e = 0; e < out.length; e++) out[e] = F(out[e]);
      canonicalize(new Uint32Array(out.buffer, out.byteOffset, out.length));
    }
  }
  return memory;
}
