// The JS emitter: renders an instruction's plan (plan/affine.ts, plan/lanes.ts) as the
// source of a specialized kernel function: a loop nest over iterDims with the reduction
// loops inside, addresses and coordinates carried incrementally level by level, each bounds
// check placed at the outermost loop level that fixes its coordinate. FO32 order is the
// step order: each element's reduction ascending in k, `acc = fround(acc + fround(a*b))`, a
// padded tap skipped; the interleaved lanes are separate output elements.
//
// The source holds the loop structure; the numbers (coefs, strides, dims, extents) are
// passed in, so instructions of one structure share a compiled function.
import { FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, Instruction, Kind, MapOp, ReduceOp } from "../../program/isa";
import * as fo32 from "../../fo32";
import { Check, Form, InstructionPlan, OperandPlan, planInstruction } from "../plan/affine";
import { InterleavePlan, interleavePlan } from "../plan/lanes";
import { Binary, Unary, binaryCode, combineInlines, lit, maxInto, minInto, unaryCode } from "./inline";

export interface JsKernelSource {
  /** The body of `new Function("F", "G", "fround", code)`, returning the kernel. */
  code: string;
  F: Unary;
  G: Binary;
  /** Loop extents of the warm-up run. */
  warmLimits: number[];
  /** The kernel's numeric constants K, in the order the source reads them. */
  constants: number[];
}

const noUnary: Unary = () => {
  throw new Error("unreachable: no unary op");
};
const noBinary: Binary = () => {
  throw new Error("unreachable: no binary op");
};

/** Code-generation state along one path of the loop nest (cloned when it branches). */
interface Env {
  cur: Map<Form, string>; // expression for each form's value over the levels emitted so far
  ok: string[][]; // per operand: boolean consts of the checks fixed on output levels
}

function cloneEnv(env: Env): Env {
  return { cur: new Map(env.cur), ok: env.ok.map((x) => x.slice()) };
}

/** The JS kernel source of `ins` (a validated instruction). */
export function emitJsKernel(ins: Instruction): JsKernelSource {
  const plan = planInstruction(ins);
  return new JsEmitter(ins, plan, interleavePlan(plan)).emit();
}

class JsEmitter {
  private readonly lines: string[] = [];
  /** Numeric constants go to K; 0 and 1 stay structural (terms omitted). */
  private readonly constants: number[] = [];
  private F: Unary = noUnary;
  private G: Binary = noBinary;
  private readonly names = new Map<Form, string>();
  private readonly forms: Form[];
  private readonly reads: OperandPlan[];
  private readonly redForms: Form[];
  private readonly redChecks: Check[];
  private readonly initial: Map<Form, string>;
  private readonly a: number;
  private readonly L: number;

  constructor(
    private readonly ins: Instruction,
    private readonly plan: InstructionPlan,
    private readonly lanes: InterleavePlan,
  ) {
    this.a = plan.outputLevels;
    this.L = plan.levels.length;
    this.names.set(plan.out, "e_");
    for (const o of plan.operands) {
      this.names.set(o.addr, `p${o.index}_`);
      for (const c of o.checks) this.names.set(c.form, `c${o.index}d${c.coord}_`);
    }
    this.forms = [plan.out, ...plan.operands.flatMap((o) => [o.addr, ...o.checks.map((c) => c.form)])];
    this.reads = plan.operands.filter((o) => o.role === "reduce");
    this.redForms = this.reads.flatMap((o) => [o.addr, ...o.checks.map((c) => c.form)]);
    this.redChecks = this.reads.flatMap((o) => o.checks);
    this.initial = new Map(this.forms.map((f) => [f, f.offset === 0 ? "0" : this.konst(f.offset)]));
  }

  private konst(v: number): string {
    this.constants.push(v);
    return `k${this.constants.length - 1}`;
  }

  private line(s: string): void {
    this.lines.push(s);
  }

  private valueOf(env: Env, f: Form): string {
    return env.cur.get(f) ?? this.initial.get(f)!;
  }

  /** Form f at lane u of the current group. */
  private laneExpr(env: Env, f: Form, u: number): string {
    const d = u * (this.lanes.level >= 0 ? f.coefs[this.lanes.level] : 0);
    return d === 0 ? this.valueOf(env, f) : `${this.valueOf(env, f)} + ${this.konst(d)}`;
  }

  /** Declare the forms' values at level l (inside its loop). */
  private emitForms(env: Env, fs: Form[], l: number): void {
    for (const f of fs) {
      const c = f.coefs[l];
      if (c === 0) continue;
      const name = `${this.names.get(f)!}${l}`;
      const term = c === 1 ? `i${l}` : `i${l} * ${this.konst(c)}`;
      const prev = this.valueOf(env, f);
      this.line(prev === "0" ? `const ${name} = ${term};` : `const ${name} = ${prev} + ${term};`);
      env.cur.set(f, name);
    }
  }

