// FO32 transcendental element ops (node/fo32/transcendental.ts) as WebAssembly code, f32x4
// and scalar. Each function follows its fo32 definition operation by operation: the same
// binary32 add / sub / mul / div in the same order, the same constants, the same integer
// bit manipulation (i32 / i32x4 ops on the reinterpreted bits). Branches become selects:
// every branch is computed for every lane and the defined one chosen, so the result of a
// lane is the fo32 result whatever the other lanes hold (SIMD arithmetic never traps; the
// garbage of an unselected branch is discarded). NaN inputs propagate through the
// arithmetic; where an integer path could turn a NaN into a number, a select restores it.
//
// ops.ts probes each op built here against node/fo32 before a kernel may use it, like its
// own ops; test/vm-wasm-transcendental.test.ts compares them on millions of inputs.
import { MapOp } from "../../program/isa";
import * as fo32 from "../../fo32";
import { ELU_ALPHA, SELU_ALPHA, SELU_GAMMA } from "../../fo32";
import {
  E0,
  E1,
  E2,
  E3,
  E4,
  ERF_ONE,
  ERF_SPLIT,
  ERFC_PIECES,
  EXP_OVF,
  EXP_UNF,
  EXPM1_NEG,
  GELU_ZERO,
  INV_SQRT2,
  L0,
  L1,
  L2,
  LN2HI,
  LN2LO,
  LOG2E,
  MAGIC,
  MAGIC_BITS,
  MIN_NORMAL,
  P0,
  P1,
  P2,
  P3,
  P4,
  P5,
  SOFTPLUS_ID,
  SQRT2_MANT,
  SQRT2M1,
  TWO23,
} from "../../fo32/transcendental";
import { F32, FnBuilder, I32, O, S, V128 } from "./encoder";

// Opcodes beyond encoder.ts's tables (kept here: only this module uses them).
const SV = {
  i32x4Eq: 0x37,
  i32x4LtS: 0x39,
  i32x4GtS: 0x3b,
  f32x4Ge: 0x46,
  i32x4Shl: 0xab,
  i32x4ShrS: 0xac,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  f32x4ConvertI32x4S: 0xfa,
} as const;
const OS = {
  f32Ge: 0x60,
  i32Shl: 0x74,
  i32ShrS: 0x75,
  i32ShrU: 0x76,
  f32ConvertI32S: 0xb2,
  i32ReinterpretF32: 0xbc,
  f32ReinterpretI32: 0xbe,
} as const;

const f = fo32.fromBits;

// The constants of node/fo32/transcendental.ts itself (and the ONNX attribute defaults node/fo32
// applies), so this code cannot drift from the definition in a constant.
const E = [E0, E1, E2, E3, E4];
const P2_M24 = f(0x33800000); // 2^-24

/**
 * One flavour's instructions on a stack machine where float values are f32 (scalar) or
 * f32x4 and integer values i32 or i32x4; masks are i32 0/1 or lane masks, and `sel`
 * picks (a, b, mask) → mask ? a : b for values of either type.
 */
