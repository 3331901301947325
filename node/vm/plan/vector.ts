// The f32x4 plan of a Dot, Reduce or Map (the WebAssembly engine's blocking). Pure data.
//
// 1. Levels of extent 1 are dropped and adjacent levels merged when every form is row-major
//    across them (e.g. H, W of a 1x1 conv → H·W).
// 2. A lane level is chosen by a small cost model (loads per lane group: stride 0 = one
//    splat, stride 1 = one vector load, stride 2 = two loads + shuffle, else a gather).
//    Checks that move along it hold on an interior range of it (for every tap): the lanes
//    run vectorized there. The border lanes of a Dot or Reduce run as masked vectors: a
//    lane whose tap is padded keeps its accumulator (a select, so the FO32 result is the
//    one of skipping the tap); only a remainder of fewer than 4 lanes is scalar. (A scalar
//    element runs one dependent add chain: ~7x the time of a vector lane.)
// 3. A Dot may block a second output level by `rows` (a register block of rows × vectors
//    lane groups) when some operand does not move along it, so one load serves every row
//    (BLOCK: 4 rows × 2 vectors, the reduction not unrolled).
// 4. A Move's sources carry checks (the first valid source wins). Its lane level is one
//    along which every check that moves depends on that level alone: the lane level then
//    splits into segments on which each such check is statically true or false, and the
//    other checks are fixed for a whole lane loop (the emitter picks the source outside it).
import { Kind } from "../../program/isa";
import { Form, InstructionPlan, Level } from "./affine";

export interface VectorOptions {
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
  /** Border lanes of a Dot / Reduce as masked vectors (default true); else scalar. */
  maskBorders?: boolean;
}

export interface VectorOperand {
  index: number;
  /** Read at every reduction step; else once per output element. */
  reduce: boolean;
  /** Element index within the slot, over the simplified levels. */
  addr: Form;
}

export interface VectorCheck {
  form: Form;
  dim: number;
  /** The operand whose coordinate it checks. */
  operand: number;
}

/** A run of the lane level: [from, to) in steps of `step` elements. */
export interface LaneSegment {
  from: number;
  to: number;
  /** 0: scalar elements; else lane groups of this many f32x4 vectors. */
  vectors: number;
  /** Vectors whose lanes may fail the checks moving along the lanes: evaluated per lane. */
  masked?: true;
}

export interface VectorPlan {
  levels: Level[];
  out: Form;
  operands: VectorOperand[];
  /** Operands read by the reduction ([] when it never reads). */
  reads: VectorOperand[];
  /** Operands read once per element (the Dot bias, Map inputs). */
  elementReads: VectorOperand[];
  /** The reads' checked coordinates, in operand order. */
  checks: VectorCheck[];
  outputLevels: number[];
  reductionLevels: number[];
  /** Output elements; reduction steps that read (0 when none do). */
  elements: number;
  reductionSteps: number;
  lane: { level: number; interior: [number, number]; segments: LaneSegment[] } | null;
  rows: { level: number; count: number } | null;
  /** The output loops outside the lane level, outermost first. */
  outerLevels: number[];
  /** Taps of the innermost reduction level: unrolled fully up to `full`, else by `partial`. */
  unroll: { full: number; partial: number };
  /** Move: the sources that can be valid somewhere, in order ([] for other kinds). */
  sources: number[];
}

/**
 * The register block of a Dot with rows: rows × vectors f32x4 accumulators, the reduction
 * not unrolled. Measured best on the PP-OCR convs and matmuls (V8 keeps 16 xmm registers:
 * 8 accumulators + 2 A vectors + 4 B splats fit; more rows or vectors, or unrolled taps
 * whose loads TurboFan hoists, spill): e.g. a 1x1 conv 480 -> 480 on 480 pixels 8.9 -> 14.8
 * GMAC/s, a padded 3x3 conv 96 -> 24 on 80x80 8.0 -> 11.1 GMAC/s.
 */
const BLOCK = { rows: 4, vectors: 2 };

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

const cloneForm = (f: Form): Form => ({ offset: f.offset, coefs: f.coefs.slice() });

/** Drop extent-1 levels (and the reduction levels of an empty reduction); merge row-major neighbours. */
function simplifyLevels(levels: Level[], forms: Form[], emptyReduction: boolean): Level[] {
  const lv = levels.map((l) => ({ ...l }));
  const removeLevel = (l: number): void => {
    lv.splice(l, 1);
    for (const f of forms) f.coefs.splice(l, 1);
  };
  for (let l = lv.length - 1; l >= 0; l--)
    if (lv[l].extent === 1 || (emptyReduction && lv[l].reduction)) removeLevel(l);
  for (let l = 0; l + 1 < lv.length;) {
    if (
      lv[l].reduction === lv[l + 1].reduction &&
      forms.every((f) => f.coefs[l] === f.coefs[l + 1] * lv[l + 1].extent)
    ) {
      lv[l + 1].extent *= lv[l].extent;
      removeLevel(l);
      l = Math.max(0, l - 1);
    } else {
      l++;
    }
  }
  return lv;
}

