// The fast executor: runs a whole program, bit-identical to repeating step() (step.ts).
// Two engines: WebAssembly kernels (node/vm/wasm, the default where WebAssembly SIMD is
// available; instructions without a wasm kernel use the JS kernels below) and the JS
// kernels alone (`engine: "js"`).
//
// Each instruction is compiled to a specialized JS function (new Function): a loop nest over
// iterDims with the reduction loops inside, addresses and coordinates carried incrementally
// level by level from the affine coefs, a bounds check only for operand dims whose range
// over the iteration box can leave [0, dim), placed at the outermost loop level that fixes
// that coordinate. Reductions of LANES output elements that share every check run
// interleaved (independent accumulators hide the add latency). FO32 order is the step
// order: each element's reduction ascending in k, `acc = fround(acc + fround(a*b))`, a
// padded tap skipped; work is only ever split across output elements.
//
// The generated code holds the loop structure; the numbers (coefs, strides, dims, extents)
// are passed in, so instructions of one structure share a compiled function.
import {
  COMPILER_VERSION,
  FIRST_BINARY_MAP_OP,
  Instruction,
  Kind,
  MapOp,
  Program,
  ReduceOp,
} from "../program/isa";
import { RefereeError } from "../errors";
import * as fo32 from "../fo32";
import { Memory, initialMemory, slotOf } from "./memory";
import { alwaysValid, coordRange, iterationMax, validateProgram } from "./validate";
import { executeWasm, wasmProgram } from "./wasm/runtime";
import { ProgramShape, sameShape, shapeOf } from "./wasm/shape";

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;
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
   * one, this file's JS kernels for the rest; the JS engine is used throughout when
   * WebAssembly SIMD is unavailable. "js": JS kernels only. Both are bit-identical to step().
   */
  engine?: "js" | "wasm";
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
  const stop = options.stopAt ?? program.instructions.length;
  if (!Number.isInteger(stop) || stop < 0 || stop > program.instructions.length) {
    throw new RangeError(`stopAt ${stop} out of range [0, ${program.instructions.length}]`);
  }
  if (options.engine !== "js") {
    const wp = wasmProgram(program);
    if (wp !== null) return executeWasm(wp, program, inputs, stop, (m, i) => executeInstruction(program, m, i), canonicalizeNaNs);
  }
  const memory = initialMemory(program, inputs);
  for (let i = 0; i < stop; i++) executeInstruction(program, memory, i);
  return memory;
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
    const { code, F, G, warmLimits, constants } = generateKernel(ins);
    let factory = factoryCache.get(code);
    if (factory === undefined) {
      factory = new Function("F", "G", "fround", code) as KernelFactory;
      factoryCache.set(code, factory);
    }
    k = { kernel: factory(F, G, Math.fround), limits: ins.iterDims.concat(ins.redDims), warmLimits, constants, warmed: false };
    kernelCache.set(ins, k);
  }
  return k;
}

/** The generated source of an instruction's kernel (for debugging and tests). */
export function kernelSource(ins: Instruction): string {
  return generateKernel(ins).code;
}

// ---------------------------------------------------------------------------------------
// Inlined FO32 operations. Each inline is checked against the node/fo32 closure on probe
// values before use (probeAgrees); on any disagreement the closure is called instead, so
// the fast path can never drift from the definition the stepper uses.

/** A JS literal for a binary32 value, exact for every value incl. −0, ±∞, NaN. */
function lit(x: number): string {
  if (x !== x) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "(-Infinity)";
  if (Object.is(x, -0)) return "(-0)";
  return x < 0 ? `(${String(x)})` : String(x);
}