class Em {
  constructor(
    readonly fn: FnBuilder,
    readonly vec: boolean,
  ) {}
  private v(o: number): this {
    this.fn.simd(o);
    return this;
  }
  private s(o: number): this {
    this.fn.op(o);
    return this;
  }
  /** A new float local / integer local. */
  fl(): number {
    return this.fn.local(this.vec ? V128 : F32);
  }
  il(): number {
    return this.fn.local(this.vec ? V128 : I32);
  }
  get(l: number): this {
    this.fn.get(l);
    return this;
  }
  set(l: number): this {
    this.fn.set(l);
    return this;
  }
  tee(l: number): this {
    this.fn.tee(l);
    return this;
  }
  /** Float constant. */
  c(x: number): this {
    if (this.vec) this.fn.v128f(x);
    else this.fn.f32(x);
    return this;
  }
  /** Integer constant. */
  ci(x: number): this {
    if (this.vec) this.fn.v128i(x);
    else this.fn.i32(x);
    return this;
  }
  add(): this {
    return this.vec ? this.v(S.f32x4Add) : this.s(O.f32Add);
  }
  sub(): this {
    return this.vec ? this.v(S.f32x4Sub) : this.s(O.f32Sub);
  }
  mul(): this {
    return this.vec ? this.v(S.f32x4Mul) : this.s(O.f32Mul);
  }
  div(): this {
    return this.vec ? this.v(S.f32x4Div) : this.s(O.f32Div);
  }
  neg(): this {
    return this.vec ? this.v(S.f32x4Neg) : this.s(O.f32Neg);
  }
  abs(): this {
    return this.vec ? this.v(S.f32x4Abs) : this.s(O.f32Abs);
  }
  lt(): this {
    return this.vec ? this.v(S.f32x4Lt) : this.s(O.f32Lt);
  }
  gt(): this {
    return this.vec ? this.v(S.f32x4Gt) : this.s(O.f32Gt);
  }
  ge(): this {
    return this.vec ? this.v(SV.f32x4Ge) : this.s(OS.f32Ge);
  }
  eq(): this {
    return this.vec ? this.v(S.f32x4Eq) : this.s(O.f32Eq);
  }
  iadd(): this {
    return this.vec ? this.v(SV.i32x4Add) : this.s(O.i32Add);
  }
  isub(): this {
    return this.vec ? this.v(SV.i32x4Sub) : this.s(O.i32Sub);
  }
  ilt(): this {
    return this.vec ? this.v(SV.i32x4LtS) : this.s(O.i32LtS);
  }
  igt(): this {
    return this.vec ? this.v(SV.i32x4GtS) : this.s(O.i32GtS);
  }
  ieq(): this {
    return this.vec ? this.v(SV.i32x4Eq) : this.s(O.i32Eq);
  }
  and(): this {
    return this.vec ? this.v(S.and) : this.s(O.i32And);
  }
  or(): this {
    return this.vec ? this.v(S.or) : this.s(O.i32Or);
  }
  /** Shifts by a constant count. */
  shl(k: number): this {
    this.fn.i32(k);
    return this.vec ? this.v(SV.i32x4Shl) : this.s(OS.i32Shl);
  }
  shrS(k: number): this {
    this.fn.i32(k);
    return this.vec ? this.v(SV.i32x4ShrS) : this.s(OS.i32ShrS);
  }
  shrU(k: number): this {
    this.fn.i32(k);
    return this.vec ? this.v(SV.i32x4ShrU) : this.s(OS.i32ShrU);
  }
  /** Float → its bit pattern; bit pattern → float (no-ops on v128). */
  bits(): this {
    return this.vec ? this : this.s(OS.i32ReinterpretF32);
  }
  float(): this {
    return this.vec ? this : this.s(OS.f32ReinterpretI32);
  }
  /** Integer → float value (exact for |k| < 2^24). */
  convert(): this {
    return this.vec ? this.v(SV.f32x4ConvertI32x4S) : this.s(OS.f32ConvertI32S);
  }
  /** (a, b, mask) → mask ? a : b. */
  sel(): this {
    return this.vec ? this.v(S.bitselect) : this.s(O.select);
  }
  /** Sign bit set (fo32 isNegative) of the float on the stack, as a mask. */
  isNegative(): this {
    return this.bits().ci(0).ilt();
  }
}

// ---- exp / expm1 (transcendental.ts: reduceLn2, expm1Kernel, exp, expm1) --------------------

/** reduceLn2(x): sets locals r (float) and n (integer). */
function reduceLn2(e: Em, x: number): { r: number; n: number } {
  const k = e.fl();
  const n = e.il();
  const nf = e.fl();
  const r = e.fl();
  e.get(x).c(LOG2E).mul().c(MAGIC).add().tee(k);
  e.bits().ci(MAGIC_BITS).isub().set(n);
  e.get(k).c(MAGIC).sub().set(nf);
  e.get(x).get(nf).c(LN2HI).mul().sub(); // hi
  e.get(nf).c(LN2LO).mul(); // lo
  e.sub().set(r);
  return { r, n };
}

