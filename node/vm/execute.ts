// The fast executor: runs a whole program, bit-identical to repeating step() (step.ts).
// Two engines: WebAssembly kernels (node/vm/wasm, the default where WebAssembly SIMD is
// available; instructions without a wasm kernel use the JS kernels, node/vm/js) and the JS
// kernels alone (`engine: "js"`).
//
// Each instruction is compiled to a specialized JS function (new Function) from its kernel
// plan (plan/affine.ts, plan/lanes.ts) by the JS emitter (js/emitter.ts); this file runs
// and caches them. Both engines share the plan module and the probe table (probe.ts).
import * as os from "os";
import { COMPILER_VERSION, Instruction, Program, SlotRef, Space } from "../program/isa";
import { RefereeError } from "../errors";
import { emitJsKernel } from "./js/emitter";
import { Binary, Unary } from "./js/inline";
import { Memory, initialMemory, slotOf } from "./memory";
import { validateProgram } from "./validate";
import { executeWasm, wasmProgram } from "./wasm/runtime";
import { ProgramShape, sameShape, shapeOf } from "./wasm/shape";

/**
 * `lim`: the extent of every loop level (iterDims then redDims; smaller for the warm-up);
 * `K`: the instruction's numeric constants (coefs, offsets, strides, dims), in the order the
 * generator met them. Only the loop structure is in the code, so instructions of the same
 * structure share one compiled function (V8 compiles and warms it once).
 */
type Kernel = (out: Float32Array, ins: Float32Array[], lim: readonly number[], K: readonly number[]) => void;
type KernelFactory = (F: Unary, G: Binary, fround: (x: number) => number) => Kernel;

export interface ExecuteOptions {
  /** Run validateProgram first (default true). Skip only for a program already validated. */
  validate?: boolean;
  /** Run only instructions [0, stopAt) (default: all). */
  stopAt?: number;
  /**
   * "wasm" (default): WebAssembly kernels (node/vm/wasm) for the instructions that have
   * one, the JS kernels (node/vm/js) for the rest; the JS engine is used throughout when
   * WebAssembly SIMD is unavailable. "js": JS kernels only. Both are bit-identical to step().
   */
  engine?: "js" | "wasm";
  /** Internal (executeSlots): activation slots to materialize; the wasm engine leaves the others empty. */
  keep?: readonly boolean[];
  /**
   * Threads the wasm engine splits each big kernel across, at most (default: the available
   * cores, defaultThreads()); a program with little work to split runs on one
   * (MIN_PROGRAM_PARALLEL_WORK). The result is bit-identical for any count; the JS engine uses one.
   */
  threads?: number;
  /** Internal (tests, tuning): the least work split across threads (default MIN_PARALLEL_WORK). */
  minParallelWork?: number;
  /**
   * Internal (tests, tuning): the least work of a run's splittable kernels for it to use
   * more than one thread (default MIN_PROGRAM_PARALLEL_WORK; 0 when minParallelWork is given).
   */
  minProgramWork?: number;
}

/** The default thread count: the cores available to this process. */
export function defaultThreads(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length || 1;
}

