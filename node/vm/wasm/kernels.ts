// WebAssembly kernels for Dot, Reduce and Map instructions, generated per instruction with
// every number (slot addresses, strides, extents) baked in.
//
// FO32 order is kept by construction: each output element has its own accumulator, its
// reduction runs over k = 0, 1, … K−1 in ascending order (the reduction loop nest is the
// row-major order of redDims), `acc = add(acc, mul(a, b))` with both operations rounded
// (wasm f32 / f32x4 arithmetic is exactly binary32 RNE, no FMA, subnormals kept), a padded
// tap leaves acc unchanged. Work is only split across output elements: the f32x4 lanes hold
// four output elements that are consecutive along one output dim (the lane level), each
// lane running its own reduction in the same k order.
//
// Plan of an instruction:
// 1. Every operand address (bytes) and every bounds-checked operand coordinate is an affine
//    form of the iteration variables. Levels of extent 1 are dropped and adjacent levels
//    merged when every form is row-major across them (e.g. H, W of a 1x1 conv → H·W).
// 2. A lane level is chosen by a small cost model (loads per lane group: stride 0 = one
//    splat, stride 1 = one v128.load, stride 2 = two loads + shuffle, else a gather).
// 3. Checks that do not depend on the lane level are uniform across lanes and evaluated as
//    branches (a check fixed by output levels skips the whole reduction, one fixed by a
//    reduction level skips that tap). For checks that do depend on it (padding along W),
//    the lane range is split: the interior, where they hold for every tap, runs in f32x4
//    without them; the border elements run in scalar f32 code with every check.
// 4. Every stored value is NaN-canonicalized (0x7FC00000) in the kernel.
import { FIRST_BINARY_MAP_OP, Instruction, Kind, MapOp, ReduceOp, SlotRef } from "../../program/isa";
import * as fo32 from "../../fo32";
import { coordRange, iterationMax } from "../validate";
import { F32, FnBuilder, I32, O, S, V128 } from "./encoder";
import { OpCode, binaryCode, canonicalizeScalar, canonicalizeVec, unaryCode } from "./ops";

/** Affine form over the (simplified) levels: value = off + Σ co[l]·i_l. */
interface Form {
  off: number;
  co: number[];
}

interface Check {
  form: Form; // the coordinate
  dim: number; // valid iff 0 ≤ coordinate < dim
}

interface OperandPlan {
  addr: Form; // byte address in linear memory
  checks: Check[];
  red: boolean; // read at reduction steps (Dot A/B, Reduce X); else once per element
}

export interface KernelOptions {
  /** Vectors per lane group (f32x4 accumulators in flight). */
  unroll?: number;
  /** Fully unroll the innermost reduction level up to this extent. */
  unrollReduction?: number;
  /** Otherwise unroll it by this factor. */
  unrollPartial?: number;
  /** Rows of the Dot register block along a second output level (1: none). */
  rows?: number;
  /** Force scalar code (for tests). */
  scalarOnly?: boolean;
}

export interface Kernel {
  /**
   * fns[0] is the kernel (exported); it calls the others once per iteration of the
   * outermost loop, so V8 can switch to optimized code within a run (wasm code has no
   * on-stack replacement: a function entered in baseline code finishes in it).
   */
  fns: FnBuilder[];
  /** Dot epilogue not available in wasm: the kernel stores s = acc (+ bias); JS applies this. */
  post: ((x: number) => number) | null;
  /** Description for debugging / tests. */
  info: string;
}

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;

/** Exact floor(a / b) for safe integers (b ≠ 0). */
function fdiv(a: number, b: number): number {
  if (b < 0) {
    a = -a;
    b = -b;
  }
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}
function cdiv(a: number, b: number): number {
  return -fdiv(-a, b);
}

type Val = { c: number } | { l: number };

interface Mode {
  vec: boolean;
  U: number; // vectors along the lane level (vec); 1 for scalar
  R: number; // rows along the row level (vec); 1 for scalar
}

/**
 * Build the wasm function for one instruction, or null when it must run in JS (Move, a Map
 * op without wasm code, coordinates beyond i32).
 * `base(ref)` is the byte offset of a slot in linear memory.
 */