/** expm1Kernel(r) on the stack. */
function expm1Kernel(e: Em, r: number): void {
  // q = E0 + r·(E1 + r·(E2 + r·(E3 + r·E4)))
  e.c(E[0]).get(r).c(E[1]).get(r).c(E[2]).get(r).c(E[3]).get(r).c(E[4]);
  e.mul().add().mul().add().mul().add().mul().add();
  // r + (r·r)·q (add and mul commute exactly)
  e.get(r).get(r).mul().mul().get(r).add();
}

/**
 * 2^m as a float for an integer m known to be in [−126, 127] in every lane that matters
 * (pow2's normal case: the bit pattern (m + 127) << 23).
 */
function pow2Normal(e: Em, m: number): void {
  e.get(m).ci(127).iadd().shl(23).float();
}

/**
 * pow2(m) for m in [−149, 127]: below −126 pow2 gives the subnormal 2^m, built here as
 * the product 2^(m+24)·2^-24 of two normal powers of two (exact: 2^m is representable).
 */
function pow2(e: Em, m: number): void {
  const low = e.il();
  e.get(m).ci(-126).ilt().set(low);
  e.get(m).ci(24).iadd().get(m).get(low).sel().ci(127).iadd().shl(23).float();
  e.c(P2_M24).c(1).get(low).sel().mul();
}

/**
 * scale(y, n) = y·2^n rounded once, for y on the stack (0, ±inf or 2^-1 ≤ |y| < 2, or as
 * the caller states) and n in [−250, 254] in every lane that matters. core.ts applies
 * 2^n in one product when it is normal, else as an exact product by 2^127 / 2^(n+126)
 * followed by the rounding one; here every lane takes the exact product by 2^⌈n/2⌉
 * (⌈n/2⌉ in [−125, 127], so y·2^⌈n/2⌉ is normal and finite, hence exact) followed by the
 * rounding product by 2^⌊n/2⌋. Both compute round(y·2^n), the one product that rounds.
 */
function scale(e: Em, n: number): void {
  const a = e.il();
  const b = e.il();
  e.get(n).shrS(1).set(a); // ⌊n/2⌋
  e.get(n).get(a).isub().set(b); // ⌈n/2⌉
  pow2Normal(e, b);
  e.mul();
  pow2Normal(e, a);
  e.mul();
}

/** exp(x) on the stack. */
function exp(e: Em, x: number): void {
  const { r, n } = reduceLn2(e, x);
  e.c(Infinity).c(0);
  e.c(1);
  expm1Kernel(e, r);
  e.add(); // 1 + expm1Kernel(r), in [0.7, 1.42]
  scale(e, n); // n in [−150, 128] for x in [EXP_UNF, EXP_OVF]
  e.get(x).c(EXP_UNF).lt().sel(); // x < EXP_UNF ? 0 : …
  e.get(x).c(EXP_OVF).gt().sel(); // x > EXP_OVF ? inf : … (a NaN x propagates through the arithmetic)
}

/** expm1(x) on the stack. */
function expm1(e: Em, x: number): void {
  const { r, n } = reduceLn2(e, x);
  const p = e.fl();
  const t = e.fl();
  expm1Kernel(e, r);
  e.set(p);
  e.c(Infinity).c(-1).get(x);
  e.get(p); // n = 0: p (r = x exactly)
  // n > 0: scale(p + (1 − pow2(−n)), n); −n in [−128, −1]
  const mn = e.il();
  e.ci(0).get(n).isub().set(mn);
  e.get(p).c(1);
  pow2(e, mn);
  e.sub().add();
  scale(e, n); // (1 + p) − 2^-n ≥ 0.2, n ≤ 128
  // n < 0: t = pow2(n) (n ≥ −26 for x ≥ EXPM1_NEG); p·t − (1 − t)
  pow2Normal(e, n);
  e.set(t);
  e.get(p).get(t).mul().c(1).get(t).sub().sub();
  e.get(n).ci(0).igt().sel();
  e.get(n).ci(0).ieq().sel();
  e.get(x).c(0).eq().sel(); // x = ±0: x (keeps −0)
  e.get(x).c(EXPM1_NEG).lt().sel(); // −1
  e.get(x).c(EXP_OVF).gt().sel(); // inf
}