// fo32 max/min: NaN if either is NaN; max(−0,+0) = +0, min(−0,+0) = −0. `r` is assigned.
function maxInto(r: string, y: string): string {
  return `if (${r} !== ${r} || ${y} !== ${y}) ${r} = NaN; else if (${r} < ${y} || (${r} === 0 && ${y} === 0 && 1 / ${r} < 0)) ${r} = ${y};`;
}
function minInto(r: string, y: string): string {
  return `if (${r} !== ${r} || ${y} !== ${y}) ${r} = NaN; else if (${r} > ${y} || (${r} === 0 && ${y} === 0 && 1 / ${r} > 0)) ${r} = ${y};`;
}

/** Statements declaring `let r` = op(x), or null if the op is not inlined. */
function inlineUnary(op: number, params: readonly number[], x: string, r: string): string | null {
  switch (op) {
    case MapOp.None:
    case MapOp.Identity:
      return `let ${r} = ${x};`;
    case MapOp.Neg:
      return `let ${r} = -${x};`;
    case MapOp.Relu:
      return `let ${r} = ${x} > 0 || ${x} !== ${x} ? ${x} : 0;`;
    case MapOp.LeakyRelu:
      if (params.length < 1) return null;
      return `let ${r} = ${x} < 0 ? fround(${x} * ${lit(params[0])}) : ${x};`;
    case MapOp.Clip:
      if (params.length < 2) return null;
      return `let ${r} = ${x}; ${maxInto(r, lit(params[0]))} ${minInto(r, lit(params[1]))}`;
    default:
      return null;
  }
}

function inlineBinary(op: number, x: string, y: string, r: string): string | null {
  switch (op) {
    case MapOp.Add:
      return `let ${r} = fround(${x} + ${y});`;
    case MapOp.Sub:
      return `let ${r} = fround(${x} - ${y});`;
    case MapOp.Mul:
      return `let ${r} = fround(${x} * ${y});`;
    case MapOp.Div:
      return `let ${r} = fround(${x} / ${y});`;
    case MapOp.Max:
      return `let ${r} = ${x}; ${maxInto(r, y)}`;
    case MapOp.Min:
      return `let ${r} = ${x}; ${minInto(r, y)}`;
    default:
      return null;
  }
}

const PROBES: readonly number[] = (() => {
  const v = [
    0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 6, -6, 0.1, -0.3, 7.25, 1e-8, -1e-8, 100, -100,
    65504, 1e30, -1e30, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754942106924411e-38,
    -1.1754942106924411e-38, 1.1754943508222875e-38, 3.4028234663852886e38,
    -3.4028234663852886e38, Infinity, -Infinity, NaN,
  ];
  return v.map(Math.fround);
})();

function sameBits(a: number, b: number): boolean {
  return fo32.bitsOf(Math.fround(a)) === fo32.bitsOf(Math.fround(b)) && (a === a) === (b === b);
}

const probeCache = new Map<string, boolean>();

function probeAgrees(stmts: string, arity: 1 | 2, reference: Unary | Binary, params: readonly number[]): boolean {
  let ok = probeCache.get(stmts);
  if (ok !== undefined) return ok;
  const values = PROBES.concat(params.flatMap((p) => [p, Math.fround(p * (1 + 2 ** -20)), Math.fround(p * (1 - 2 ** -20))]));
  ok = true;
  if (arity === 1) {
    const f = new Function("fround", `return function (x) { ${stmts} return r; };`)(Math.fround) as Unary;
    const g = reference as Unary;
    for (const x of values) if (!sameBits(f(x), g(x))) ok = false;
  } else {
    const f = new Function("fround", `return function (x, y) { ${stmts} return r; };`)(Math.fround) as Binary;
    const g = reference as Binary;
    for (const x of values) for (const y of values) if (!sameBits(f(x, y), g(x, y))) ok = false;
  }
  probeCache.set(stmts, ok);
  return ok;
}

function unaryCode(op: number, params: readonly number[], x: string, r: string, F: Unary): string {
  const stmts = inlineUnary(op, params, "x", "r");
  if (stmts !== null && probeAgrees(stmts, 1, F, params)) return inlineUnary(op, params, x, r)!;
  return `let ${r} = F(${x});`;
}

