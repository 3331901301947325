// Fidelity metrics between Referee's outputs and a reference (onnxruntime or ONNX's
// expected outputs). One definition, used by `referee compare`, the conformance suite and
// the benchmark, so their numbers mean the same thing.

/** Floor of the relative error's denominator: keeps near-zero reference values from dividing by ~0. */
export const REL_ERROR_FLOOR = 1e-6;

export interface ErrorStats {
  /** Elements compared. */
  elements: number;
  /** max |a − b|, over elements where both are non-NaN. */
  maxAbsError: number;
  /** mean |a − b|, over the same elements. */
  meanAbsError: number;
  /** max |a − b| / max(|b|, REL_ERROR_FLOOR), b the reference. */
  maxRelError: number;
  /** Elements where exactly one side is NaN, or infinities that differ. */
  mismatchedSpecials: number;
  /** Rows (all axes but the last) whose argmax over the last axis agrees. */
  argmaxAgree: number;
  rows: number;
}

/** Index of the first maximum of data[start, start+len); NaN ranks above everything (as numpy). */
export function argmax(data: ArrayLike<number>, start = 0, len = data.length - start): number {
  let best = 0;
  for (let i = 1; i < len; i++) {
    const v = data[start + i];
    const b = data[start + best];
    if (b !== b) break;
    if (v !== v || v > b) best = i;
  }
  return best;
}

/** A tensor as rows for argmax: `last` = size of the last axis, `rows` = elements / last. */
export function lastAxisRows(dims: readonly number[], length: number): { rows: number; last: number } {
  const last = dims.length === 0 ? 1 : dims[dims.length - 1];
  return { rows: last === 0 ? 0 : length / last, last };
}

/** Error statistics of `ours` against `ref`, both of shape `dims`. */
export function errorStats(ours: ArrayLike<number>, ref: ArrayLike<number>, dims: readonly number[]): ErrorStats {
  if (ours.length !== ref.length) throw new Error(`length mismatch: ${ours.length} vs ${ref.length}`);
  let maxAbs = 0;
  let sumAbs = 0;
  let maxRel = 0;
  let finite = 0;
  let specials = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = ref[i];
    if (a !== a || b !== b) {
      if (a === a || b === b) specials++;
      continue;
    }
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (a !== b) specials++;
      continue;
    }
    const d = Math.abs(a - b);
    finite++;
    sumAbs += d;
    if (d > maxAbs) maxAbs = d;
    const r = d / Math.max(Math.abs(b), REL_ERROR_FLOOR);
    if (r > maxRel) maxRel = r;
  }
  const { rows, last } = lastAxisRows(dims, ours.length);
  let agree = 0;
  for (let r = 0; r < rows; r++) {
    if (argmax(ours, r * last, last) === argmax(ref, r * last, last)) agree++;
  }
  return {
    elements: ours.length,
    maxAbsError: maxAbs,
    meanAbsError: finite === 0 ? 0 : sumAbs / finite,
    maxRelError: maxRel,
    mismatchedSpecials: specials,
    argmaxAgree: agree,
    rows,
  };
}

/** Combine statistics of several runs of the same output (e.g. several seeds). */
export function mergeStats(a: ErrorStats, b: ErrorStats): ErrorStats {
  const elements = a.elements + b.elements;
  return {
    elements,
    maxAbsError: Math.max(a.maxAbsError, b.maxAbsError),
    meanAbsError: elements === 0 ? 0 : (a.meanAbsError * a.elements + b.meanAbsError * b.elements) / elements,
    maxRelError: Math.max(a.maxRelError, b.maxRelError),
    mismatchedSpecials: a.mismatchedSpecials + b.mismatchedSpecials,
    argmaxAgree: a.argmaxAgree + b.argmaxAgree,
    rows: a.rows + b.rows,
  };
}

export interface CloseResult {
  ok: boolean;
  /** Worst violation: index, values, and |a − b| against the allowed atol + rtol·|b|. */
  worst?: { index: number; ours: number; expected: number; diff: number; allowed: number };
  reason?: string;
}

/**
 * numpy-style allclose: |a − b| ≤ atol + rtol·|b| elementwise; NaN positions must match and
 * infinities must be equal.
 */
export function allClose(
  ours: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
): CloseResult {
  if (ours.length !== expected.length) {
    return { ok: false, reason: `${ours.length} elements, expected ${expected.length}` };
  }
  let worst: CloseResult["worst"];
  let worstExcess = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = expected[i];
    if (a !== a || b !== b) {
      if (a === a || b === b)
        return { ok: false, reason: `element ${i}: ${a} vs expected ${b} (NaN positions differ)` };
      continue;
    }
    if (a === b) continue;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return { ok: false, reason: `element ${i}: ${a} vs expected ${b}` };
    const diff = Math.abs(a - b);
    const allowed = atol + rtol * Math.abs(b);
    if (!(diff <= allowed)) {
      const excess = diff - allowed;
      if (worst === undefined || excess > worstExcess) {
        worst = { index: i, ours: a, expected: b, diff, allowed };
        worstExcess = excess;
      }
    }
  }
  if (worst === undefined) return { ok: true };
  return {
    ok: false,
    worst,
    reason: `element ${worst.index}: ${worst.ours} vs expected ${worst.expected} (|diff| ${worst.diff.toExponential(2)} > ${worst.allowed.toExponential(2)})`,
  };
}