  private condition(env: Env, ch: Check): string {
    const v = this.valueOf(env, ch.form);
    const parts: string[] = [];
    if (ch.lower) parts.push(`${v} >= 0`);
    if (ch.upper) parts.push(`${v} < ${this.konst(ch.dim)}`);
    return parts.join(" && ");
  }

  /** Whether operand j's read is valid at the current output position. */
  private okOf(env: Env, j: number): string {
    return this.plan.operands[j].neverValid ? "false" : env.ok[j].join(" && ") || "true";
  }

  private write(target: string, value: string): void {
    this.line(`out[${target}] = ${value};`); // NaNs are canonicalized after the kernel
  }

  /** Output levels: carry every form; checks fixed at a level become boolean consts. */
  private outputLevel(l: number, env: Env, lanes: number): void {
    if (l === this.a) {
      this.element(env, lanes);
      return;
    }
    const body = (from: string, cond: string, stepBy: number, inner: number): void => {
      this.line(`for (let i${l} = ${from}; ${cond}; i${l} += ${stepBy}) {`);
      const e2 = cloneEnv(env);
      this.emitForms(e2, this.forms, l);
      for (const o of this.plan.operands) {
        const here = o.checks.filter((c) => c.level === l);
        if (here.length === 0) continue;
        const name = `ok${o.index}_${l}`;
        this.line(`const ${name} = ${here.map((c) => this.condition(e2, c)).join(" && ")};`);
        e2.ok[o.index].push(name);
      }
      this.outputLevel(l + 1, e2, inner);
      this.line("}");
    };
    if (l === this.lanes.level) {
      const U = this.lanes.count;
      body("0", `i${l} < m${l}`, U, U);
      if (U > 1) body(`m${l}`, `i${l} < n${l}`, 1, 1); // remainder, one lane
    } else {
      body("0", `i${l} < n${l}`, 1, lanes);
    }
  }

  private element(env: Env, lanes: number): void {
    switch (this.ins.kind) {
      case Kind.Dot:
      case Kind.Reduce:
        this.reduceElement(env, lanes);
        break;
      case Kind.Map:
        this.mapElement(env);
        break;
      case Kind.Move:
        this.moveElement(env);
        break;
    }
  }

  private reduceElement(env: Env, lanes: number): void {
    const ins = this.ins;
    const us = Array.from({ length: lanes }, (_, u) => u);
    const init =
      ins.kind === Kind.Reduce && ins.op === ReduceOp.Max
        ? "-Infinity"
        : ins.kind === Kind.Reduce && ins.op === ReduceOp.Min
          ? "Infinity"
          : "0";
    this.line(`let ${us.map((u) => `acc${u} = ${init}`).join(", ")};`);
    const guard = this.reads.map((o) => this.okOf(env, o.index)).filter((s) => s !== "true");
    // A padded tap (any invalid read) leaves acc unchanged, so skipping it — or a whole
    // inner loop whose reads share the invalid coordinate — gives the same bits.
    if (!guard.includes("false")) this.reduction(env, us, guard);
    for (const u of us) this.reduceEpilogue(env, u);
  }

  /** The reduction loops of one lane group, under the output-level guard. */
  private reduction(env: Env, us: number[], guard: string[]): void {
    const ins = this.ins;
    const re = cloneEnv(env);
    if (guard.length > 0) this.line(`if (${guard.join(" && ")}) {`);
    for (let l = this.a; l < this.L; l++) {
      this.line(`for (let i${l} = 0; i${l} < n${l}; i${l}++) {`);
      this.emitForms(re, this.redForms, l);
      for (const ch of this.redChecks.filter((c) => c.level === l))
        this.line(`if (!(${this.condition(re, ch)})) continue;`);
    }
    // Loads: one per lane, or one shared when the operand does not move along lanes.
    const shared = (o: OperandPlan): boolean => us.length > 1 && o.addr.coefs[this.lanes.level] === 0;
    const load = (j: number, u: number): string => {
      const o = this.plan.operands[j];
      return shared(o) ? `v${j}` : `I${j}[${this.laneExpr(re, o.addr, u)}]`;
    };
    for (const o of this.reads)
      if (shared(o)) this.line(`const v${o.index} = I${o.index}[${this.valueOf(re, o.addr)}];`);
    if (ins.kind === Kind.Dot) {
      for (const u of us) this.line(`acc${u} = fround(acc${u} + fround(${load(0, u)} * ${load(1, u)}));`);
    } else if (ins.op === ReduceOp.Sum || ins.op === ReduceOp.Mean) {
      for (const u of us) this.line(`acc${u} = fround(acc${u} + ${load(0, u)});`);
    } else if (ins.op === ReduceOp.Max || ins.op === ReduceOp.Min) {
      // Same inline as the binary Map op, so the same probe vouches for it.
      this.G = ins.op === ReduceOp.Max ? fo32.max : fo32.min;
      const inline = combineInlines(ins.op === ReduceOp.Max ? MapOp.Max : MapOp.Min, this.G);
      for (const u of us) {
        this.line(`const x${u} = ${load(0, u)};`);
        if (!inline) this.line(`acc${u} = G(acc${u}, x${u});`);
        else this.line(ins.op === ReduceOp.Max ? maxInto(`acc${u}`, `x${u}`) : minInto(`acc${u}`, `x${u}`));
      }
    } else {
      throw new Error(`unknown reduce op ${ins.op}`);
    }
    for (let l = this.a; l < this.L; l++) this.line("}");
    if (guard.length > 0) this.line("}");
  }