function binaryCode(op: number, x: string, y: string, r: string, G: Binary): string {
  const stmts = inlineBinary(op, "x", "y", "r");
  if (stmts !== null && probeAgrees(stmts, 2, G, [])) return inlineBinary(op, x, y, r)!;
  return `let ${r} = G(${x}, ${y});`;
}

// ---------------------------------------------------------------------------------------
// Code generation

const noUnary: Unary = () => {
  throw new Error("unreachable: no unary op");
};
const noBinary: Binary = () => {
  throw new Error("unreachable: no binary op");
};

/** Output elements computed together (interleaved reductions hide the add latency). */
const LANES = 4;

/** An affine form of the iteration variables (an address or a coordinate). */
interface Form {
  name: string;
  offset: number;
  coefs: number[]; // per level
}

interface Check {
  form: Form;
  level: number; // last level with a nonzero coef
  lower: boolean; // coordinate can be < 0
  upper: boolean; // coordinate can be ≥ dim
  dim: number;
}

interface OperandPlan {
  addr: Form;
  checks: Check[];
  /** Some coordinate is a constant out of range: no read is ever valid. */
  neverValid: boolean;
}

/** Code-generation state along one path of the loop nest (cloned when it branches). */
interface Env {
  cur: Map<Form, string>; // expression for each form's value over the levels emitted so far
  ok: string[][]; // per operand: boolean consts of the checks fixed on output levels
}

function cloneEnv(env: Env): Env {
  return { cur: new Map(env.cur), ok: env.ok.map((x) => x.slice()) };
}

function planOperand(ins: Instruction, j: number, hi: readonly number[], onlyOutputLevels: boolean, needChecks: boolean): OperandPlan {
  const op = ins.inputs[j];
  const L = ins.iterDims.length + ins.redDims.length;
  const a = ins.iterDims.length;
  const coefAt = (d: number, l: number): number => (onlyOutputLevels && l >= a ? 0 : op.coef[d * L + l]);
  const strides = new Array<number>(op.dims.length);
  let s = 1;
  for (let d = op.dims.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= op.dims[d];
  }
  const addrCoefs = new Array<number>(L).fill(0);
  let addrOff = 0;
  for (let d = 0; d < op.dims.length; d++) {
    addrOff += op.offset[d] * strides[d];
    for (let l = 0; l < L; l++) addrCoefs[l] += coefAt(d, l) * strides[d];
  }
  const plan: OperandPlan = { addr: { name: `p${j}_`, offset: addrOff, coefs: addrCoefs }, checks: [], neverValid: false };
  if (!needChecks) return plan;
  for (let d = 0; d < op.dims.length; d++) {
    const [lo, up] = coordRange(op, d, hi);
    if (lo >= 0 && up < op.dims[d]) continue; // always in range: no check
    const coefs = Array.from({ length: L }, (_, l) => coefAt(d, l));
    let level = -1;
    coefs.forEach((c, l) => {
      if (c !== 0) level = l;
    });
    if (level === -1) {
      plan.neverValid = true; // constant coordinate, out of range
      continue;
    }
    plan.checks.push({
      form: { name: `c${j}d${d}_`, offset: op.offset[d], coefs },
      level,
      lower: lo < 0,
      upper: up >= op.dims[d],
      dim: op.dims[d],
    });
  }
  return plan;
}

