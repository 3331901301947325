// The fast executor: runs a whole program, bit-identical to repeating step() (step.ts).
//
// Each instruction is compiled once to a specialized JS function (new Function): a loop nest
// over iterDims with the reduction loops inside, addresses and coordinates carried
// incrementally level by level from the affine coefs, a bounds check only for operand dims
// whose range over the iteration box can leave [0, dim), placed at the outermost loop level
// that fixes that coordinate, and all constants inlined. FO32 order is the step order:
// elements in increasing e, each reduction ascending in k, `acc = fround(acc + fround(a*b))`.
import {
  FIRST_BINARY_MAP_OP,
  Instruction,
  Kind,
  MapOp,
  Program,
  ReduceOp,
} from "../compiler/program";
import * as fo32 from "../fo32";
import { Memory, initialMemory, slotOf } from "./memory";
import { alwaysValid, coordRange, iterationMax, validateProgram } from "./validate";

type Unary = (x: number) => number;
type Binary = (x: number, y: number) => number;
type Kernel = (out: Float32Array, outBits: Uint32Array, ins: Float32Array[]) => void;
type KernelFactory = (F: Unary, G: Binary, fround: (x: number) => number) => Kernel;

export interface ExecuteOptions {
  /** Run validateProgram first (default true). Skip only for a program already validated. */
  validate?: boolean;
  /** Run only instructions [0, stopAt) (default: all). */
  stopAt?: number;
}

/** Run `program` on `inputs` from state 0 to the halted state; returns the final memory. */
export function execute(program: Program, inputs: Float32Array[], options: ExecuteOptions = {}): Memory {
  if (options.validate !== false) validateProgram(program);
  program.inputs.forEach((spec, i) => {
    const want = spec.dims.reduce((p, d) => p * d, 1);
    if (!(inputs[i] instanceof Float32Array) || inputs[i].length !== want) {
      throw new Error(`input ${i} (${spec.name}): expected a Float32Array of ${want} values`);
    }
  });
  const memory = initialMemory(program, inputs);
  const stop = options.stopAt ?? program.instructions.length;
  for (let i = 0; i < stop; i++) executeInstruction(program, memory, i);
  return memory;
}

/** Run every step of instruction `index` (all its elements) on `memory`. */
export function executeInstruction(program: Program, memory: Memory, index: number): void {
  const ins = program.instructions[index];
  const out = slotOf(memory, ins.out);
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const arrays = ins.inputs.map((op) => slotOf(memory, op.slot));
  kernelFor(ins)(out, outBits, arrays);
}

// ---------------------------------------------------------------------------------------
// Kernel cache

const kernelCache = new WeakMap<Instruction, Kernel>();
const factoryCache = new Map<string, KernelFactory>();

function kernelFor(ins: Instruction): Kernel {
  let k = kernelCache.get(ins);
  if (k === undefined) {
    const { code, F, G } = generateKernel(ins);
    let factory = factoryCache.get(code);
    if (factory === undefined) {
      factory = new Function("F", "G", "fround", code) as KernelFactory;
      factoryCache.set(code, factory);
    }
    k = factory(F, G, Math.fround);
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

/** An affine form of the iteration variables (an address or a coordinate). */
interface Form {
  name: string;
  offset: number;
  coefs: number[]; // per level
  cur: string; // expression for the value so far (after the levels emitted)
}

interface Check {
  form: Form;
  level: number; // last level with a nonzero coef
  lower: boolean; // coordinate can be < 0
  upper: boolean; // coordinate can be ≥ dim
  dim: number;
}

interface OperandPlan {
  index: number;
  addr: Form;
  checks: Check[];
  /** Some coordinate is a constant out of range: no read is ever valid. */
  neverValid: boolean;
  /** Names of the boolean consts for checks that fall on iteration (output) levels. */
  okNames: string[];
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
  const plan: OperandPlan = {
    index: j,
    addr: { name: `p${j}_`, offset: addrOff, coefs: addrCoefs, cur: String(addrOff) },
    checks: [],
    neverValid: false,
    okNames: [],
  };
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
      // constant coordinate, out of range (else the range test above had passed)
      plan.neverValid = true;
      continue;
    }
    plan.checks.push({
      form: { name: `c${j}d${d}_`, offset: op.offset[d], coefs, cur: String(op.offset[d]) },
      level,
      lower: lo < 0,
      upper: up >= op.dims[d],
      dim: op.dims[d],
    });
  }
  return plan;
}