  /** Lane u's write: s = acc (+ bias), the Dot epilogue / the Mean division. */
  private reduceEpilogue(env: Env, u: number): void {
    const ins = this.ins;
    const target = (): string => this.laneExpr(env, this.plan.out, u);
    this.line("{");
    if (ins.kind === Kind.Dot) {
      this.line(`let s = acc${u};`);
      if (ins.inputs.length > 2) this.line(`s = fround(s + I2[${this.laneExpr(env, this.plan.operands[2].addr, u)}]);`);
      this.F = fo32.unaryFunction(ins.op, ins.params);
      this.line(unaryCode(ins.op, ins.params, "s", "r", this.F));
      this.write(target(), "r");
    } else if (ins.op === ReduceOp.Mean) {
      this.line(`const r = fround(acc${u} / ${lit(ins.params[0])});`);
      this.write(target(), "r");
    } else {
      this.write(target(), `acc${u}`);
    }
    this.line("}");
  }

  private mapElement(env: Env): void {
    const ins = this.ins;
    const [x, y, z] = this.plan.operands;
    this.line(`const x = I0[${this.valueOf(env, x.addr)}];`);
    if (ins.op >= FIRST_TERNARY_MAP_OP) {
      // Where, the one ternary op: a selection, no arithmetic, so the same expression as
      // fo32.where (c ≠ ±0, a NaN c counting as true).
      this.line(`const y = I1[${this.valueOf(env, y.addr)}];`);
      this.line(`const z = I2[${this.valueOf(env, z.addr)}];`);
      if (ins.op !== MapOp.Where) throw new Error(`JS engine: no ternary op ${ins.op}`);
      this.line("const r = x !== 0 ? y : z;");
    } else if (ins.op >= FIRST_BINARY_MAP_OP) {
      this.line(`const y = I1[${this.valueOf(env, y.addr)}];`);
      this.G = fo32.binaryFunction(ins.op);
      this.line(binaryCode(ins.op, "x", "y", "r", this.G));
    } else {
      this.F = fo32.unaryFunction(ins.op, ins.params);
      this.line(unaryCode(ins.op, ins.params, "x", "r", this.F));
    }
    this.write(this.valueOf(env, this.plan.out), "r");
  }

  /** Move: the first valid source wins; none valid → params[0]. */
  private moveElement(env: Env): void {
    const ins = this.ins;
    this.line("let v;");
    let chain = "";
    let closed = false;
    for (const o of this.plan.operands) {
      const ok = this.okOf(env, o.index);
      if (ok === "false") continue;
      const read = `v = I${o.index}[${this.valueOf(env, o.addr)}];`;
      if (ok === "true") {
        this.line(`${chain}${read}`);
        closed = true;
        break;
      }
      this.line(`${chain}if (${ok}) ${read}`);
      chain = "else ";
    }
    if (!closed) {
      this.line(
        ins.params.length > 0
          ? `${chain}v = ${lit(ins.params[0])};`
          : `${chain}throw new Error("Move: element " + (${this.valueOf(env, this.plan.out)}) + " has no valid source and no params[0]");`,
      );
    }
    this.write(this.valueOf(env, this.plan.out), "v");
  }

  emit(): JsKernelSource {
    const { level, count } = this.lanes;
    this.line(this.ins.inputs.map((_, j) => `const I${j} = ins[${j}];`).join("\n"));
    // Loop extents come from `lim` (the full dims, or a small box for the warm-up run).
    for (let l = 0; l < this.L; l++) this.line(`const n${l} = lim[${l}];`);
    if (level >= 0) this.line(`const m${level} = n${level} - n${level} % ${count};`);
    this.outputLevel(0, { cur: new Map(), ok: this.ins.inputs.map(() => []) }, 1);
    const header = this.constants.map((_, i) => `const k${i} = K[${i}];`).join("\n");
    const code = `"use strict";\nreturn function kernel(out, ins, lim, K) {\n${header}\n${this.lines.join("\n")}\n};`;
    return { code, F: this.F, G: this.G, warmLimits: this.lanes.warmExtents, constants: this.constants };
  }
}