/** sigmoid(x): one exp, of x below −EXP_OVF and of −x elsewhere. */
function sigmoid(e: Em, x: number): void {
  const m = e.il();
  const a = e.fl();
  const ex = e.fl();
  e.get(x).c(-EXP_OVF).lt().set(m);
  e.get(x).get(x).neg().get(m).sel().set(a);
  exp(e, a);
  e.tee(ex);
  e.c(1).c(1).get(ex).add().div();
  e.get(m).sel();
}

/** tanh(x) = ±(−t/(t + 2)), t = expm1(−2·|x|); the sign of x (isNegative) decides. */
function tanh(e: Em, x: number): void {
  const a = e.fl();
  const t = e.fl();
  const r = e.fl();
  e.c(-2).get(x).abs().mul().set(a);
  expm1(e, a);
  e.tee(t).neg().get(t).c(2).add().div().tee(r);
  e.neg().get(r).get(x).isNegative().sel();
}

/** Elu: x ≥ 0 ? x : alpha·expm1(x) (a NaN x: the expm1 side, NaN). */
function elu(e: Em, x: number, alpha: number): void {
  e.get(x).c(alpha);
  expm1(e, x);
  e.mul().get(x).c(0).ge().sel();
}

/** Selu: x > 0 ? gamma·x : gamma·(alpha·expm1(x)). */
function selu(e: Em, x: number, alpha: number, gamma: number): void {
  e.c(gamma).get(x).mul();
  e.c(gamma).c(alpha);
  expm1(e, x);
  e.mul().mul().get(x).c(0).gt().sel();
}

// ---- log / softplus (transcendental.ts: logKernel, log, log1pPos, softplus) ----------------

/** logKernel(u, k) on the stack; u a float local, k an integer local. */
function logKernel(e: Em, u: number, k: number): void {
  const s = e.fl();
  const z = e.fl();
  const hfsq = e.fl();
  const kf = e.fl();
  e.get(u).c(2).get(u).add().div().tee(s);
  e.get(s).mul().set(z);
  e.get(k).convert().set(kf);
  e.c(0.5).get(u).mul().get(u).mul().set(hfsq);
  // k·LN2HI + (u − (hfsq − (s·(hfsq + R) + k·LN2LO))), R = z·(L0 + z·(L1 + z·L2))
  e.get(kf).c(LN2HI).mul();
  e.get(u).get(hfsq);
  e.get(s).get(hfsq);
  e.get(z).c(L0).get(z).c(L1).get(z).c(L2).mul().add().mul().add().mul(); // R
  e.add().mul(); // s·(hfsq + R)
  e.get(kf).c(LN2LO).mul().add();
  e.sub().sub().add();
}