/** Run `program` on `inputs` from state 0 to the halted state; returns the final memory. */
export function execute(program: Program, inputs: Float32Array[], options: ExecuteOptions = {}): Memory {
  if (options.validate !== false && !alreadyValidated(program)) {
    validateProgram(program);
    validated.set(program, shapeOf(program));
  }
  if (inputs.length !== program.inputs.length) {
    throw new RefereeError("INPUT", `expected ${program.inputs.length} input tensors, got ${inputs.length}`);
  }
  program.inputs.forEach((spec, i) => {
    const want = spec.dims.reduce((p, d) => p * d, 1);
    if (!(inputs[i] instanceof Float32Array) || inputs[i].length !== want) {
      throw new RefereeError("INPUT", `input ${i} (${spec.name}): expected a Float32Array of ${want} values`);
    }
  });
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads ${threads}: expected an integer ≥ 1`);
  const stop = options.stopAt ?? program.instructions.length;
  if (!Number.isInteger(stop) || stop < 0 || stop > program.instructions.length) {
    throw new RangeError(`stopAt ${stop} out of range [0, ${program.instructions.length}]`);
  }
  if (options.engine !== "js") {
    const wp = wasmProgram(program);
    if (wp !== null)
      return executeWasm(
        wp,
        program,
        inputs,
        stop,
        (m, i) => executeInstruction(program, m, i),
        canonicalizeNaNs,
        options.keep ?? null,
        threads,
        options.minParallelWork,
        options.minProgramWork ?? (options.minParallelWork === undefined ? undefined : 0),
      );
  }
  const memory = initialMemory(program, inputs);
  for (let i = 0; i < stop; i++) executeInstruction(program, memory, i);
  return memory;
}

/**
 * Run `program` on `inputs` and return only the values of `slots` (e.g. its outputs, and
 * the runtime index slots tools check), bit-identical to the same slots of execute()'s
 * memory. With the wasm engine the other activations are never copied out of linear
 * memory: what a claim or a comparison needs, without the cost of materializing the trace.
 */
export function executeSlots(
  program: Program,
  inputs: Float32Array[],
  slots: readonly SlotRef[],
  options: ExecuteOptions = {},
): Float32Array[] {
  const keep = program.activations.map(() => false);
  for (const s of slots) if (s.space === Space.Activation) keep[s.index] = true;
  const memory = execute(program, inputs, { ...options, keep });
  return slots.map((s) => slotOf(memory, s));
}

// Validation of a program object is remembered (it costs ~0.5 ms on the OCR classifier,
// as much as a tenth of a run). Like the kernel caches of both engines, this treats a
// program as immutable once executed; replacing its instructions, weights or slots (not
// editing them in place) is noticed and validates again.
const validated = new WeakMap<Program, ProgramShape>();

function alreadyValidated(program: Program): boolean {
  const v = validated.get(program);
  return v !== undefined && program.version === COMPILER_VERSION && sameShape(v, program);
}

/** Run every step of instruction `index` (all its elements) on `memory`. */
export function executeInstruction(program: Program, memory: Memory, index: number): void {
  const ins = program.instructions[index];
  const out = slotOf(memory, ins.out);
  const arrays = ins.inputs.map((op) => slotOf(memory, op.slot));
  const k = kernelFor(ins);
  if (!k.warmed) {
    // Run a small sub-box of the iteration space first (into scratch) so that every path of
    // the kernel has type feedback before V8 optimizes its hot loops: otherwise each outer
    // loop level deoptimizes the first time it advances and the kernel falls back to the
    // interpreter while it is recompiled. Sub-box addresses are valid for the real arrays.
    if (scratch.length < out.length) scratch = new Float32Array(out.length);
    for (let r = 0; r < WARM_RUNS; r++) k.kernel(scratch, arrays, k.warmLimits, k.constants);
    k.warmed = true;
  }
  k.kernel(out, arrays, k.limits, k.constants);
  canonicalizeNaNs(new Uint32Array(out.buffer, out.byteOffset, out.length));
}

let scratch = new Float32Array(0);
// A few runs: V8 allocates a feedback vector only after a function has run a little.
const WARM_RUNS = 3;

/**
 * Every NaN in memory is 0x7FC00000. A kernel stores JS NaNs as they come (e.g. 0·∞ on x86
 * gives the negative default NaN, and a Move copies input payloads); one pass afterwards
 * canonicalizes them, which keeps the NaN test out of the kernels' write path. Kernels never
 * read their own output, so this is the same memory as canonicalizing at each write.
 */
export function canonicalizeNaNs(bits: Uint32Array): void {
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7fffffff) > 0x7f800000) bits[i] = 0x7fc00000;
  }
}

// ---------------------------------------------------------------------------------------
// Kernel cache

interface CachedKernel {
  kernel: Kernel;
  limits: number[];
  warmLimits: number[];
  constants: number[];
  warmed: boolean;
}

const kernelCache = new WeakMap<Instruction, CachedKernel>();
const factoryCache = new Map<string, KernelFactory>();

function kernelFor(ins: Instruction): CachedKernel {
  let k = kernelCache.get(ins);
  if (k === undefined) {
    const { code, F, G, warmLimits, constants } = emitJsKernel(ins);
    let factory = factoryCache.get(code);
    if (factory === undefined) {
      // The JS engine compiles each kernel from generated source (node/vm/js/emitter.ts).
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      factory = new Function("F", "G", "fround", code) as KernelFactory;
      factoryCache.set(code, factory);
    }
    k = {
      kernel: factory(F, G, Math.fround),
      limits: ins.iterDims.concat(ins.redDims),
      warmLimits,
      constants,
      warmed: false,
    };
    kernelCache.set(ins, k);
  }
  return k;
}

/** The generated source of an instruction's kernel (for debugging and tests). */
export function kernelSource(ins: Instruction): string {
  return emitJsKernel(ins).code;
}