function generateKernel(ins: Instruction): { code: string; F: Unary; G: Binary; warmLimits: number[]; constants: number[] } {
  // Numeric constants go to K (see Kernel); 0 and 1 stay structural (terms omitted).
  const constants: number[] = [];
  const konst = (v: number): string => {
    constants.push(v);
    return `k${constants.length - 1}`;
  };
  const a = ins.iterDims.length;
  const L = a + ins.redDims.length;
  const dims = ins.iterDims.concat(ins.redDims);
  const hiFull = iterationMax(ins);
  const isReduction = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  let F: Unary = noUnary;
  let G: Binary = noBinary;

  // Operands read in the reduction loops (A, B / X) and operands read once per element.
  const plans: OperandPlan[] = [];
  const redOperands: number[] = [];
  ins.inputs.forEach((op, j) => {
    if (isReduction && !(ins.kind === Kind.Dot && j === 2)) {
      plans.push(planOperand(ins, j, hiFull, false, true));
      redOperands.push(j);
    } else if (ins.kind === Kind.Dot) {
      // bias: read at r = 0; validateProgram guarantees it is always in range
      plans.push(planOperand(ins, j, iterationMax(ins, true), true, false));
    } else {
      // Map reads are always in range (validated); Move sources are checked per element
      plans.push(planOperand(ins, j, hiFull, false, ins.kind === Kind.Move && !alwaysValid(op, hiFull)));
    }
  });
  // Output address e: row-major index of o in iterDims.
  const outForm: Form = { name: "e_", offset: 0, coefs: new Array<number>(L).fill(0) };
  for (let l = a - 1, s = 1; l >= 0; l--) {
    outForm.coefs[l] = s;
    s *= dims[l];
  }
  const forms = [outForm, ...plans.flatMap((p) => [p.addr, ...p.checks.map((c) => c.form)])];
  const redForms = redOperands.flatMap((j) => [plans[j].addr, ...plans[j].checks.map((c) => c.form)]);
  const redChecks = redOperands.flatMap((j) => plans[j].checks);

  // Lane level: an output dim along which LANES elements share every validity check, so
  // their reductions can run interleaved without per-lane branches. Prefer a dim that some
  // operand does not move along (one load serves every lane), then the innermost.
  let laneLevel = -1;
  let laneCount = 1;
  if (isReduction) {
    let best = -Infinity;
    for (let l = 0; l < a; l++) {
      if (dims[l] < 2 || redChecks.some((c) => c.form.coefs[l] !== 0)) continue;
      const score = (redOperands.some((j) => plans[j].addr.coefs[l] === 0) ? 100 : 0) + (dims[l] >= LANES ? 50 : 0) + l;
      if (score > best) {
        best = score;
        laneLevel = l;
      }
    }
    if (laneLevel >= 0) laneCount = Math.min(LANES, dims[laneLevel]);
  }

  const lines: string[] = [];
  const emit = (s: string): void => {
    lines.push(s);
  };
  const initial = new Map<Form, string>(forms.map((f) => [f, f.offset === 0 ? "0" : konst(f.offset)]));
  const valueOf = (env: Env, f: Form): string => env.cur.get(f) ?? initial.get(f)!;
  const laneExpr = (env: Env, f: Form, u: number): string => {
    const d = u * (laneLevel >= 0 ? f.coefs[laneLevel] : 0);
    return d === 0 ? valueOf(env, f) : `${valueOf(env, f)} + ${konst(d)}`;
  };
  const emitForms = (env: Env, fs: Form[], l: number): void => {
    for (const f of fs) {
      const c = f.coefs[l];
      if (c === 0) continue;
      const name = `${f.name}${l}`;
      const term = c === 1 ? `i${l}` : `i${l} * ${konst(c)}`;
      const prev = valueOf(env, f);
      emit(prev === "0" ? `const ${name} = ${term};` : `const ${name} = ${prev} + ${term};`);
      env.cur.set(f, name);
    }
  };
  const condition = (env: Env, ch: Check): string => {
    const v = valueOf(env, ch.form);
    const parts: string[] = [];
    if (ch.lower) parts.push(`${v} >= 0`);
    if (ch.upper) parts.push(`${v} < ${konst(ch.dim)}`);
    return parts.join(" && ");
  };
  const okOf = (env: Env, j: number): string => (plans[j].neverValid ? "false" : env.ok[j].join(" && ") || "true");
  const write = (target: string, value: string): void => {
    emit(`out[${target}] = ${value};`); // NaNs are canonicalized after the kernel
  };

  // Output levels: carry every form; checks fixed at a level become boolean consts.
  const outputLevel = (l: number, env: Env, lanes: number): void => {
    if (l === a) {
      element(env, lanes);
      return;
    }
    const n = `n${l}`;
    const body = (from: string, cond: string, stepBy: number, inner: number): void => {
      emit(`for (let i${l} = ${from}; ${cond}; i${l} += ${stepBy}) {`);
      const e2 = cloneEnv(env);
      emitForms(e2, forms, l);
      ins.inputs.forEach((_, j) => {
        const here = plans[j].checks.filter((c) => c.level === l);
        if (here.length === 0) return;
        const name = `ok${j}_${l}`;
        emit(`const ${name} = ${here.map((c) => condition(e2, c)).join(" && ")};`);
        e2.ok[j].push(name);
      });
      outputLevel(l + 1, e2, inner);
      emit("}");
    };
    if (l === laneLevel) {
      const U = laneCount;
      body("0", `i${l} < m${l}`, U, U);
      if (U > 1) body(`m${l}`, `i${l} < ${n}`, 1, 1); // remainder, one lane
    } else {
      body("0", `i${l} < ${n}`, 1, lanes);
    }
  };

  const element = (env: Env, lanes: number): void => {
    const us = Array.from({ length: lanes }, (_, u) => u);
    switch (ins.kind) {
      case Kind.Dot:
      case Kind.Reduce: {
        const init =
          ins.kind === Kind.Reduce && ins.op === ReduceOp.Max ? "-Infinity" : ins.kind === Kind.Reduce && ins.op === ReduceOp.Min ? "Infinity" : "0";
        emit(`let ${us.map((u) => `acc${u} = ${init}`).join(", ")};`);
        const guard = redOperands.map((j) => okOf(env, j)).filter((s) => s !== "true");
        if (!guard.includes("false")) {
          // A padded tap (any invalid read) leaves acc unchanged, so skipping it — or a
          // whole inner loop whose reads share the invalid coordinate — gives the same bits.
          const re = cloneEnv(env);
          if (guard.length > 0) emit(`if (${guard.join(" && ")}) {`);
          for (let l = a; l < L; l++) {
            emit(`for (let i${l} = 0; i${l} < n${l}; i${l}++) {`);
            emitForms(re, redForms, l);
            for (const ch of redChecks.filter((c) => c.level === l)) emit(`if (!(${condition(re, ch)})) continue;`);
          }
          // Loads: one per lane, or one shared when the operand does not move along lanes.
          const load = (j: number, u: number): string => {
            const f = plans[j].addr;
            if (lanes > 1 && f.coefs[laneLevel] === 0) return `v${j}`;
            return `I${j}[${laneExpr(re, f, u)}]`;
          };
          for (const j of redOperands) {
            if (lanes > 1 && plans[j].addr.coefs[laneLevel] === 0) emit(`const v${j} = I${j}[${valueOf(re, plans[j].addr)}];`);
          }
          if (ins.kind === Kind.Dot) {
            for (const u of us) emit(`acc${u} = fround(acc${u} + fround(${load(0, u)} * ${load(1, u)}));`);
          } else if (ins.op === ReduceOp.Sum || ins.op === ReduceOp.Mean) {
            for (const u of us) emit(`acc${u} = fround(acc${u} + ${load(0, u)});`);
          } else if (ins.op === ReduceOp.Max || ins.op === ReduceOp.Min) {
            // Same inline as the binary Map op, so the same probe vouches for it.
            const mapOp = ins.op === ReduceOp.Max ? MapOp.Max : MapOp.Min;
            G = ins.op === ReduceOp.Max ? fo32.max : fo32.min;
            const inline = probeAgrees(inlineBinary(mapOp, "x", "y", "r")!, 2, G, []);
            for (const u of us) {
              emit(`const x${u} = ${load(0, u)};`);
              if (!inline) emit(`acc${u} = G(acc${u}, x${u});`);
              else emit(ins.op === ReduceOp.Max ? maxInto(`acc${u}`, `x${u}`) : minInto(`acc${u}`, `x${u}`));
            }
          } else {
            throw new Error(`unknown reduce op ${ins.op}`);
          }
          for (let l = a; l < L; l++) emit("}");
          if (guard.length > 0) emit("}");
        }
        for (const u of us) {
          emit("{");
          if (ins.kind === Kind.Dot) {
            emit(`let s = acc${u};`);
            if (ins.inputs.length > 2) emit(`s = fround(s + I2[${laneExpr(env, plans[2].addr, u)}]);`);
            F = fo32.unaryFunction(ins.op as MapOp, ins.params);
            emit(unaryCode(ins.op, ins.params, "s", "r", F));
            write(laneExpr(env, outForm, u), "r");
          } else if (ins.op === ReduceOp.Mean) {
            emit(`const r = fround(acc${u} / ${lit(ins.params[0])});`);
            write(laneExpr(env, outForm, u), "r");
          } else {
            write(laneExpr(env, outForm, u), `acc${u}`);
          }
          emit("}");
        }
        break;
      }
      case Kind.Map: {
        emit(`const x = I0[${valueOf(env, plans[0].addr)}];`);
        if (ins.op >= FIRST_BINARY_MAP_OP) {
          emit(`const y = I1[${valueOf(env, plans[1].addr)}];`);
          G = fo32.binaryFunction(ins.op as MapOp);
          emit(binaryCode(ins.op, "x", "y", "r", G));
        } else {
          F = fo32.unaryFunction(ins.op as MapOp, ins.params);
          emit(unaryCode(ins.op, ins.params, "x", "r", F));
        }
        write(valueOf(env, outForm), "r");
        break;
      }
      case Kind.Move: {
        // The first valid source wins; none valid → params[0].
        emit("let v;");
        let chain = "";
        let closed = false;
        for (let j = 0; j < ins.inputs.length; j++) {
          const ok = okOf(env, j);
          if (ok === "false") continue;
          const read = `v = I${j}[${valueOf(env, plans[j].addr)}];`;
          if (ok === "true") {
            emit(`${chain}${read}`);
            closed = true;
            break;
          }
          emit(`${chain}if (${ok}) ${read}`);
          chain = "else ";
        }
        if (!closed) {
          emit(
            ins.params.length > 0
              ? `${chain}v = ${lit(ins.params[0])};`
              : `${chain}throw new Error("Move: element " + (${valueOf(env, outForm)}) + " has no valid source and no params[0]");`,
          );
        }
        write(valueOf(env, outForm), "v");
        break;
      }
    }
  };

  emit(ins.inputs.map((_, j) => `const I${j} = ins[${j}];`).join("\n"));
  // Loop extents come from `lim` (the full dims, or a small box for the warm-up run).
  for (let l = 0; l < L; l++) emit(`const n${l} = lim[${l}];`);
  if (laneLevel >= 0) emit(`const m${laneLevel} = n${laneLevel} - n${laneLevel} % ${laneCount};`);
  outputLevel(0, { cur: new Map(), ok: ins.inputs.map(() => []) }, 1);
  const header = constants.map((_, i) => `const k${i} = K[${i}];`).join("\n");
  const code = `"use strict";\nreturn function kernel(out, ins, lim, K) {\n${header}\n${lines.join("\n")}\n};`;
  // Warm-up box: two steps of every loop (so each increment runs), and at the lane level one
  // full lane group plus the remainder.
  const warmLimits = dims.map((n, l) => (l === laneLevel ? Math.min(n, laneCount + (n % laneCount)) : Math.min(n, 2)));
  return { code, F, G, warmLimits, constants };
}
