// FO32 elementwise operations as WebAssembly code, in two flavours: f32x4 (four output
// elements in the lanes) and scalar f32. Wasm's f32 / f32x4 add, sub, mul, div, sqrt are
// the IEEE binary32 operations with round-to-nearest-even, subnormals kept and no
// contraction; min / max return NaN if either operand is NaN and order −0 < +0 — exactly
// the FO32 primitives. Only NaN bit patterns may differ, and every value a kernel stores is
// canonicalized first (canonicalizeVec / canonicalizeScalar).
//
// Each op's code is checked against the node/fo32 closure on probe values before a kernel
// may use it (opAgrees); on any disagreement the kernel leaves the op to JS, so this file
// can never drift from the definition the stepper uses.
import { FIRST_BINARY_MAP_OP, MapOp } from "../../program/isa";
import * as fo32 from "../../fo32";
import { F32, FnBuilder, I32, O, S, V128, buildModule } from "./encoder";
import { WA } from "./wa";
import { probeOnce, probeValues } from "../probe";
import { transcendentalIn } from "./ops-transcendental";

/**
 * Emits code leaving op(inputs) on the stack; the inputs are locals (v128 or f32): x for a
 * unary op, x and y for a binary one, and z too for a ternary one.
 */
export type OpEmitter = (fn: FnBuilder, x: number, y: number, z?: number) => void;

export interface OpCode {
  vec: OpEmitter;
  scalar: OpEmitter;
}

// ONNX attribute defaults (as node/fo32 applies them when params are missing).
const HSWISH_ALPHA = fo32.fromBits(0x3e2aaaab); // f32(1/6)
const HSIG_ALPHA = fo32.fromBits(0x3e4ccccd); // 0.2
const HSIG_BETA = 0.5;
const LEAKY_ALPHA = fo32.fromBits(0x3c23d70a); // 0.01

function param(params: readonly number[], i: number, dflt: number): number {
  return i < params.length ? params[i] : dflt;
}

// Per-flavour instruction tables, so each op is written once.
interface Flavour {
  c(fn: FnBuilder, v: number): void; // constant in every lane
  add: (fn: FnBuilder) => void;
  sub: (fn: FnBuilder) => void;
  mul: (fn: FnBuilder) => void;
  div: (fn: FnBuilder) => void;
  min: (fn: FnBuilder) => void;
  max: (fn: FnBuilder) => void;
  lt: (fn: FnBuilder) => void;
  gt: (fn: FnBuilder) => void;
  eq: (fn: FnBuilder) => void;
  ne: (fn: FnBuilder) => void;
  or: (fn: FnBuilder) => void;
  /** (a, b, mask) → mask ? a : b */
  select: (fn: FnBuilder) => void;
  unary: Partial<Record<"neg" | "abs" | "sqrt" | "floor" | "ceil" | "nearest", (fn: FnBuilder) => void>>;
}

const VEC: Flavour = {
  c: (fn, v) => void fn.v128f(v),
  add: (fn) => void fn.simd(S.f32x4Add),
  sub: (fn) => void fn.simd(S.f32x4Sub),
  mul: (fn) => void fn.simd(S.f32x4Mul),
  div: (fn) => void fn.simd(S.f32x4Div),
  min: (fn) => void fn.simd(S.f32x4Min),
  max: (fn) => void fn.simd(S.f32x4Max),
  lt: (fn) => void fn.simd(S.f32x4Lt),
  gt: (fn) => void fn.simd(S.f32x4Gt),
  eq: (fn) => void fn.simd(S.f32x4Eq),
  ne: (fn) => void fn.simd(S.f32x4Ne),
  or: (fn) => void fn.simd(S.or),
  select: (fn) => void fn.simd(S.bitselect),
  unary: {
    neg: (fn) => void fn.simd(S.f32x4Neg),
    abs: (fn) => void fn.simd(S.f32x4Abs),
    sqrt: (fn) => void fn.simd(S.f32x4Sqrt),
    floor: (fn) => void fn.simd(S.f32x4Floor),
    ceil: (fn) => void fn.simd(S.f32x4Ceil),
    nearest: (fn) => void fn.simd(S.f32x4Nearest),
  },
};