export function buildKernel(ins: Instruction, base: (ref: SlotRef) => number, options: KernelOptions = {}): Kernel | null {
  if (ins.kind === Kind.Move) return null;
  const a = ins.iterDims.length;
  const nAll = ins.iterDims.concat(ins.redDims);
  const L = nAll.length;
  const isRed = ins.kind === Kind.Dot || ins.kind === Kind.Reduce;
  const K = ins.redDims.reduce((p, d) => p * d, 1);

  // --- the element operation ----------------------------------------------------------
  let unary: OpCode | null = null; // Dot epilogue or unary Map
  let binary: OpCode | null = null; // binary Map or Reduce Max/Min combine
  let post: ((x: number) => number) | null = null;
  if (ins.kind === Kind.Dot) {
    let F: (x: number) => number;
    try {
      F = fo32.unaryFunction(ins.op as MapOp, ins.params);
    } catch {
      return null; // JS reports it at run time
    }
    unary = ins.op === MapOp.None ? null : unaryCode(ins.op, ins.params);
    if (ins.op !== MapOp.None && unary === null) post = F;
  } else if (ins.kind === Kind.Map) {
    if (ins.op >= FIRST_BINARY_MAP_OP) binary = binaryCode(ins.op);
    else unary = unaryCode(ins.op, ins.params);
    if (binary === null && unary === null) return null;
  } else {
    if (ins.op === ReduceOp.Max) binary = binaryCode(MapOp.Max);
    else if (ins.op === ReduceOp.Min) binary = binaryCode(MapOp.Min);
    else if (ins.op === ReduceOp.Sum || ins.op === ReduceOp.Mean) binary = binaryCode(MapOp.Add);
    else return null;
    if (binary === null) return null;
    if (ins.op === ReduceOp.Mean && ins.params.length < 1) return null;
  }

  // --- forms over the original levels ---------------------------------------------------
  const hi = iterationMax(ins);
  let emptyRed = isRed && K === 0;
  const outForm: Form = { off: base(ins.out), co: new Array<number>(L).fill(0) };
  for (let l = a - 1, s = 4; l >= 0; l--) {
    outForm.co[l] = s;
    s *= nAll[l];
  }
  const ops: OperandPlan[] = [];
  for (let j = 0; j < ins.inputs.length; j++) {
    const op = ins.inputs[j];
    const red = isRed && !(ins.kind === Kind.Dot && j === 2);
    const strides = new Array<number>(op.dims.length);
    for (let d = op.dims.length - 1, s = 1; d >= 0; d--) {
      strides[d] = s;
      s *= op.dims[d];
    }
    const addr: Form = { off: base(op.slot), co: new Array<number>(L).fill(0) };
    for (let d = 0; d < op.dims.length; d++) {
      addr.off += 4 * op.offset[d] * strides[d];
      for (let l = 0; l < (red ? L : a); l++) addr.co[l] += 4 * op.coef[d * L + l] * strides[d];
    }
    const checks: Check[] = [];
    if (red) {
      for (let d = 0; d < op.dims.length; d++) {
        const [lo, up] = coordRange(op, d, hi);
        if (lo >= 0 && up < op.dims[d]) continue;
        const co = op.coef.slice(d * L, d * L + L);
        if (co.every((c) => c === 0)) emptyRed = true; // a constant coordinate out of range
        if (lo < I32_MIN || up > I32_MAX || op.dims[d] > I32_MAX) return null;
        checks.push({ form: { off: op.offset[d], co }, dim: op.dims[d] });
      }
    }
    ops.push({ addr, checks, red });
  }
  const redOps = emptyRed ? [] : ops.filter((o) => o.red);
  const elemOps = ops.filter((o) => !o.red);
  const checks = redOps.flatMap((o) => o.checks);
  const forms: Form[] = [outForm, ...ops.map((o) => o.addr), ...checks.map((c) => c.form)];

  // --- simplify levels ----------------------------------------------------------------
  const lv = nAll.map((n, l) => ({ n, red: l >= a }));
  const removeLevel = (l: number): void => {
    lv.splice(l, 1);
    for (const f of forms) f.co.splice(l, 1);
  };
  for (let l = lv.length - 1; l >= 0; l--) if (lv[l].n === 1 || (emptyRed && lv[l].red)) removeLevel(l);
  for (let l = 0; l + 1 < lv.length; ) {
    if (lv[l].red === lv[l + 1].red && forms.every((f) => f.co[l] === f.co[l + 1] * lv[l + 1].n)) {
      lv[l + 1].n *= lv[l].n;
      removeLevel(l);
      l = Math.max(0, l - 1);
    } else {
      l++;
    }
  }
  const outLv = lv.map((_, l) => l).filter((l) => !lv[l].red);
  const redLv = lv.map((_, l) => l).filter((l) => lv[l].red);
  const E = outLv.reduce((p, l) => p * lv[l].n, 1);
  const Kr = redOps.length > 0 ? redLv.reduce((p, l) => p * lv[l].n, 1) : 0;

  // --- lane level -----------------------------------------------------------------------
  const ld = (s: number): number => (s === 0 ? 0.3 : s === 4 ? 1 : s === 8 ? 2.5 : 7);
  const interior = (lam: number): [number, number] => {
    let lo = 0;
    let up = lv[lam].n;
    for (const ch of checks) {
      const c = ch.form.co[lam];
      if (c === 0) continue;
      let rlo = ch.form.off;
      let rhi = ch.form.off;
      lv.forEach((v, l) => {
        if (l === lam) return;
        const t = ch.form.co[l] * (v.n - 1);
        if (t < 0) rlo += t;
        else rhi += t;
      });
      // need rlo + c·i ≥ 0 and rhi + c·i ≤ dim − 1
      if (c > 0) {
        lo = Math.max(lo, cdiv(-rlo, c));
        up = Math.min(up, fdiv(ch.dim - 1 - rhi, c) + 1);
      } else {
        lo = Math.max(lo, cdiv(ch.dim - 1 - rhi, c));
        up = Math.min(up, fdiv(-rlo, c) + 1);
      }
    }
    return up > lo ? [lo, up] : [0, 0];
  };
  const nChecks = checks.length;
  const perScalar = Kr * (redOps.length + 2 + nChecks) + elemOps.length + 6;
  let lane = -1;
  let laneRange: [number, number] = [0, 0];
  let best = E * perScalar;
  if (!options.scalarOnly) {
    for (const lam of outLv) {
      const [lo, up] = interior(lam);
      const vecs = Math.floor((up - lo) / 4);
      if (vecs === 0) continue;
      const perVec =
        Kr * (redOps.reduce((s, o) => s + ld(o.addr.co[lam]), 0) + 2) +
        elemOps.reduce((s, o) => s + ld(o.addr.co[lam]), 0) +
        (outForm.co[lam] === 4 ? 1 : 8) +
        4;
      const cost = (E / lv[lam].n) * (vecs * perVec + (lv[lam].n - 4 * vecs) * perScalar);
      if (cost < best || (cost === best && lam > lane)) {
        best = cost;
        lane = lam;
        laneRange = [lo, up];
      }
    }
  }

  // --- row level (Dot): a second output level blocked by R rows, chosen so that some
  // operand is shared across rows (e.g. the activations of a 1x1 conv across output
  // channels: an outer product of U vectors by R splats). Checks must not depend on it.
  const UMAX = options.unroll ?? 4;
  const RMAX = options.rows ?? 2;
  let rowLv = -1;
  if (ins.kind === Kind.Dot && lane >= 0 && RMAX > 1 && redOps.length === 2 && Kr > 0) {
    let bestShare = 0;
    for (const l of outLv) {
      if (l === lane || lv[l].n < 2) continue;
      if (checks.some((c) => c.form.co[l] !== 0)) continue;
      const share = redOps.filter((o) => o.addr.co[l] === 0).length;
      if (share > bestShare || (share === bestShare && share > 0 && l > rowLv)) {
        bestShare = share;
        rowLv = l;
      }
    }
  }

  // --- code generation ------------------------------------------------------------------
  let fn = new FnBuilder();
  let cur = new Map<Form, Val>(forms.map((f) => [f, { c: f.off }]));
  // Constant byte / coordinate offsets added to forms: rows of a block, unrolled taps.
  let extra = new Map<Form, number>();
  const UNROLL_RED = options.unrollReduction ?? 8;
  const UNROLL_PARTIAL = options.unrollPartial ?? 4;

  const ex = (f: Form): number => extra.get(f) ?? 0;
  const push = (f: Form): void => {
    const v = cur.get(f)!;
    const e = ex(f);
    if ("c" in v) fn.i32(v.c + e);
    else {
      fn.get(v.l);
      if (e !== 0) fn.i32(e).op(O.i32Add);
    }
  };
  /** Push the address of form f plus `off` bytes; returns the memarg offset to use. */
  const pushAddr = (f: Form, off: number): number => {
    const v = cur.get(f)!;
    const e = ex(f) + off;
    if ("c" in v) {
      fn.i32(v.c + e);
      return 0;
    }
    fn.get(v.l);
    if (e >= 0 && e <= I32_MAX) return e;
    fn.i32(e).op(O.i32Add);
    return 0;
  };
  /** Run `body` with `deltas` added to the forms' constant offsets. */
  const withExtra = (deltas: Map<Form, number>, body: () => void): void => {
    const saved = extra;
    extra = new Map(extra);
    for (const [f, d] of deltas) extra.set(f, ex(f) + d);
    body();
    extra = saved;
  };
  /** Enter level l at i = start: forms moving along it get a local (their extra folded in). */
  const enter = (fs: Form[], l: number, start: number): void => {
    cur = new Map(cur);
    extra = new Map(extra);
    for (const f of fs) {
      const c = f.co[l];
      if (c === 0) continue;
      const prev = cur.get(f)!;
      const k = c * start + ex(f);
      const local = fn.local(I32);
      if ("c" in prev) fn.i32(prev.c + k);
      else {
        fn.get(prev.l);
        if (k !== 0) fn.i32(k).op(O.i32Add);
      }
      fn.set(local);
      cur.set(f, { l: local });
      extra.set(f, 0);
    }
  };
  const stepForms = (fs: Form[], l: number, step: number): void => {
    for (const f of fs) {
      const c = f.co[l];
      if (c === 0) continue;
      const v = cur.get(f)! as { l: number };
      fn.get(v.l).i32(c * step).op(O.i32Add).set(v.l);
    }
  };
  /** for i in [start, end) step `step` (a loop unless one iteration); `body` gets a continue label. */
  const forLevel = (l: number, fs: Form[], start: number, end: number, step: number, body: (cont: number | null) => void, withContinue: boolean): void => {
    if (end <= start) return;
    const count = Math.floor((end - start) / step);
    const savedCur = cur;
    const savedExtra = extra;
    enter(fs, l, start);
    const inner = (): void => {
      if (withContinue) {
        const c = fn.block();
        body(c);
        fn.end();
      } else body(null);
    };
    if (count === 1) inner();
    else {
      const i = fn.local(I32);
      fn.i32(count).set(i);
      const loop = fn.loop();
      inner();
      stepForms(fs, l, step);
      fn.get(i).i32(1).op(O.i32Sub).tee(i).brIf(loop);
      fn.end();
    }
    cur = savedCur;
    extra = savedExtra;
  };

  const laneCo = (f: Form): number => (lane >= 0 ? f.co[lane] : 0);
  const rowCo = (f: Form): number => (rowLv >= 0 ? f.co[rowLv] : 0);
  const lastLevelIn = (f: Form, levels: number[]): number => {
    let last = -1;
    for (const l of levels) if (f.co[l] !== 0) last = l;
    return last;
  };
  // Which checks a mode evaluates: vec mode relies on the interior for lane-dependent ones.
  const checksOf = (m: Mode): Check[] => (m.vec ? checks.filter((c) => laneCo(c.form) === 0) : checks);
  const redFormsOf = (m: Mode): Form[] => [...redOps.map((o) => o.addr), ...checksOf(m).map((c) => c.form)];

  /** Load operand `o` for vector v (lanes 4v..4v+3), `base` extra bytes. */
  const loadVec = (o: OperandPlan, v: number, base: number): void => {
    const s = laneCo(o.addr);
    if (s === 0) {
      const off = pushAddr(o.addr, base);
      fn.simdMem(S.load32Splat, 2, off);
    } else if (s === 4) {
      const off = pushAddr(o.addr, base + 16 * v);
      fn.simdMem(S.load, 2, off);
    } else if (s === 8) {
      let off = pushAddr(o.addr, base + 32 * v);
      fn.simdMem(S.load, 2, off);
      off = pushAddr(o.addr, base + 32 * v + 16);
      fn.simdMem(S.load, 2, off);
      fn.simd(S.shuffle, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    } else {
      for (let u = 0; u < 4; u++) {
        const off = pushAddr(o.addr, base + s * (4 * v + u));
        fn.mem(O.f32Load, 2, off);
        if (u === 0) fn.simd(S.f32x4Splat);
        else fn.simd(S.f32x4ReplaceLane, u);
      }
    }
  };
  /**
   * The value of operand `o` for row r, vector v, as a local: loaded once per distinct
   * address (an operand that does not move along the rows / lanes is shared).
   */
  const valueCache = (m: Mode): ((o: OperandPlan, r: number, v: number) => number) => {
    const cache = new Map<string, number>();
    return (o, r, v) => {
      const rr = rowCo(o.addr) === 0 ? 0 : r;
      const vv = m.vec && laneCo(o.addr) === 0 ? 0 : v;
      const key = `${ops.indexOf(o)}:${rr}:${vv}`;
      let t = cache.get(key);
      if (t === undefined) {
        t = fn.local(T(m));
        if (m.vec) loadVec(o, vv, rowCo(o.addr) * rr);
        else fn.mem(O.f32Load, 2, pushAddr(o.addr, rowCo(o.addr) * rr));
        fn.set(t);
        cache.set(key, t);
      }
      return t;
    };
  };

  const store = (m: Mode, r: number, v: number, val: number): void => {
    const rb = rowCo(outForm) * r;
    if (!m.vec) {
      const off = pushAddr(outForm, rb);
      canonicalizeScalar(fn, val);
      fn.mem(O.f32Store, 2, off);
      return;
    }
    const so = laneCo(outForm);
    const t = fn.local(V128);
    canonicalizeVec(fn, val);
    fn.set(t);
    if (so === 4) {
      const off = pushAddr(outForm, rb + 16 * v);
      fn.get(t);
      fn.simdMem(S.store, 2, off);
    } else {
      for (let u = 0; u < 4; u++) {
        const off = pushAddr(outForm, rb + so * (4 * v + u));
        fn.get(t);
        fn.simd(S.f32x4ExtractLane, u);
        fn.mem(O.f32Store, 2, off);
      }
    }
  };

  const T = (m: Mode): typeof V128 | typeof F32 => (m.vec ? V128 : F32);
  const emitConst = (m: Mode, x: number): void => {
    if (m.vec) fn.v128f(x);
    else fn.f32(x);
  };
  const fl = (m: Mode): "vec" | "scalar" => (m.vec ? "vec" : "scalar");

  /** One output element (scalar) or an R × U block of lane groups (vec), at the current forms. */
  const element = (m: Mode): void => {
    const U = m.U;
    const R = m.R;
    const cells: [number, number][] = [];
    for (let r = 0; r < R; r++) for (let v = 0; v < U; v++) cells.push([r, v]);
    if (ins.kind === Kind.Map) {
      const val = valueCache(m);
      for (const [r, v] of cells) {
        const x = val(ops[0], r, v);
        const y = binary !== null ? val(ops[1], r, v) : 0;
        const res = fn.local(T(m));
        if (binary !== null) binary[fl(m)](fn, x, y);
        else unary![fl(m)](fn, x, 0);
        fn.set(res);
        store(m, r, v, res);
      }
      return;
    }
    // Dot / Reduce
    const init = ins.kind === Kind.Reduce && ins.op === ReduceOp.Max ? -Infinity : ins.kind === Kind.Reduce && ins.op === ReduceOp.Min ? Infinity : 0;
    const acc = cells.map(() => fn.local(T(m)));
    for (const x of acc) {
      emitConst(m, init);
      fn.set(x);
    }
    if (redOps.length > 0 && Kr > 0) {
      const mc = checksOf(m);
      const skip = fn.block();
      // checks fixed by the output levels: an invalid one pads every tap of the element
      for (const ch of mc) {
        if (redLv.some((l) => ch.form.co[l] !== 0)) continue;
        push(ch.form);
        fn.i32(ch.dim).op(O.i32GeU).brIf(skip);
      }
      const rforms = redFormsOf(m);
      const body = (): void => {
        const val = valueCache(m);
        if (ins.kind === Kind.Dot) {
          const va = cells.map(([r, v]) => val(redOps[0], r, v));
          const vb = cells.map(([r, v]) => val(redOps[1], r, v));
          cells.forEach((_, c) => {
            fn.get(acc[c]).get(va[c]).get(vb[c]);
            if (m.vec) fn.simd(S.f32x4Mul).simd(S.f32x4Add);
            else fn.op(O.f32Mul).op(O.f32Add);
            fn.set(acc[c]);
          });
        } else {
          cells.forEach(([r, v], c) => {
            const x = val(redOps[0], r, v);
            binary![fl(m)](fn, acc[c], x);
            fn.set(acc[c]);
          });
        }
      };
      /** Taps t·step .. of level l unrolled with constant offsets. */
      const unrolled = (l: number, from: number, count: number): void => {
        for (let t = from; t < from + count; t++) {
          const d = new Map<Form, number>();
          for (const f of rforms) if (f.co[l] !== 0) d.set(f, f.co[l] * t);
          withExtra(d, body);
        }
      };
      const redLevel = (idx: number): void => {
        if (idx === redLv.length) {
          body();
          return;
        }
        const l = redLv[idx];
        const n = lv[l].n;
        const here = mc.filter((ch) => lastLevelIn(ch.form, redLv) === l);
        const innermost = idx === redLv.length - 1;
        if (innermost && here.length === 0) {
          if (n <= UNROLL_RED) {
            unrolled(l, 0, n);
            return;
          }
          if (UNROLL_PARTIAL > 1) {
            // blocks of F taps (ascending k within and across blocks), then the rest
            const F = UNROLL_PARTIAL;
            const whole = Math.floor(n / F) * F;
            forLevel(l, rforms, 0, whole, F, () => unrolled(l, 0, F), false);
            if (whole < n) {
              const savedCur = cur;
              const savedExtra = extra;
              enter(rforms, l, whole);
              unrolled(l, 0, n - whole);
              cur = savedCur;
              extra = savedExtra;
            }
            return;
          }
        }
        forLevel(
          l,
          rforms,
          0,
          n,
          1,
          (cont) => {
            for (const ch of here) {
              push(ch.form);
              fn.i32(ch.dim).op(O.i32GeU).brIf(cont!);
            }
            redLevel(idx + 1);
          },
          here.length > 0,
        );
      };
      redLevel(0);
      fn.end();
    }
    // epilogue
    const val = valueCache(m);
    cells.forEach(([r, v], c) => {
      let s = acc[c];
      if (ins.kind === Kind.Dot) {
        if (elemOps.length > 0) {
          const b = val(elemOps[0], r, v);
          fn.get(s).get(b);
          if (m.vec) fn.simd(S.f32x4Add);
          else fn.op(O.f32Add);
          fn.set(s);
        }
        if (unary !== null) {
          const res = fn.local(T(m));
          unary[fl(m)](fn, s, 0);
          fn.set(res);
          s = res;
        }
      } else if (ins.op === ReduceOp.Mean) {
        fn.get(s);
        emitConst(m, ins.params[0]);
        if (m.vec) fn.simd(S.f32x4Div);
        else fn.op(O.f32Div);
        fn.set(s);
      }
      store(m, r, v, s);
    });
  };

  /** Scalar elements of rows 0..R−1 at the current position. */
  const scalarRows = (R: number): void => {
    for (let r = 0; r < R; r++) {
      const d = new Map<Form, number>();
      if (r > 0) for (const f of forms) if (rowCo(f) !== 0) d.set(f, rowCo(f) * r);
      withExtra(d, () => element({ vec: false, U: 1, R: 1 }));
    }
  };

  // Output loops: every output level but the lane level, in order (the row level in steps
  // of R, then its remainder), then the lane level split into scalar border / f32x4 blocks.
  const outForms = [outForm, ...elemOps.map((o) => o.addr), ...redFormsOf({ vec: false, U: 1, R: 1 })];
  const outer = outLv.filter((l) => l !== lane);
  const outerLevel = (idx: number, R: number): void => {
    if (idx === outer.length) {
      if (lane < 0) {
        element({ vec: false, U: 1, R: 1 });
        return;
      }
      const n = lv[lane].n;
      const [lo, up] = laneRange;
      const vecs = Math.floor((up - lo) / 4);
      const U = Math.max(1, Math.min(UMAX, vecs));
      const bigEnd = lo + 4 * U * Math.floor(vecs / U);
      const vecEnd = lo + 4 * vecs;
      forLevel(lane, outForms, 0, lo, 1, () => scalarRows(R), false);
      forLevel(lane, outForms, lo, bigEnd, 4 * U, () => element({ vec: true, U, R }), false);
      forLevel(lane, outForms, bigEnd, vecEnd, 4, () => element({ vec: true, U: 1, R }), false);
      forLevel(lane, outForms, vecEnd, n, 1, () => scalarRows(R), false);
      return;
    }
    const l = outer[idx];
    const n = lv[l].n;
    if (l === rowLv) {
      const whole = Math.floor(n / RMAX) * RMAX;
      forLevel(l, outForms, 0, whole, RMAX, () => outerLevel(idx + 1, RMAX), false);
      forLevel(l, outForms, whole, n, 1, () => outerLevel(idx + 1, 1), false);
      return;
    }
    forLevel(l, outForms, 0, n, 1, () => outerLevel(idx + 1, R), false);
  };
  // The kernel's code takes the slot base addresses as parameters (p, base of out, base of
  // operand 0, …), so instructions of the same structure share one function (runtime.ts
  // dedupes them); only the driver, which passes the bases, is per instruction.
  const slotBase = [ins.out, ...ins.inputs.map((o) => o.slot)].map(base);
  const baseParam = new Map<Form, [number, number]>([[outForm, [1, slotBase[0]]]]);
  ops.forEach((o, j) => baseParam.set(o.addr, [2 + j, slotBase[1 + j]]));
  const nParams = 2 + ops.length;
  const driver = new FnBuilder();
  const fns = [driver];
  const startFunction = (): FnBuilder => {
    const f = new FnBuilder(nParams);
    fn = f;
    cur = new Map<Form, Val>(forms.map((g) => [g, { c: g.off }]));
    extra = new Map();
    for (const [g, [param, b]] of baseParam) {
      cur.set(g, { l: param });
      extra.set(g, g.off - b);
    }
    fns.push(f);
    return f;
  };
  const callEach = (target: FnBuilder, from: number, to: number): void => {
    const emitCall = (): void => {
      for (const b of slotBase) driver.i32(b);
      driver.call(target);
    };
    if (to - from === 1) {
      driver.i32(from);
      emitCall();
      return;
    }
    const i = driver.local(I32);
    driver.i32(from).set(i);
    const loop = driver.loop();
    driver.get(i);
    emitCall();
    driver.get(i).i32(1).op(O.i32Add).tee(i).i32(to).op(O.i32LtU).brIf(loop);
    driver.end();
  };
  if (outer.length === 0) {
    const f = startFunction();
    outerLevel(0, 1);
    callEach(f, 0, 1);
  } else {
    // One call per iteration (or row block) of the outermost loop: p is its index.
    const l0 = outer[0];
    const n0 = lv[l0].n;
    const B = l0 === rowLv ? RMAX : 1;
    const whole = Math.floor(n0 / B) * B;
    const chunk = (R: number, step: number): FnBuilder => {
      const f = startFunction();
      for (const g of outForms) {
        const c = g.co[l0];
        if (c === 0) continue;
        const local = f.local(I32);
        push(g);
        f.get(0).i32(c * step).op(O.i32Mul).op(O.i32Add).set(local);
        cur.set(g, { l: local });
        extra.set(g, 0);
      }
      outerLevel(1, R);
      return f;
    };
    if (whole > 0) callEach(chunk(B, B), 0, whole / B);
    if (whole < n0) callEach(chunk(1, 1), whole, n0);
  }

  const info =
    `${Kind[ins.kind]} levels [${lv.map((v) => (v.red ? "r" : "o") + v.n).join(" ")}]` +
    (lane >= 0 ? ` lane ${lane} interior [${laneRange}]` : " scalar") +
    (rowLv >= 0 ? ` rows ${rowLv}x${RMAX}` : "") +
    ` checks ${checks.length}` +
    (post ? " post" : "");
  return { fns, post, info };
}
