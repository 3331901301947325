// The WebAssembly emitter: renders a kernel plan (plan/vector.ts) as wasm functions, with
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
// Checks that do not move along the lane level are uniform across lanes and evaluated as
// branches (a check fixed by output levels skips the whole reduction, one fixed by a
// reduction level skips that tap); in the lane interior the others hold for every tap and
// are left out. In a masked vector (border lanes) they are evaluated per lane and tap, and
// a lane whose tap is padded keeps its accumulator: acc = select(combine(acc, …), acc,
// valid), the loads of its invalid lanes being read and discarded (kernels.ts checks those
// addresses stay within linear memory). Every stored value is NaN-canonicalized
// (0x7FC00000) in the kernel.
//
// A Move copies bits: the first valid source's value, else the fill value. Its checks that
// do not move along the lane level pick the source once per lane loop (one copy loop per
// source); the others are statically true or false on each lane segment (plan/vector.ts).
// Values read from activation slots are canonical already (every kernel stores canonical
// NaNs), so those copies skip the canonicalization.
import { Kind, ReduceOp } from "../../program/isa";
import { VectorPlan } from "../plan/vector";
import { F32, FnBuilder, I32, O, S, V128 } from "./encoder";
import { OpCode, canonicalizeScalar, canonicalizeVec } from "./ops";

/** An affine form as the emitter carries it: a byte address or a coordinate. */
interface Form {
  off: number;
  co: number[];
}

interface Check {
  form: Form;
  dim: number;
  operand: number;
}

interface Operand {
  index: number;
  addr: Form; // byte address in linear memory
}

/** Where a form's current value is: a constant or a local. */
type Val = { c: number } | { l: number };

interface Mode {
  vec: boolean;
  U: number; // vectors along the lane level (vec); 1 for scalar
  R: number; // rows along the row level (vec); 1 for scalar
  masked: boolean; // vec: lanes may fail the checks moving along the lane level
}

const SCALAR: Mode = { vec: false, U: 1, R: 1, masked: false };

/** SIMD integer opcodes the masks use (0xFD prefix). */
const I32X4_LT_U = 0x3a;
const I32X4_ADD = 0xae;
const I32_MAX = 0x7fffffff;

/** What each output element computes, resolved to wasm code by the caller. */
export interface ElementOps {
  kind: Kind;
  /** ReduceOp for Reduce. */
  reduceOp: number;
  /** Dot epilogue or unary Map. */
  unary: OpCode | null;
  /** Binary Map, or the Reduce Max / Min / Sum combine. */
  binary: OpCode | null;
  /** Ternary Map (Where). */
  ternary: OpCode | null;
  /** Reduce Mean divisor. */
  meanDivisor: number;
  /** Move: the value of an element with no valid source (null: none, see MoveWithoutFill). */
  fill: number | null;
  /** Move: per operand, its values are canonical already (an activation slot): copy them as they are. */
  canonical: boolean[];
}

/** A Move element can have no valid source and the instruction has no fill value: JS reports it. */
export class MoveWithoutFill extends Error {}

/**
 * Emit the kernel of `plan`: fns[0] is the driver (exported, parameters from, to: the units
 * of driverSplit to run); it calls the others once per iteration of the outermost loop, so
 * V8 can switch to optimized code within a run (wasm code has no on-stack replacement: a
 * function entered in baseline code finishes in it).
 * The kernel functions take the slot base addresses as parameters (p, base of out, base of
 * operand 0, …), so instructions of the same structure share them (runtime.ts dedupes).
 */
export function emitKernel(plan: VectorPlan, ops: ElementOps, slotBase: number[]): FnBuilder[] {
  return new Emitter(plan, ops, slotBase).emit();
}

class Emitter {
  private fn = new FnBuilder();
  private cur = new Map<Form, Val>();
  /** Constant byte / coordinate offsets added to forms: rows of a block, unrolled taps. */
  private extra = new Map<Form, number>();
  private readonly out: Form;
  private readonly operands: Operand[];
  private readonly reads: Operand[];
  private readonly elementReads: Operand[];
  private readonly checks: Check[];
  private readonly forms: Form[];
  private readonly laneLevel: number;
  private readonly rowLevel: number;
  private readonly fns: FnBuilder[];
  /** The exported driver: (from, to) units of the outermost loop (see emit). */
  private readonly driver = new FnBuilder(2);