const SCALAR: Flavour = {
  c: (fn, v) => void fn.f32(v),
  add: (fn) => void fn.op(O.f32Add),
  sub: (fn) => void fn.op(O.f32Sub),
  mul: (fn) => void fn.op(O.f32Mul),
  div: (fn) => void fn.op(O.f32Div),
  min: (fn) => void fn.op(O.f32Min),
  max: (fn) => void fn.op(O.f32Max),
  lt: (fn) => void fn.op(O.f32Lt),
  gt: (fn) => void fn.op(O.f32Gt),
  eq: (fn) => void fn.op(O.f32Eq),
  ne: (fn) => void fn.op(O.f32Ne),
  or: (fn) => void fn.op(O.i32Or),
  select: (fn) => void fn.op(O.select),
  unary: {
    neg: (fn) => void fn.op(O.f32Neg),
    abs: (fn) => void fn.op(O.f32Abs),
    sqrt: (fn) => void fn.op(O.f32Sqrt),
    floor: (fn) => void fn.op(O.f32Floor),
    ceil: (fn) => void fn.op(O.f32Ceil),
    nearest: (fn) => void fn.op(O.f32Nearest),
  },
};

/** hardSigmoid(x) = max(0, min(1, alpha·x + beta)) on the stack. */
function hardSigmoid(F: Flavour, fn: FnBuilder, x: number, alpha: number, beta: number): void {
  F.c(fn, 0);
  F.c(fn, 1);
  F.c(fn, alpha);
  fn.get(x);
  F.mul(fn);
  F.c(fn, beta);
  F.add(fn);
  F.min(fn);
  F.max(fn);
}

function unaryIn(F: Flavour, op: number, params: readonly number[]): OpEmitter | null {
  const simple =
    (name: keyof Flavour["unary"]): OpEmitter =>
    (fn, x) => {
      fn.get(x);
      F.unary[name]!(fn);
    };
  switch (op) {
    case MapOp.None:
    case MapOp.Identity:
      return (fn, x) => void fn.get(x);
    case MapOp.Neg:
      return simple("neg");
    case MapOp.Abs:
      return simple("abs");
    case MapOp.Sqrt:
      return simple("sqrt");
    case MapOp.Floor:
      return simple("floor");
    case MapOp.Ceil:
      return simple("ceil");
    case MapOp.Round:
      return simple("nearest");
    case MapOp.Reciprocal:
      return (fn, x) => {
        F.c(fn, 1);
        fn.get(x);
        F.div(fn);
      };
    case MapOp.Relu:
      // x > 0 || x ≠ x ? x : +0
      return (fn, x) => {
        fn.get(x);
        F.c(fn, 0);
        fn.get(x);
        F.c(fn, 0);
        F.gt(fn);
        fn.get(x);
        fn.get(x);
        F.ne(fn);
        F.or(fn);
        F.select(fn);
      };
    case MapOp.LeakyRelu: {
      const alpha = param(params, 0, LEAKY_ALPHA);
      // x < 0 ? alpha·x : x
      return (fn, x) => {
        F.c(fn, alpha);
        fn.get(x);
        F.mul(fn);
        fn.get(x);
        fn.get(x);
        F.c(fn, 0);
        F.lt(fn);
        F.select(fn);
      };
    }
    case MapOp.Clip: {
      const lo = param(params, 0, -Infinity);
      const hi = param(params, 1, Infinity);
      return (fn, x) => {
        fn.get(x);
        F.c(fn, lo);
        F.max(fn);
        F.c(fn, hi);
        F.min(fn);
      };
    }
    case MapOp.HardSigmoid: {
      const alpha = param(params, 0, HSIG_ALPHA);
      const beta = param(params, 1, HSIG_BETA);
      return (fn, x) => hardSigmoid(F, fn, x, alpha, beta);
    }
    case MapOp.HardSwish:
      // x = −inf ? −0 : x · hardSigmoid(x; 1/6, 0.5)
      return (fn, x) => {
        F.c(fn, -0);
        fn.get(x);
        hardSigmoid(F, fn, x, HSWISH_ALPHA, HSIG_BETA);
        F.mul(fn);
        fn.get(x);
        F.c(fn, -Infinity);
        F.eq(fn);
        F.select(fn);
      };
    default:
      return transcendentalIn(F === VEC, op, params);
  }
}