/** log(x) on the stack (x a float local). */
function log(e: Em, x: number): void {
  const sub = e.il();
  const ix = e.il();
  const m = e.il();
  const big = e.il();
  const k = e.il();
  const u = e.fl();
  e.get(x).c(MIN_NORMAL).lt().set(sub);
  e.get(x).c(TWO23).mul().get(x).get(sub).sel().bits().set(ix); // subnormal → normal, exactly
  e.get(ix).ci(0x7fffff).and().set(m);
  e.get(m).ci(SQRT2_MANT).igt().set(big);
  // k = −23 (subnormal) + (ix >>> 23) − 127 + 1 (m > √2's mantissa): exact integers
  e.ci(-23).ci(0).get(sub).sel();
  e.get(ix).shrU(23).ci(127).isub().iadd();
  e.ci(1).ci(0).get(big).sel().iadd().set(k);
  e.get(m).ci(0x3f000000).ci(0x3f800000).get(big).sel().or().float();
  e.c(1).sub().set(u); // f − 1, exact
  e.c(-Infinity).c(Infinity);
  logKernel(e, u, k);
  e.get(x).c(Infinity).eq().sel();
  e.get(x).c(0).eq().sel(); // ±0: −inf
  e.c(NaN).get(x).c(0).ge().sel(); // x < 0 or NaN: NaN
}

/** softplus(x) = x above 16, else log1pPos(exp(x)). */
function softplus(e: Em, x: number): void {
  const u = e.fl();
  const w = e.fl();
  const zero = e.il();
  e.get(x);
  exp(e, x);
  e.set(u);
  e.ci(0).set(zero);
  logKernel(e, u, zero); // u < √2 − 1: log(1 + u) unrounded
  e.c(1).get(u).add().set(w);
  log(e, w);
  e.get(u).c(SQRT2M1).lt().sel();
  e.get(x).c(SOFTPLUS_ID).gt().sel(); // a NaN x: NaN through exp
}

// ---- erf / gelu (transcendental.ts: erfSmall, erfcScaled, erf, expTail, gelu) -------------

const P = [P0, P1, P2, P3, P4, P5];

/** erfSmall(x) on the stack. */
function erfSmall(e: Em, x: number): void {
  const z = e.fl();
  e.get(x).get(x).mul().set(z);
  e.get(x).get(x);
  e.c(P[0]).get(z).c(P[1]).get(z).c(P[2]).get(z).c(P[3]).get(z).c(P[4]).get(z).c(P[5]);
  e.mul().add().mul().add().mul().add().mul().add().mul().add(); // p
  e.mul().add(); // x + x·p
}

/**
 * erfcScaled(a) on the stack: each lane's piece is the first whose bound exceeds a, so
 * each coefficient starts as the last piece's and is replaced by piece j's unless a ≥
 * bound j, from the last bound down (the bounds ascend: the last replacement is the lane's
 * piece).
 */
function erfcScaled(e: Em, a: number): void {
  const last = ERFC_PIECES.length - 1;
  const above = ERFC_PIECES.slice(0, last).map(() => e.il());
  above.forEach((m, j) => e.get(a).c(ERFC_PIECES[j][0]).ge().set(m));
  const coef = (k: number): void => {
    e.c(ERFC_PIECES[last][k]);
    for (let j = last - 1; j >= 0; j--) e.c(ERFC_PIECES[j][k]).get(above[j]).sel();
  };
  const u = e.fl();
  e.get(a);
  coef(1);
  e.sub().set(u); // a − c
  coef(9);
  for (let k = 8; k >= 2; k--) {
    const p = e.fl();
    e.set(p);
    coef(k);
    e.get(u).get(p).mul().add(); // c[k] + u·p
  }
}

/** erf(x) given a = |x| and R = erfcScaled(a) (locals). */
function erfWith(e: Em, x: number, a: number, R: number): void {
  const r = e.fl();
  erfSmall(e, x);
  e.c(1).c(1);
  const t = e.fl();
  e.get(a).get(a).mul().neg().set(t);
  exp(e, t);
  e.get(R).mul().sub(); // 1 − exp(−a²)·R
  e.get(a).c(ERF_ONE).ge().sel().tee(r); // a ≥ 4: 1
  e.neg().get(r).get(x).c(0).lt().sel(); // x < 0: −r
  e.get(a).c(ERF_SPLIT).lt().sel(); // a < 0.75: erfSmall(x)
}