  constructor(
    private readonly plan: VectorPlan,
    private readonly ops: ElementOps,
    private readonly slotBase: number[],
  ) {
    const bytes = (f: { offset: number; coefs: number[] }, base: number): Form => ({
      off: base + 4 * f.offset,
      co: f.coefs.map((c) => 4 * c),
    });
    this.out = bytes(plan.out, slotBase[0]);
    this.operands = plan.operands.map((o) => ({ index: o.index, addr: bytes(o.addr, slotBase[1 + o.index]) }));
    this.reads = plan.reads.map((o) => this.operands[o.index]);
    this.elementReads = plan.elementReads.map((o) => this.operands[o.index]);
    this.checks = plan.checks.map((c) => ({
      form: { off: c.form.offset, co: c.form.coefs },
      dim: c.dim,
      operand: c.operand,
    }));
    this.forms = [this.out, ...this.operands.map((o) => o.addr), ...this.checks.map((c) => c.form)];
    this.laneLevel = plan.lane?.level ?? -1;
    this.rowLevel = plan.rows?.level ?? -1;
    this.fns = [this.driver];
  }

  // --- forms and loops ------------------------------------------------------------------

  private ex(f: Form): number {
    return this.extra.get(f) ?? 0;
  }

  private push(f: Form): void {
    const v = this.cur.get(f)!;
    const e = this.ex(f);
    if ("c" in v) this.fn.i32(v.c + e);
    else {
      this.fn.get(v.l);
      if (e !== 0) this.fn.i32(e).op(O.i32Add);
    }
  }

  /** Push the address of form f plus `off` bytes; returns the memarg offset to use. */
  private pushAddr(f: Form, off: number): number {
    const v = this.cur.get(f)!;
    const e = this.ex(f) + off;
    if ("c" in v) {
      this.fn.i32(v.c + e);
      return 0;
    }
    this.fn.get(v.l);
    if (e >= 0 && e <= I32_MAX) return e;
    this.fn.i32(e).op(O.i32Add);
    return 0;
  }

  /** Run `body` with `deltas` added to the forms' constant offsets. */
  private withExtra(deltas: Map<Form, number>, body: () => void): void {
    const saved = this.extra;
    this.extra = new Map(this.extra);
    for (const [f, d] of deltas) this.extra.set(f, this.ex(f) + d);
    body();
    this.extra = saved;
  }

  /** Run `body` with the forms' state restored afterwards. */
  private scoped(body: () => void): void {
    const savedCur = this.cur;
    const savedExtra = this.extra;
    body();
    this.cur = savedCur;
    this.extra = savedExtra;
  }

  /** Enter level l at i = start: forms moving along it get a local (their extra folded in). */
  private enter(fs: Form[], l: number, start: number): void {
    this.cur = new Map(this.cur);
    this.extra = new Map(this.extra);
    for (const f of fs) {
      const c = f.co[l];
      if (c === 0) continue;
      const prev = this.cur.get(f)!;
      const k = c * start + this.ex(f);
      const local = this.fn.local(I32);
      if ("c" in prev) this.fn.i32(prev.c + k);
      else {
        this.fn.get(prev.l);
        if (k !== 0) this.fn.i32(k).op(O.i32Add);
      }
      this.fn.set(local);
      this.cur.set(f, { l: local });
      this.extra.set(f, 0);
    }
  }

  private stepForms(fs: Form[], l: number, step: number): void {
    for (const f of fs) {
      const c = f.co[l];
      if (c === 0) continue;
      const v = this.cur.get(f)! as { l: number };
      this.fn
        .get(v.l)
        .i32(c * step)
        .op(O.i32Add)
        .set(v.l);
    }
  }

  /** for i in [start, end) step `step` (a loop unless one iteration); `body` gets a continue label. */
  private forLevel(
    l: number,
    fs: Form[],
    start: number,
    end: number,
    step: number,
    body: (cont: number | null) => void,
    withContinue = false,
  ): void {
    if (end <= start) return;
    const count = Math.floor((end - start) / step);
    this.scoped(() => {
      this.enter(fs, l, start);
      const inner = (): void => {
        if (withContinue) {
          const c = this.fn.block();
          body(c);
          this.fn.end();
        } else body(null);
      };
      if (count === 1) inner();
      else {
        const i = this.fn.local(I32);
        this.fn.i32(count).set(i);
        const loop = this.fn.loop();
        inner();
        this.stepForms(fs, l, step);
        this.fn.get(i).i32(1).op(O.i32Sub).tee(i).brIf(loop);
        this.fn.end();
      }
    });
  }