function binaryIn(F: Flavour, op: number): OpEmitter | null {
  const simple =
    (emit: (fn: FnBuilder) => void): OpEmitter =>
    (fn, x, y) => {
      fn.get(x);
      fn.get(y);
      emit(fn);
    };
  switch (op) {
    case MapOp.Add:
      return simple(F.add);
    case MapOp.Sub:
      return simple(F.sub);
    case MapOp.Mul:
      return simple(F.mul);
    case MapOp.Div:
      return simple(F.div);
    case MapOp.Max:
      return simple(F.max);
    case MapOp.Min:
      return simple(F.min);
    case MapOp.Equal:
    case MapOp.Less:
    case MapOp.LessOrEqual:
      // mask ? 1 : +0; x <= y is (x < y) | (x == y), false for NaN like both halves.
      return (fn, x, y) => {
        F.c(fn, 1);
        F.c(fn, 0);
        fn.get(x);
        fn.get(y);
        if (op === MapOp.Equal) F.eq(fn);
        else {
          F.lt(fn);
          if (op === MapOp.LessOrEqual) {
            fn.get(x);
            fn.get(y);
            F.eq(fn);
            F.or(fn);
          }
        }
        F.select(fn);
      };
    case MapOp.PRelu:
      // x < 0 ? x·y : x
      return (fn, x, y) => {
        fn.get(x);
        fn.get(y);
        F.mul(fn);
        fn.get(x);
        fn.get(x);
        F.c(fn, 0);
        F.lt(fn);
        F.select(fn);
      };
    default:
      return null;
  }
}

/** Store-time NaN canonicalization of the v128 in local `v`, left on the stack. */
export function canonicalizeVec(fn: FnBuilder, v: number): void {
  fn.v128i(0x7fc00000);
  fn.get(v);
  fn.get(v);
  fn.get(v);
  fn.simd(S.f32x4Ne);
  fn.simd(S.bitselect);
}

/** Store-time NaN canonicalization of the f32 in local `v`, left on the stack. */
export function canonicalizeScalar(fn: FnBuilder, v: number): void {
  fn.f32(NaN); // f32Bytes writes 0x7FC00000 for NaN
  fn.get(v);
  fn.get(v);
  fn.get(v);
  fn.op(O.f32Ne);
  fn.op(O.select);
}

// ---------------------------------------------------------------------------------------
// Probing: each emitted op is run on the probe values (../probe.ts; all pairs for a binary
// op) in both flavours and compared bit for bit, after canonicalization, with node/fo32.

function runProbe(inputs: Float32Array[], code: OpCode): { vec: Uint32Array; scalar: Uint32Array } {
  const n = inputs[0].length; // multiple of 4
  const bytes = n * 4;
  const k = inputs.length; // operand arrays, then the vec and the scalar results
  const pages = Math.ceil(((k + 2) * bytes) / 65536);
  const fns: FnBuilder[] = [];
  for (const flavour of ["vec", "scalar"] as const) {
    const fn = new FnBuilder();
    const isVec = flavour === "vec";
    const t = isVec ? V128 : F32;
    const xs = [fn.local(t), fn.local(t), fn.local(t)];
    const r = fn.local(t);
    const p = fn.local(I32);
    const step = isVec ? 16 : 4;
    const loop = fn.loop();
    for (let j = 0; j < 3; j++) {
      // Operands beyond the op's arity read operand 0 again: any value will do.
      fn.get(p);
      if (isVec) fn.simdMem(S.load, 0, (j < k ? j : 0) * bytes);
      else fn.mem(O.f32Load, 2, (j < k ? j : 0) * bytes);
      fn.set(xs[j]);
    }
    code[flavour](fn, xs[0], xs[1], xs[2]);
    fn.set(r);
    fn.get(p);
    if (isVec) canonicalizeVec(fn, r);
    else canonicalizeScalar(fn, r);
    if (isVec) fn.simdMem(S.store, 0, k * bytes);
    else fn.mem(O.f32Store, 2, (k + 1) * bytes);
    fn.get(p).i32(step).op(O.i32Add).tee(p).i32(bytes).op(O.i32LtU).brIf(loop);
    fn.end();
    fns.push(fn);
  }
  const memory = new WA!.Memory({ initial: pages, maximum: pages });
  const inst = new WA!.Instance(new WA!.Module(buildModule(pages, fns, ["v", "s"])), { e: { m: memory } });
  const f = new Float32Array(memory.buffer);
  inputs.forEach((a, j) => f.set(a, j * n));
  (inst.exports.v as () => void)();
  (inst.exports.s as () => void)();
  const u = new Uint32Array(memory.buffer);
  return { vec: u.slice(k * n, (k + 1) * n), scalar: u.slice((k + 1) * n, (k + 2) * n) };
}