/** The range of level `lam` on which every check holds for every value of the other levels. */
function interior(levels: Level[], checks: VectorCheck[], lam: number): [number, number] {
  let lo = 0;
  let up = levels[lam].extent;
  for (const ch of checks) {
    const c = ch.form.coefs[lam];
    if (c === 0) continue;
    let rlo = ch.form.offset;
    let rhi = ch.form.offset;
    levels.forEach((v, l) => {
      if (l === lam) return;
      const t = ch.form.coefs[l] * (v.extent - 1);
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
}

/** Cost of the loads of one lane group by element stride along the lanes. */
const loadCost = (stride: number): number => (stride === 0 ? 0.3 : stride === 1 ? 1 : stride === 2 ? 2.5 : 7);

/** The lane level of least estimated cost (ties: the innermost), or null for scalar code. */
function chooseLane(
  p: Omit<VectorPlan, "lane" | "rows" | "outerLevels" | "unroll" | "sources">,
): { level: number; interior: [number, number] } | null {
  const { levels, checks, reads, elementReads, elements: E, reductionSteps: Kr } = p;
  const perScalar = Kr * (reads.length + 2 + checks.length) + elementReads.length + 6;
  let best = E * perScalar;
  let lane: { level: number; interior: [number, number] } | null = null;
  for (const lam of p.outputLevels) {
    const [lo, up] = interior(levels, checks, lam);
    const vecs = Math.floor((up - lo) / 4);
    if (vecs === 0) continue;
    const perVec =
      Kr * (reads.reduce((s, o) => s + loadCost(o.addr.coefs[lam]), 0) + 2) +
      elementReads.reduce((s, o) => s + loadCost(o.addr.coefs[lam]), 0) +
      (p.out.coefs[lam] === 1 ? 1 : 8) +
      4;
    const n = levels[lam].extent;
    const cost = (E / n) * (vecs * perVec + (n - 4 * vecs) * perScalar);
    if (cost < best || (cost === best && lam > (lane?.level ?? -1))) {
      best = cost;
      lane = { level: lam, interior: [lo, up] };
    }
  }
  return lane;
}

/** [from, to): lane groups of `unroll` vectors, single vectors, scalar rest. */
function runSegments(from: number, to: number, unroll: number): LaneSegment[] {
  const vecs = Math.floor((to - from) / 4);
  const U = Math.max(1, Math.min(unroll, vecs));
  const bigEnd = from + 4 * U * Math.floor(vecs / U);
  const vecEnd = from + 4 * vecs;
  return [
    { from, to: bigEnd, vectors: U },
    { from: bigEnd, to: vecEnd, vectors: 1 },
    { from: vecEnd, to, vectors: 0 },
  ].filter((s) => s.to > s.from);
}

/** [lo, hi): where off + c·i is in [0, dim) (c ≠ 0). */
function validRange(off: number, c: number, dim: number): [number, number] {
  return c > 0 ? [cdiv(-off, c), fdiv(dim - 1 - off, c) + 1] : [cdiv(dim - 1 - off, c), fdiv(-off, c) + 1];
}

/**
 * A Move's lane level (least load + store cost, ties: the innermost) among the output
 * levels whose moving checks depend on them alone, with its segments: cut wherever such a
 * check turns valid or invalid, so each check has one truth value per segment.
 */
function moveLane(p: VectorPlan, unroll: number): VectorPlan["lane"] {
  let best = Infinity;
  let lam = -1;
  for (const l of p.outputLevels) {
    if (p.levels[l].extent < 4) continue;
    const mixed = p.checks.some((c) => c.form.coefs[l] !== 0 && c.form.coefs.some((x, k) => k !== l && x !== 0));
    if (mixed) continue;
    const cost =
      p.sources.reduce((s, j) => s + loadCost(p.operands[j].addr.coefs[l]), 0) + (p.out.coefs[l] === 1 ? 1 : 8);
    if (cost <= best) {
      best = cost;
      lam = l;
    }
  }
  if (lam < 0) return null;
  const n = p.levels[lam].extent;
  const cuts = new Set([0, n]);
  for (const c of p.checks) {
    const co = c.form.coefs[lam];
    if (co === 0) continue;
    for (const x of validRange(c.form.offset, co, c.dim)) cuts.add(Math.min(n, Math.max(0, x)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const segments = points.slice(1).flatMap((to, k) => runSegments(points[k], to, unroll));
  return { level: lam, interior: [0, n], segments };
}

/** Scalar border, lane groups of `unroll` vectors, single vectors, scalar border. */
function laneSegments(n: number, [lo, up]: [number, number], unroll: number): LaneSegment[] {
  const vecs = Math.floor((up - lo) / 4);
  const U = Math.max(1, Math.min(unroll, vecs));
  const bigEnd = lo + 4 * U * Math.floor(vecs / U);
  const vecEnd = lo + 4 * vecs;
  return [
    { from: 0, to: lo, vectors: 0 },
    { from: lo, to: bigEnd, vectors: U },
    { from: bigEnd, to: vecEnd, vectors: 1 },
    { from: vecEnd, to: n, vectors: 0 },
  ];
}

/**
 * Masked vectors over the border lanes outside [lo, up), 4-aligned from lane 0: masked
 * vectors up to the first vector start inside the interior, then the interior's groups of
 * `unroll` vectors and single vectors, masked vectors up to the last whole vector, and
 * fewer than 4 scalar lanes.
 */
function maskedSegments(n: number, [lo, up]: [number, number], unroll: number): LaneSegment[] {
  const n4 = 4 * Math.floor(n / 4);
  const a = Math.min(n4, 4 * Math.ceil(lo / 4));
  const b = a + 4 * Math.floor(Math.max(0, up - a) / 4);
  const inner = runSegments(a, b, unroll).filter((s) => s.vectors > 0);
  return [
    ...(a > 0 ? [{ from: 0, to: a, vectors: 1, masked: true as const }] : []),
    ...inner,
    ...(n4 > b ? [{ from: b, to: n4, vectors: 1, masked: true as const }] : []),
    ...(n > n4 ? [{ from: n4, to: n, vectors: 0 }] : []),
  ];
}

/**
 * The row level of a Dot: an output level other than the lane level, no check moving along
 * it, sharing the most reduction operands (ties: the innermost).
 */
function chooseRows(p: VectorPlan, laneLevel: number): number {
  let rowLv = -1;
  let bestShare = 0;
  for (const l of p.outputLevels) {
    if (l === laneLevel || p.levels[l].extent < 2) continue;
    if (p.checks.some((c) => c.form.coefs[l] !== 0)) continue;
    const share = p.reads.filter((o) => o.addr.coefs[l] === 0).length;
    if (share > bestShare || (share === bestShare && share > 0 && l > rowLv)) {
      bestShare = share;
      rowLv = l;
    }
  }
  return rowLv;
}

/** The f32x4 plan of a Dot, Reduce or Map from its affine plan. */
export function vectorPlan(ap: InstructionPlan, options: VectorOptions = {}): VectorPlan {
  const out = cloneForm(ap.out);
  const operands: VectorOperand[] = ap.operands.map((o) => ({
    index: o.index,
    reduce: o.role === "reduce",
    addr: cloneForm(o.addr),
  }));
  const reads = ap.emptyReduction ? [] : operands.filter((o) => o.reduce);
  const move = ap.kind === Kind.Move;
  const checks: VectorCheck[] = ap.emptyReduction
    ? []
    : ap.operands
        .filter((o) => o.role === "reduce" || move)
        .flatMap((o) => o.checks.map((c) => ({ form: cloneForm(c.form), dim: c.dim, operand: o.index })));
  const levels = simplifyLevels(
    ap.levels,
    [out, ...operands.map((o) => o.addr), ...checks.map((c) => c.form)],
    ap.emptyReduction,
  );
  const outputLevels = levels.flatMap((l, i) => (l.reduction ? [] : [i]));
  const reductionLevels = levels.flatMap((l, i) => (l.reduction ? [i] : []));
  const plan: VectorPlan = {
    levels,
    out,
    operands,
    reads,
    elementReads: operands.filter((o) => !o.reduce),
    checks,
    outputLevels,
    reductionLevels,
    elements: outputLevels.reduce((p, l) => p * levels[l].extent, 1),
    reductionSteps: reads.length > 0 ? reductionLevels.reduce((p, l) => p * levels[l].extent, 1) : 0,
    lane: null,
    rows: null,
    outerLevels: outputLevels,
    unroll: { full: options.unrollReduction ?? 8, partial: options.unrollPartial ?? 4 },
    sources: move ? ap.operands.filter((o) => !o.neverValid).map((o) => o.index) : [],
  };
  if (move) {
    plan.lane = options.scalarOnly ? null : moveLane(plan, options.unroll ?? 4);
    if (plan.lane !== null) plan.outerLevels = outputLevels.filter((l) => l !== plan.lane!.level);
    return plan;
  }
  const lane = options.scalarOnly ? null : chooseLane(plan);
  if (lane !== null) {
    plan.lane = { ...lane, segments: [] };
    plan.outerLevels = outputLevels.filter((l) => l !== lane.level);
    const rows = options.rows ?? BLOCK.rows;
    if (ap.kind === Kind.Dot && rows > 1 && reads.length === 2 && plan.reductionSteps > 0) {
      const level = chooseRows(plan, lane.level);
      if (level >= 0) plan.rows = { level, count: Math.min(rows, levels[level].extent) };
    }
    const n = levels[lane.level].extent;
    const unroll = options.unroll ?? (plan.rows !== null ? BLOCK.vectors : 4);
    const masked =
      options.maskBorders !== false &&
      (ap.kind === Kind.Dot || ap.kind === Kind.Reduce) &&
      checks.some((c) => c.form.coefs[lane.level] !== 0);
    plan.lane.segments = masked ? maskedSegments(n, lane.interior, unroll) : laneSegments(n, lane.interior, unroll);
    if (plan.rows !== null) plan.unroll = { full: options.unrollReduction ?? 1, partial: options.unrollPartial ?? 1 };
  }
  return plan;
}