  private laneCo(f: Form): number {
    return this.laneLevel >= 0 ? f.co[this.laneLevel] : 0;
  }
  private rowCo(f: Form): number {
    return this.rowLevel >= 0 ? f.co[this.rowLevel] : 0;
  }

  /** Which checks a mode evaluates: vec mode relies on the interior for lane-dependent ones. */
  private checksOf(m: Mode): Check[] {
    return m.vec ? this.checks.filter((c) => this.laneCo(c.form) === 0) : this.checks;
  }
  /** Checks a masked vector evaluates per lane: those moving along the lane level. */
  private maskChecksOf(m: Mode): Check[] {
    return m.masked ? this.checks.filter((c) => this.laneCo(c.form) !== 0) : [];
  }
  private redFormsOf(m: Mode): Form[] {
    return [
      ...this.reads.map((o) => o.addr),
      ...this.checksOf(m).map((c) => c.form),
      ...this.maskChecksOf(m).map((c) => c.form),
    ];
  }

  /** Per vector v of a masked mode: a local with all-ones lanes where every lane check holds. */
  private laneMasks(m: Mode): number[] {
    const fn = this.fn;
    const i32x4 = (xs: number[]): void => {
      fn.simd(S.const, ...xs.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]));
    };
    const masks: number[] = [];
    for (let v = 0; v < m.U; v++) {
      const mask = fn.local(V128);
      this.maskChecksOf(m).forEach((ch, k) => {
        const c = this.laneCo(ch.form);
        this.push(ch.form);
        fn.simd(S.i32x4Splat);
        i32x4([0, 1, 2, 3].map((u) => c * (4 * v + u)));
        fn.simd(I32X4_ADD);
        i32x4([ch.dim, ch.dim, ch.dim, ch.dim]);
        fn.simd(I32X4_LT_U); // 0 ≤ coord < dim, as unsigned
        if (k > 0) fn.get(mask).simd(S.and);
        fn.set(mask);
      });
      masks.push(mask);
    }
    return masks;
  }

  // --- loads and stores -----------------------------------------------------------------

  /** Load operand `o` for vector v (lanes 4v..4v+3), `base` extra bytes. */
  private loadVec(o: Operand, v: number, base: number): void {
    const fn = this.fn;
    const s = this.laneCo(o.addr);
    if (s === 0) {
      fn.simdMem(S.load32Splat, 2, this.pushAddr(o.addr, base));
    } else if (s === 4) {
      fn.simdMem(S.load, 2, this.pushAddr(o.addr, base + 16 * v));
    } else if (s === 8) {
      fn.simdMem(S.load, 2, this.pushAddr(o.addr, base + 32 * v));
      fn.simdMem(S.load, 2, this.pushAddr(o.addr, base + 32 * v + 16));
      fn.simd(S.shuffle, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    } else {
      for (let u = 0; u < 4; u++) {
        fn.mem(O.f32Load, 2, this.pushAddr(o.addr, base + s * (4 * v + u)));
        if (u === 0) fn.simd(S.f32x4Splat);
        else fn.simd(S.f32x4ReplaceLane, u);
      }
    }
  }

  /**
   * The value of operand `o` for row r, vector v, as a local: loaded once per distinct
   * address (an operand that does not move along the rows / lanes is shared).
   */
  private valueCache(m: Mode): (o: Operand, r: number, v: number) => number {
    const cache = new Map<string, number>();
    return (o, r, v) => {
      const rr = this.rowCo(o.addr) === 0 ? 0 : r;
      const vv = m.vec && this.laneCo(o.addr) === 0 ? 0 : v;
      const key = `${o.index}:${rr}:${vv}`;
      let t = cache.get(key);
      if (t === undefined) {
        t = this.fn.local(m.vec ? V128 : F32);
        if (m.vec) this.loadVec(o, vv, this.rowCo(o.addr) * rr);
        else this.fn.mem(O.f32Load, 2, this.pushAddr(o.addr, this.rowCo(o.addr) * rr));
        this.fn.set(t);
        cache.set(key, t);
      }
      return t;
    };
  }

  private store(m: Mode, r: number, v: number, val: number, canonical = false): void {
    const fn = this.fn;
    const rb = this.rowCo(this.out) * r;
    if (!m.vec) {
      const off = this.pushAddr(this.out, rb);
      if (canonical) fn.get(val);
      else canonicalizeScalar(fn, val);
      fn.mem(O.f32Store, 2, off);
      return;
    }
    const so = this.laneCo(this.out);
    let t = val;
    if (!canonical) {
      t = fn.local(V128);
      canonicalizeVec(fn, val);
      fn.set(t);
    }
    if (so === 4) {
      const off = this.pushAddr(this.out, rb + 16 * v);
      fn.get(t);
      fn.simdMem(S.store, 2, off);
    } else {
      for (let u = 0; u < 4; u++) {
        const off = this.pushAddr(this.out, rb + so * (4 * v + u));
        fn.get(t);
        fn.simd(S.f32x4ExtractLane, u);
        fn.mem(O.f32Store, 2, off);
      }
    }
  }

  private constant(m: Mode, x: number): void {
    if (m.vec) this.fn.v128f(x);
    else this.fn.f32(x);
  }

  // --- one element (scalar) or an R × U block of lane groups (vec) ------------------------

  private element(m: Mode): void {
    const cells: [number, number][] = [];
    for (let r = 0; r < m.R; r++) for (let v = 0; v < m.U; v++) cells.push([r, v]);
    if (this.ops.kind === Kind.Map) this.mapElement(m, cells);
    else if (this.ops.kind === Kind.Move) this.moveSources(m, null);
    else this.reduceElement(m, cells);
  }

  private mapElement(m: Mode, cells: [number, number][]): void {
    const { unary, binary, ternary } = this.ops;
    const flavour = m.vec ? "vec" : "scalar";
    const val = this.valueCache(m);
    for (const [r, v] of cells) {
      const x = val(this.operands[0], r, v);
      const y = binary !== null || ternary !== null ? val(this.operands[1], r, v) : 0;
      const res = this.fn.local(m.vec ? V128 : F32);
      if (ternary !== null) ternary[flavour](this.fn, x, y, val(this.operands[2], r, v));
      else if (binary !== null) binary[flavour](this.fn, x, y);
      else unary![flavour](this.fn, x, 0);
      this.fn.set(res);
      this.store(m, r, v, res);
    }
  }

  /** Dot / Reduce: accumulators, the reduction loops, the epilogue. */
  private reduceElement(m: Mode, cells: [number, number][]): void {
    const { kind, reduceOp } = this.ops;
    const init =
      kind === Kind.Reduce && reduceOp === ReduceOp.Max
        ? -Infinity
        : kind === Kind.Reduce && reduceOp === ReduceOp.Min
          ? Infinity
          : 0;
    const acc = cells.map(() => this.fn.local(m.vec ? V128 : F32));
    for (const x of acc) {
      this.constant(m, init);
      this.fn.set(x);
    }
    if (this.reads.length > 0 && this.plan.reductionSteps > 0) {
      const skip = this.fn.block();
      // checks fixed by the output levels: an invalid one pads every tap of the element
      for (const ch of this.checksOf(m)) {
        if (this.plan.reductionLevels.some((l) => ch.form.co[l] !== 0)) continue;
        this.push(ch.form);
        this.fn.i32(ch.dim).op(O.i32GeU).brIf(skip);
      }
      this.reductionLevel(m, 0, () => this.tap(m, cells, acc));
      this.fn.end();
    }
    this.epilogue(m, cells, acc);
  }

  /** One reduction step of every cell: acc = acc + a·b (Dot) or combine(acc, x) (Reduce). */
  private tap(m: Mode, cells: [number, number][], acc: number[]): void {
    const fn = this.fn;
    const val = this.valueCache(m);
    const masks = m.masked ? this.laneMasks(m) : null;
    // a masked lane whose tap is padded keeps acc
    const keep = (c: number, v: number): void => {
      if (masks !== null) fn.get(acc[c]).get(masks[v]).simd(S.bitselect);
      fn.set(acc[c]);
    };
    if (this.ops.kind === Kind.Dot) {
      const va = cells.map(([r, v]) => val(this.reads[0], r, v));
      const vb = cells.map(([r, v]) => val(this.reads[1], r, v));
      cells.forEach(([, v], c) => {
        fn.get(acc[c]).get(va[c]).get(vb[c]);
        if (m.vec) fn.simd(S.f32x4Mul).simd(S.f32x4Add);
        else fn.op(O.f32Mul).op(O.f32Add);
        keep(c, v);
      });
    } else {
      cells.forEach(([r, v], c) => {
        const x = val(this.reads[0], r, v);
        this.ops.binary![m.vec ? "vec" : "scalar"](fn, acc[c], x);
        keep(c, v);
      });
    }
  }

  /** Taps from..from+count−1 of level l unrolled with constant offsets. */
  private unrolled(m: Mode, l: number, from: number, count: number, body: () => void): void {
    const rforms = this.redFormsOf(m);
    for (let t = from; t < from + count; t++) {
      const d = new Map<Form, number>();
      for (const f of rforms) if (f.co[l] !== 0) d.set(f, f.co[l] * t);
      this.withExtra(d, body);
    }
  }

  /** The reduction loops from reduction level `idx` inward, in ascending k order. */
  private reductionLevel(m: Mode, idx: number, body: () => void): void {
    const redLv = this.plan.reductionLevels;
    if (idx === redLv.length) {
      body();
      return;
    }
    const l = redLv[idx];
    const n = this.plan.levels[l].extent;
    const rforms = this.redFormsOf(m);
    const lastLevel = (f: Form): number => redLv.reduce((last, k) => (f.co[k] !== 0 ? k : last), -1);
    const here = this.checksOf(m).filter((ch) => lastLevel(ch.form) === l);
    const innermost = idx === redLv.length - 1;
    const { full, partial } = this.plan.unroll;
    if (innermost && here.length === 0) {
      if (n <= full) {
        this.unrolled(m, l, 0, n, body);
        return;
      }
      if (partial > 1) {
        // blocks of F taps (ascending k within and across blocks), then the rest
        const F = partial;
        const whole = Math.floor(n / F) * F;
        this.forLevel(l, rforms, 0, whole, F, () => this.unrolled(m, l, 0, F, body));
        if (whole < n) {
          this.scoped(() => {
            this.enter(rforms, l, whole);
            this.unrolled(m, l, 0, n - whole, body);
          });
        }
        return;
      }
    }
    this.forLevel(
      l,
      rforms,
      0,
      n,
      1,
      (cont) => {
        for (const ch of here) {
          this.push(ch.form);
          this.fn.i32(ch.dim).op(O.i32GeU).brIf(cont!);
        }
        this.reductionLevel(m, idx + 1, body);
      },
      here.length > 0,
    );
  }

  /** s = acc (+ bias), then the Dot epilogue or the Mean division; store. */
  private epilogue(m: Mode, cells: [number, number][], acc: number[]): void {
    const fn = this.fn;
    const val = this.valueCache(m);
    cells.forEach(([r, v], c) => {
      let s = acc[c];
      if (this.ops.kind === Kind.Dot) {
        if (this.elementReads.length > 0) {
          const b = val(this.elementReads[0], r, v);
          fn.get(s).get(b);
          if (m.vec) fn.simd(S.f32x4Add);
          else fn.op(O.f32Add);
          fn.set(s);
        }
        if (this.ops.unary !== null) {
          const res = fn.local(m.vec ? V128 : F32);
          this.ops.unary[m.vec ? "vec" : "scalar"](fn, s, 0);
          fn.set(res);
          s = res;
        }
      } else if (this.ops.reduceOp === ReduceOp.Mean) {
        fn.get(s);
        this.constant(m, this.ops.meanDivisor);
        if (m.vec) fn.simd(S.f32x4Div);
        else fn.op(O.f32Div);
        fn.set(s);
      }
      this.store(m, r, v, s);
    });
  }

  // --- Move ------------------------------------------------------------------------------

  /** Copy (or fill) the lane groups of mode m at the current position from operand `src`. */
  private moveCells(m: Mode, src: number | null): void {
    const fn = this.fn;
    for (let v = 0; v < m.U; v++) {
      const t = fn.local(m.vec ? V128 : F32);
      if (src === null) this.constant(m, this.ops.fill!);
      else if (m.vec) this.loadVec(this.operands[src], v, 0);
      else fn.mem(O.f32Load, 2, this.pushAddr(this.operands[src].addr, 0));
      fn.set(t);
      // a constant is encoded canonical (f32Bytes)
      this.store(m, 0, v, t, src === null || this.ops.canonical[src]);
    }
  }

  /**
   * The source chain of a Move: the first source whose checks hold is copied, else the fill.
   * With `seg` (a lane segment), checks moving along the lane level have their static truth
   * value on it and the others are evaluated once, outside that segment's copy loop; without
   * it every check is evaluated for the current element.
   */
  private moveSources(m: Mode, seg: { from: number; to: number; step: number } | null): void {
    const fn = this.fn;
    const lam = seg === null ? -1 : this.laneLevel;
    const holds = (ch: Check): boolean => {
      const x = ch.form.off + ch.form.co[lam] * seg!.from;
      return x >= 0 && x < ch.dim;
    };
    const copy = (src: number | null): void => {
      if (seg === null) this.moveCells(m, src);
      else {
        // only the output and this source move in the copy loop (a gather can have 255 sources)
        const fs = src === null ? [this.out] : [this.out, this.operands[src].addr];
        this.forLevel(lam, fs, seg.from, seg.to, seg.step, () => this.moveCells(m, src));
      }
    };
    const done = fn.block();
    for (const src of this.plan.sources) {
      const own = this.checks.filter((ch) => ch.operand === src);
      if (seg !== null && !own.filter((ch) => ch.form.co[lam] !== 0).every(holds)) continue;
      const dynamic = seg === null ? own : own.filter((ch) => ch.form.co[lam] === 0);
      if (dynamic.length === 0) {
        copy(src);
        fn.end();
        return;
      }
      const next = fn.block();
      for (const ch of dynamic) {
        this.push(ch.form);
        fn.i32(ch.dim).op(O.i32GeU).brIf(next);
      }
      copy(src);
      fn.br(done);
      fn.end();
    }
    if (this.ops.fill === null) throw new MoveWithoutFill("Move: an element can have no valid source and no fill");
    copy(null);
    fn.end();
  }

  /** A Move's lane level: per segment, the source chain around its copy loops. */
  private moveLanes(): void {
    const lane = this.plan.lane!;
    for (const s of lane.segments) {
      const m: Mode = s.vectors === 0 ? SCALAR : { vec: true, U: s.vectors, R: 1, masked: false };
      this.moveSources(m, { from: s.from, to: s.to, step: s.vectors === 0 ? 1 : 4 * s.vectors });
    }
  }

  // --- output loops ---------------------------------------------------------------------

  /** Scalar elements of rows 0..R−1 at the current position. */
  private scalarRows(R: number): void {
    for (let r = 0; r < R; r++) {
      const d = new Map<Form, number>();
      if (r > 0) for (const f of this.forms) if (this.rowCo(f) !== 0) d.set(f, this.rowCo(f) * r);
      this.withExtra(d, () => this.element(SCALAR));
    }
  }

  private outForms(): Form[] {
    return [this.out, ...this.elementReads.map((o) => o.addr), ...this.redFormsOf(SCALAR)];
  }

  /**
   * Output loops: every output level but the lane level, in order (the row level in steps
   * of R, then its remainder), then the lane level split into scalar border / f32x4 blocks.
   */
  private outerLevel(idx: number, R: number): void {
    const outer = this.plan.outerLevels;
    const outForms = this.outForms();
    if (idx === outer.length) {
      const lane = this.plan.lane;
      if (lane === null) {
        this.element(SCALAR);
        return;
      }
      if (this.ops.kind === Kind.Move) {
        this.moveLanes();
        return;
      }
      for (const s of lane.segments) {
        if (s.vectors === 0) this.forLevel(lane.level, outForms, s.from, s.to, 1, () => this.scalarRows(R));
        else
          this.forLevel(lane.level, outForms, s.from, s.to, 4 * s.vectors, () =>
            this.element({ vec: true, U: s.vectors, R, masked: s.masked === true }),
          );
      }
      return;
    }
    const l = outer[idx];
    const n = this.plan.levels[l].extent;
    if (l === this.rowLevel) {
      const rows = this.plan.rows!.count;
      const whole = Math.floor(n / rows) * rows;
      this.forLevel(l, outForms, 0, whole, rows, () => this.outerLevel(idx + 1, rows));
      this.forLevel(l, outForms, whole, n, 1, () => this.outerLevel(idx + 1, 1));
      return;
    }
    this.forLevel(l, outForms, 0, n, 1, () => this.outerLevel(idx + 1, R));
  }

  // --- functions: the driver and the kernel bodies ----------------------------------------

  /** A kernel function: its forms start at the slot-base parameters. */
  private startFunction(): FnBuilder {
    const f = new FnBuilder(2 + this.operands.length);
    this.fn = f;
    this.cur = new Map<Form, Val>(this.forms.map((g) => [g, { c: g.off }]));
    this.extra = new Map();
    const params: [Form, number, number][] = [
      [this.out, 1, this.slotBase[0]],
      ...this.operands.map((o, j): [Form, number, number] => [o.addr, 2 + j, this.slotBase[1 + j]]),
    ];
    for (const [g, param, b] of params) {
      this.cur.set(g, { l: param });
      this.extra.set(g, g.off - b);
    }
    this.fns.push(f);
    return f;
  }

  /**
   * Driver code calling `target` with p = u + pOffset and the slot bases for each unit u of
   * [unitStart, unitStart + count) that lies in the driver's range [from, to) (parameters 0, 1).
   */
  private callRange(target: FnBuilder, unitStart: number, count: number, pOffset: number): void {
    const d = this.driver;
    const lo = d.local(I32);
    const hi = d.local(I32);
    // lo = max(from, unitStart), hi = min(to, unitStart + count)
    d.get(0).i32(unitStart).get(0).i32(unitStart).op(O.i32GtS).op(O.select).set(lo);
    d.get(1)
      .i32(unitStart + count)
      .get(1)
      .i32(unitStart + count)
      .op(O.i32LtS)
      .op(O.select)
      .set(hi);
    const skip = d.block();
    d.get(lo).get(hi).op(O.i32GeS).brIf(skip);
    const loop = d.loop();
    d.get(lo);
    if (pOffset !== 0) d.i32(pOffset).op(O.i32Add);
    for (const b of this.slotBase) d.i32(b);
    d.call(target);
    d.get(lo).i32(1).op(O.i32Add).tee(lo).get(hi).op(O.i32LtS).brIf(loop);
    d.end();
    d.end();
  }

  /** One iteration (or row block of R) of the outermost loop per call: p is its index. */
  private chunk(l0: number, R: number, step: number): FnBuilder {
    const f = this.startFunction();
    for (const g of this.outForms()) {
      const c = g.co[l0];
      if (c === 0) continue;
      const local = f.local(I32);
      this.push(g);
      f.get(0)
        .i32(c * step)
        .op(O.i32Mul)
        .op(O.i32Add)
        .set(local);
      this.cur.set(g, { l: local });
      this.extra.set(g, 0);
    }
    this.outerLevel(1, R);
    return f;
  }

  /**
   * The driver takes a range [from, to) of units (driverSplit): a thread runs its share of
   * the outermost loop. Each output element is computed by the same code whichever range
   * contains it, so the result does not depend on how the units are split.
   */
  emit(): FnBuilder[] {
    const split = driverSplit(this.plan);
    const outer = this.plan.outerLevels;
    if (outer.length === 0) {
      const f = this.startFunction();
      this.outerLevel(0, 1);
      this.callRange(f, 0, 1, 0);
    } else {
      const l0 = outer[0];
      const { blocks, rows, rest } = split;
      if (blocks > 0) this.callRange(this.chunk(l0, rows, rows), 0, blocks, 0);
      // the remainder rows after the blocks: p is the row index
      if (rest > 0) this.callRange(this.chunk(l0, 1, 1), blocks, rest, blocks * rows - blocks);
    }
    return this.fns;
  }
}

/**
 * The units of a kernel's driver: `blocks` calls of `rows` rows each of the outermost output
 * loop, then `rest` calls of one row (a kernel without output loops: one block of one row).
 */
export interface DriverSplit {
  blocks: number;
  rows: number;
  rest: number;
}

export function driverSplit(plan: VectorPlan): DriverSplit {
  const outer = plan.outerLevels;
  if (outer.length === 0) return { blocks: 1, rows: 1, rest: 0 };
  const l0 = outer[0];
  const n0 = plan.levels[l0].extent;
  const rows = l0 === plan.rows?.level ? plan.rows.count : 1;
  const blocks = Math.floor(n0 / rows);
  return { blocks, rows, rest: n0 - blocks * rows };
}