function agrees(
  key: string,
  arity: 1 | 2 | 3,
  code: OpCode,
  reference: (x: number, y: number, z: number) => number,
  params: readonly number[],
): boolean {
  return probeOnce(`wasm:${key}`, () => {
    const values = probeValues(params);
    const cols: number[][] = Array.from({ length: arity }, () => []);
    if (arity === 1) {
      for (const v of values) cols[0].push(v);
    } else if (arity === 2) {
      for (const a of values) {
        for (const b of values) {
          cols[0].push(a);
          cols[1].push(b);
        }
      }
    } else {
      // Every probe value as the condition, with every probe value selected from (a
      // rotation gives the other side).
      for (const c of values) {
        values.forEach((v, i) => {
          cols[0].push(c);
          cols[1].push(v);
          cols[2].push(values[(i + 1) % values.length]);
        });
      }
    }
    while (cols[0].length % 4 !== 0) for (const col of cols) col.push(0);
    const got = runProbe(
      cols.map((c) => Float32Array.from(c)),
      code,
    );
    for (let i = 0; i < cols[0].length; i++) {
      const args = cols.map((c) => Math.fround(c[i]));
      const want = fo32.bitsOf(Math.fround(reference(args[0], args[1] ?? 0, args[2] ?? 0)));
      if (got.vec[i] !== want || got.scalar[i] !== want) return false;
    }
    return true;
  });
}

/** Wasm code for a unary Map op / Dot epilogue, or null (not implemented here or disagrees with fo32). */
export function unaryCode(op: number, params: readonly number[]): OpCode | null {
  const vec = unaryIn(VEC, op, params);
  const scalar = unaryIn(SCALAR, op, params);
  if (vec === null || scalar === null) return null;
  let ref: (x: number) => number;
  try {
    ref = fo32.unaryFunction(op, params);
  } catch {
    return null;
  }
  const code = { vec, scalar };
  const key = `u${op}:${params.map((p) => fo32.bitsOf(p)).join(",")}:${params.length}`;
  return agrees(key, 1, code, (x) => ref(x), params) ? code : null;
}

/** Wasm code for a binary Map op, or null. */
export function binaryCode(op: number): OpCode | null {
  if (op < FIRST_BINARY_MAP_OP) return null;
  const vec = binaryIn(VEC, op);
  const scalar = binaryIn(SCALAR, op);
  if (vec === null || scalar === null) return null;
  let ref: (x: number, y: number) => number;
  try {
    ref = fo32.binaryFunction(op);
  } catch {
    return null;
  }
  const code = { vec, scalar };
  return agrees(`b${op}`, 2, code, ref, []) ? code : null;
}

/** Wasm code for a ternary Map op (Where: c ≠ ±0 ? x : y, a NaN c true), or null. */
export function ternaryCode(op: number): OpCode | null {
  if (op !== MapOp.Where) return null;
  const where =
    (F: Flavour): OpEmitter =>
    (fn, c, x, y) => {
      if (y === undefined) throw new Error("Where reads three operands");
      fn.get(x);
      fn.get(y);
      fn.get(c);
      F.c(fn, 0);
      F.ne(fn); // NaN ≠ 0 is true; −0 ≠ 0 is false
      F.select(fn);
    };
  const code = { vec: where(VEC), scalar: where(SCALAR) };
  return agrees(`t${op}`, 3, code, fo32.ternaryFunction(op), []) ? code : null;
}