function emitForms(forms: Form[], l: number, out: string[]): void {
  for (const f of forms) {
    const c = f.coefs[l];
    if (c === 0) continue;
    const name = `${f.name}${l}`;
    const term = c === 1 ? `i${l}` : `i${l} * ${c}`;
    out.push(f.cur === "0" ? `const ${name} = ${term};` : `const ${name} = ${f.cur} + ${term};`);
    f.cur = name;
  }
}

function condition(ch: Check): string {
  const parts: string[] = [];
  if (ch.lower) parts.push(`${ch.form.cur} >= 0`);
  if (ch.upper) parts.push(`${ch.form.cur} < ${ch.dim}`);
  return parts.join(" && ");
}

function generateKernel(ins: Instruction): { code: string; F: Unary; G: Binary } {
  const a = ins.iterDims.length;
  const L = a + ins.redDims.length;
  const dims = ins.iterDims.concat(ins.redDims);
  const hiFull = iterationMax(ins);
  const isReduction = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  let F: Unary = noUnary;
  let G: Binary = noBinary;

  // Which operands are read in the reduction loops (A, B / X) and which once per element.
  const plans: OperandPlan[] = [];
  const redOperands: number[] = [];
  const elemOperands: number[] = [];
  ins.inputs.forEach((op, j) => {
    if (isReduction && !(ins.kind === Kind.Dot && j === 2)) {
      plans.push(planOperand(ins, j, hiFull, false, true));
      redOperands.push(j);
    } else if (ins.kind === Kind.Dot) {
      // bias: read at r = 0; validateProgram guarantees it is always in range
      plans.push(planOperand(ins, j, iterationMax(ins, true), true, false));
      elemOperands.push(j);
    } else {
      // Map reads are always in range (validated); Move sources are checked per element
      plans.push(planOperand(ins, j, hiFull, false, ins.kind === Kind.Move && !alwaysValid(op, hiFull)));
      elemOperands.push(j);
    }
  });

  const body: string[] = [];
  body.push(...ins.inputs.map((_, j) => `const I${j} = ins[${j}];`));
  body.push("let e = 0;");
  const allForms = (js: number[]): Form[] => js.flatMap((j) => [plans[j].addr, ...plans[j].checks.map((c) => c.form)]);
  const allChecks = (js: number[]): Check[] => js.flatMap((j) => plans[j].checks);
  const everyOperand = ins.inputs.map((_, j) => j);

  // Output levels: carry every form; checks fixed at this level become boolean consts.
  for (let l = 0; l < a; l++) {
    body.push(`for (let i${l} = 0; i${l} < ${dims[l]}; i${l}++) {`);
    emitForms(allForms(everyOperand), l, body);
    for (const j of everyOperand) {
      const here = plans[j].checks.filter((c) => c.level === l);
      if (here.length === 0) continue;
      const name = `ok${j}_${l}`;
      body.push(`const ${name} = ${here.map(condition).join(" && ")};`);
      plans[j].okNames.push(name);
    }
  }
  // Checks with only constant coefficients never reach here (neverValid); checks of level
  // < a are now booleans; the rest are done inside the reduction loops.
  const okOf = (j: number): string => (plans[j].neverValid ? "false" : plans[j].okNames.join(" && ") || "true");

  const write = (value: string): void => {
    body.push(`if (${value} !== ${value}) outBits[e] = 0x7fc00000; else out[e] = ${value};`);
  };

  switch (ins.kind) {
    case Kind.Dot:
    case Kind.Reduce: {
      const init = ins.kind === Kind.Reduce && ins.op === ReduceOp.Max ? "-Infinity" : ins.kind === Kind.Reduce && ins.op === ReduceOp.Min ? "Infinity" : "0";
      body.push(`let acc = ${init};`);
      const guard = redOperands.map(okOf).filter((s) => s !== "true");
      const skipAll = guard.includes("false");
      if (!skipAll) {
        // A padded tap (any invalid read) leaves acc unchanged, so skipping it — or a whole
        // inner loop whose reads share the invalid coordinate — gives the same bits.
        if (guard.length > 0) body.push(`if (${guard.join(" && ")}) {`);
        for (let l = a; l < L; l++) {
          body.push(`for (let i${l} = 0; i${l} < ${dims[l]}; i${l}++) {`);
          emitForms(allForms(redOperands), l, body);
          for (const ch of allChecks(redOperands).filter((c) => c.level === l)) body.push(`if (!(${condition(ch)})) continue;`);
        }
        const [pA, pB] = redOperands.map((j) => plans[j].addr.cur);
        if (ins.kind === Kind.Dot) {
          body.push(`acc = fround(acc + fround(I0[${pA}] * I1[${pB}]));`);
        } else {
          body.push(`const x = I0[${pA}];`);
          if (ins.op === ReduceOp.Sum || ins.op === ReduceOp.Mean) {
            body.push("acc = fround(acc + x);");
          } else if (ins.op === ReduceOp.Max || ins.op === ReduceOp.Min) {
            // Same inline as the binary Map op, so the same probe vouches for it.
            const mapOp = ins.op === ReduceOp.Max ? MapOp.Max : MapOp.Min;
            G = ins.op === ReduceOp.Max ? fo32.max : fo32.min;
            if (probeAgrees(inlineBinary(mapOp, "x", "y", "r")!, 2, G, [])) {
              body.push(ins.op === ReduceOp.Max ? maxInto("acc", "x") : minInto("acc", "x"));
            } else {
              body.push("acc = G(acc, x);");
            }
          } else {
            throw new Error(`unknown reduce op ${ins.op}`);
          }
        }
        for (let l = a; l < L; l++) body.push("}");
        if (guard.length > 0) body.push("}");
      }
      if (ins.kind === Kind.Dot) {
        body.push("let s = acc;");
        if (ins.inputs.length > 2) body.push(`s = fround(s + I2[${plans[2].addr.cur}]);`);
        F = fo32.unaryFunction(ins.op as MapOp, ins.params);
        body.push(unaryCode(ins.op, ins.params, "s", "r", F));
        write("r");
      } else if (ins.op === ReduceOp.Mean) {
        body.push(`const r = fround(acc / ${lit(ins.params[0])});`);
        write("r");
      } else {
        write("acc");
      }
      break;
    }
    case Kind.Map: {
      body.push(`const x = I0[${plans[0].addr.cur}];`);
      if (ins.op >= FIRST_BINARY_MAP_OP) {
        body.push(`const y = I1[${plans[1].addr.cur}];`);
        G = fo32.binaryFunction(ins.op as MapOp);
        body.push(binaryCode(ins.op, "x", "y", "r", G));
      } else {
        F = fo32.unaryFunction(ins.op as MapOp, ins.params);
        body.push(unaryCode(ins.op, ins.params, "x", "r", F));
      }
      write("r");
      break;
    }
    case Kind.Move: {
      // The first valid source wins; none valid → params[0].
      body.push("let v;");
      let chain = "";
      let closed = false;
      for (const j of elemOperands) {
        const ok = okOf(j);
        if (ok === "false") continue;
        if (ok === "true") {
          body.push(`${chain}v = I${j}[${plans[j].addr.cur}];`);
          closed = true;
          break;
        }
        body.push(`${chain}if (${ok}) v = I${j}[${plans[j].addr.cur}];`);
        chain = "else ";
      }
      if (!closed) {
        body.push(
          ins.params.length > 0
            ? `${chain}v = ${lit(ins.params[0])};`
            : `${chain}throw new Error("Move: element " + e + " has no valid source and no params[0]");`,
        );
      }
      write("v");
      break;
    }
  }
  body.push("e++;");
  for (let l = 0; l < a; l++) body.push("}");

  const code = `"use strict";\nreturn function kernel(out, outBits, ins) {\n${body.join("\n")}\n};`;
  return { code, F, G };
}