function erf(e: Em, x: number): void {
  const a = e.fl();
  const R = e.fl();
  e.get(x).abs().set(a);
  erfcScaled(e, a);
  e.set(R);
  erfWith(e, x, a, R);
}

/**
 * gelu(x). Its two sides use erfcScaled of the same value, |z| (z = x/√2): erf(z) for
 * z ≥ 0.75 and the tail for z < −0.75, where −z = |z|.
 */
function gelu(e: Em, x: number): void {
  const z = e.fl();
  const a = e.fl();
  const R = e.fl();
  e.get(x).c(INV_SQRT2).mul().tee(z).abs().set(a);
  erfcScaled(e, a);
  e.set(R);
  e.c(Infinity).c(-0);
  // z ≥ −0.75: (0.5·x)·(1 + erf(z))
  e.c(0.5).get(x).mul().c(1);
  erfWith(e, z, a, R);
  e.add().mul();
  // below: x = xh + xl, a2 + b2 = −x²/2 split exactly; y = expTail(a2, b2)
  const xh = e.fl();
  const a2 = e.fl();
  const b2 = e.fl();
  const k = e.fl();
  const n = e.il();
  const nf = e.fl();
  const r = e.fl();
  e.get(x).bits().ci(0xfffff000).and().float().set(xh);
  e.get(xh).get(xh).mul().c(0.5).mul().neg().set(a2);
  e.get(x).get(xh).sub().get(x).get(xh).add().mul().c(0.5).mul().neg().set(b2);
  e.get(a2).get(b2).add().c(LOG2E).mul().c(MAGIC).add().tee(k);
  e.bits().ci(MAGIC_BITS).isub().set(n);
  e.get(k).c(MAGIC).sub().set(nf);
  e.get(a2).get(nf).c(LN2HI).mul().sub(); // hi
  e.get(nf).c(LN2LO).mul().get(b2).sub(); // lo
  e.sub().set(r);
  e.get(x).get(R).mul(); // x·erfcScaled(−z)
  e.c(1);
  expm1Kernel(e, r);
  e.add().mul(); // (x·R)·y
  const n1 = e.il();
  e.get(n).ci(1).isub().set(n1);
  scale(e, n1); // |x·R·y| in [0.33, 1.2], n − 1 ≥ −153
  e.get(z).c(-ERF_SPLIT).ge().sel();
  e.get(x).c(GELU_ZERO).lt().sel(); // −0
  e.get(x).c(Infinity).eq().sel(); // inf (a NaN x: NaN through x·R)
}

function param(params: readonly number[], i: number, dflt: number): number {
  return i < params.length ? params[i] : dflt;
}

/** Emits op(x) on the stack, x a local (an ops.ts OpEmitter for a unary op). */
export type UnaryEmitter = (fn: FnBuilder, x: number) => void;

/** Code for a transcendental unary op in one flavour, or null if it has none here. */
export function transcendentalIn(vec: boolean, op: number, params: readonly number[]): UnaryEmitter | null {
  const wrap =
    (body: (e: Em, x: number) => void): UnaryEmitter =>
    (fn, x) =>
      body(new Em(fn, vec), x);
  switch (op) {
    case MapOp.Exp:
      return wrap(exp);
    case MapOp.Sigmoid:
      return wrap(sigmoid);
    case MapOp.Tanh:
      return wrap(tanh);
    case MapOp.Log:
      return wrap(log);
    case MapOp.Softplus:
      return wrap(softplus);
    case MapOp.Elu: {
      const alpha = param(params, 0, ELU_ALPHA);
      return wrap((e, x) => elu(e, x, alpha));
    }
    case MapOp.Selu: {
      const alpha = param(params, 0, SELU_ALPHA);
      const gamma = param(params, 1, SELU_GAMMA);
      return wrap((e, x) => selu(e, x, alpha, gamma));
    }
    case MapOp.Erf:
      return wrap(erf);
    case MapOp.Gelu:
      return wrap(gelu);
    default:
      return null;
  }
}
