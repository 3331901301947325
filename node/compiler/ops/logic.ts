// Comparisons, boolean logic, selection and ArgMax / ArgMin on runtime tensors (PROTOCOL.md §2.3): booleans
// are binary32 1.0 (true) and +0 (false), so the ISA needs only Equal, Less, LessOrEqual
// and the ternary Where; the rest are existing ops on 0 / 1 values:
//   a > b = b < a,  a >= b = b <= a,  not a = (a == 0),  a and b = min(a, b),
//   a or b = max(a, b),  a xor b = ((a == b) == 0),  bool(x) = ((x == 0) == 0).
import { ConstTensor, isFloatType } from "../../onnx/tensor";
import { INTEGER_INPUT_TYPES, IntegerInputType, MapOp, ReduceOp } from "../../program/isa";
import type { ProgramBuilder } from "../builder";
import { NodeContext, normAxis } from "../context";
import { Value, dimsOf } from "../values";
import { concatValues, gatherAxis, mapValues, reduceValue, reshapeValue } from "./kernels";

/** A bool constant as the float32 0 / 1 data a Map operand reads (weight slots are float32). */
function asOperand(v: Value): Value {
  if (v.kind !== "const" || v.t.dtype !== "bool") return v;
  const t: ConstTensor = { dtype: "float32", dims: v.t.dims, data: Float32Array.from(v.t.data) };
  return { kind: "const", t };
}

const ZERO: Value = { kind: "const", t: { dtype: "float32", dims: [], data: Float32Array.of(0) } };

function boolResult(v: Value): Value {
  return v.kind === "tensor" ? { ...v, dtype: "bool" } : v;
}

function map(ctx: NodeContext, op: MapOp, xs: Value[], suffix = ""): Value {
  return mapValues(ctx.b, op, xs.map(asOperand), [], ctx.name + suffix);
}

export function compare(ctx: NodeContext, op: MapOp, a: Value, b: Value): Value {
  return boolResult(map(ctx, op, [a, b]));
}

export function not(ctx: NodeContext, a: Value, suffix = ""): Value {
  return boolResult(map(ctx, MapOp.Equal, [a, ZERO], suffix));
}

export function and(ctx: NodeContext, a: Value, b: Value): Value {
  return boolResult(map(ctx, MapOp.Min, [a, b]));
}

export function or(ctx: NodeContext, a: Value, b: Value): Value {
  return boolResult(map(ctx, MapOp.Max, [a, b]));
}

export function xor(ctx: NodeContext, a: Value, b: Value): Value {
  return not(ctx, map(ctx, MapOp.Equal, [a, b], "/eq"));
}

/** bool(x): true iff x ≠ ±0 (NaN is true), as ONNX casts to bool. */
export function toBool(ctx: NodeContext, x: Value): Value {
  return not(ctx, not(ctx, x, "/zero"));
}

export function where(ctx: NodeContext, c: Value, x: Value, y: Value): Value {
  const out = map(ctx, MapOp.Where, [c, x, y]);
  // The result has x's type: keep it known for a later Cast.
  const xt: string | undefined = x.kind === "const" ? x.t.dtype : x.dtype;
  const known = (INTEGER_INPUT_TYPES as readonly (string | undefined)[]).includes(xt);
  return out.kind === "tensor" && known ? { ...out, dtype: xt as IntegerInputType } : out;
}

/**
 * ArgMax / ArgMin over one axis, from Reduce and Map steps (the first extreme wins, or the
 * last with select_last_index): m = max (min) over the axis; hit = (x == m) or x is NaN;
 * candidate = hit ? index : +∞ (−∞ for the last); result = min (max) of the candidates. A
 * slice holding a NaN has m = NaN, so its first (last) NaN wins, as numpy's argmax says.
 */
export function argExtreme(ctx: NodeContext, largest: boolean): Value {
  const x = ctx.input(0);
  const axis = normAxis(ctx, ctx.int("axis", 0), dimsOf(x).length);
  const keep = ctx.int("keepdims", 1) !== 0;
  const out = argIndex(ctx, x, axis, largest, ctx.int("select_last_index", 0) !== 0, keep);
  return asInt64(out);
}

/** The same value, known to hold int64 indices (ArgMax's and TopK's index outputs). */
function asInt64(v: Value): Value {
  return v.kind === "tensor" ? { ...v, dtype: "int64" } : { kind: "const", t: { ...v.t, dtype: "int64" } };
}

/** The index of the first (or last) maximum (or minimum) of `x` along `axis`. */
function argIndex(ctx: NodeContext, x: Value, axis: number, largest: boolean, last: boolean, keep: boolean): Value {
  return argIndexValue(ctx.b, x, axis, largest, last, keep, ctx.name);
}

/**
 * argIndex at builder level, for callers without an ONNX node (a pipeline's argmax step):
 * the steps are named `${name}/extreme`, `${name}/equal`, … and the result is a float32
 * index (not tagged int64).
 */
export function argIndexValue(
  b: ProgramBuilder,
  x: Value,
  axis: number,
  largest: boolean,
  last: boolean,
  keep: boolean,
  name: string,
): Value {
  const dims = dimsOf(x);
  const m = reduceValue(b, largest ? ReduceOp.Max : ReduceOp.Min, x, [axis], true, `${name}/extreme`);
  const map = (op: MapOp, xs: Value[], suffix: string): Value => mapValues(b, op, xs.map(asOperand), [], name + suffix);
  const equal = map(MapOp.Equal, [x, m], "/equal");
  const nan = map(MapOp.Equal, [map(MapOp.Equal, [x, x], "/self"), ZERO], "/nan");
  const hit = map(MapOp.Max, [equal, nan], "/hit");
  const none = num(last ? -Infinity : Infinity);
  const candidate = map(MapOp.Where, [hit, iotaAlong(dims, axis), none], "/candidate");
  return reduceValue(b, last ? ReduceOp.Max : ReduceOp.Min, candidate, [axis], keep, `${name}/index`);
}

/**
 * TopK with a constant K: K rounds of "the first extreme among the entries not taken yet".
 * Round i: masked = taken ? fill : x (fill = −∞ for the largest, +∞ for the smallest);
 * m = max (min) of masked; the index is the first untaken position equal to m (or holding a
 * NaN, which max/min propagate, so NaNs come first as in argmax); it is marked taken. Values
 * are the m's, indices those positions: sorted, ties in index order. sorted = 0 gets the
 * same (sorted) order, which ONNX allows.
 */
export function TopK(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const dims = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", -1), dims.length);
  const k = ctx.opset >= 10 ? ctx.constInput(1, "K").data[0] : ctx.int("k", 1);
  if (!(Number.isInteger(k) && k >= 0 && k <= dims[axis])) ctx.fail(`K = ${k} is outside [0, ${dims[axis]}]`);
  if (k === 0) ctx.fail("K = 0 gives empty outputs, which Referee does not represent");
  const largest = ctx.int("largest", 1) !== 0;
  const b = ctx.b;
  const iota = iotaAlong(dims, axis);
  const fill = num(largest ? -Infinity : Infinity);
  let taken: Value = num(0);
  const values: Value[] = [];
  const indices: Value[] = [];
  for (let i = 0; i < k; i++) {
    const at = `/${i}`;
    const masked = i === 0 ? x : map(ctx, MapOp.Where, [taken, fill, x], `${at}/masked`);
    const m = reduceValue(b, largest ? ReduceOp.Max : ReduceOp.Min, masked, [axis], true, `${ctx.name}${at}/extreme`);
    const equal = map(ctx, MapOp.Equal, [masked, m], `${at}/equal`);
    const nan = not(ctx, map(ctx, MapOp.Equal, [masked, masked], `${at}/self`), `${at}/nan`);
    const hit = map(ctx, MapOp.Max, [equal, nan], `${at}/hit`);
    const free = i === 0 ? hit : map(ctx, MapOp.Where, [taken, num(0), hit], `${at}/free`);
    const candidate = map(ctx, MapOp.Where, [free, iota, num(Infinity)], `${at}/candidate`);
    const index = reduceValue(b, ReduceOp.Min, candidate, [axis], true, `${ctx.name}${at}/index`);
    values.push(m);
    indices.push(index);
    if (i + 1 < k) {
      const picked = map(ctx, MapOp.Equal, [iota, index], `${at}/picked`);
      taken = i === 0 ? picked : map(ctx, MapOp.Max, [taken, picked], `${at}/taken`);
    }
  }
  const cat = (vs: Value[], what: string) =>
    vs.length === 1 ? vs[0] : concatValues(b, vs, axis, `${ctx.name}/${what}`);
  return [cat(values, "values"), asInt64(cat(indices, "indices"))];
}

/** 0, 1, …, dims[axis] − 1 along `axis`, shaped to broadcast against a tensor of `dims`. */
function iotaAlong(dims: number[], axis: number): Value {
  const iotaDims = [dims[axis], ...dims.slice(axis + 1).map(() => 1)];
  const data = Float32Array.from({ length: dims[axis] }, (_, i) => i);
  return { kind: "const", t: { dtype: "float32", dims: iotaDims, data } };
}

function num(v: number): Value {
  return { kind: "const", t: { dtype: "float32", dims: [], data: Float32Array.of(v) } };
}

/** Hardmax: 1 at the first maximum along the axis, +0 elsewhere (opset < 13: over the 2-D coercion). */
export function Hardmax(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const dims = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", ctx.opset >= 13 ? -1 : 1), dims.length);
  const view =
    ctx.opset >= 13
      ? x
      : reshapeValue(
          x,
          [dims.slice(0, axis).reduce((p, d) => p * d, 1), dims.slice(axis).reduce((p, d) => p * d, 1)],
          ctx.name,
        );
  const a = ctx.opset >= 13 ? axis : 1;
  const index = argIndex(ctx, view, a, true, false, true);
  const onehot = map(ctx, MapOp.Equal, [iotaAlong(dimsOf(view), a), index]);
  return [reshapeValue(onehot, dims, ctx.name)];
}

export function IsNaN(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  return [not(ctx, map(ctx, MapOp.Equal, [x, x], "/self"))];
}

export function IsInf(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const pos = ctx.int("detect_positive", 1) !== 0;
  const neg = ctx.int("detect_negative", 1) !== 0;
  const p = pos ? compare(ctx, MapOp.Equal, x, num(Infinity)) : undefined;
  const n = neg ? boolResult(map(ctx, MapOp.Equal, [x, num(-Infinity)], "/neg")) : undefined;
  if (p && n) return [boolResult(map(ctx, MapOp.Max, [p, n], "/any"))];
  return [p ?? n ?? boolResult(map(ctx, MapOp.Less, [x, x], "/none"))];
}

/** ThresholdedRelu: x > alpha ? x : 0. */
export function ThresholdedRelu(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const above = map(ctx, MapOp.Less, [num(ctx.float("alpha", 1)), x], "/above");
  return [map(ctx, MapOp.Where, [above, x, num(0)])];
}

/** Shrink: x < −λ ? x + bias : x > λ ? x − bias : 0. */
export function Shrink(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const l = ctx.float("lambd", 0.5);
  const bias = num(ctx.float("bias", 0));
  const low = map(ctx, MapOp.Less, [x, num(-l)], "/low");
  const high = map(ctx, MapOp.Less, [num(l), x], "/high");
  const upper = map(ctx, MapOp.Where, [high, map(ctx, MapOp.Sub, [x, bias], "/sub"), num(0)], "/upper");
  return [map(ctx, MapOp.Where, [low, map(ctx, MapOp.Add, [x, bias], "/add"), upper])];
}

/** Trilu: keep the elements with j − i ≥ k (upper) or ≤ k (lower) of the last two axes, zero the rest. */
export function Trilu(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const dims = dimsOf(x);
  if (dims.length < 2) ctx.fail(`input rank ${dims.length} < 2`);
  const k = ctx.opt(1) ? ctx.constInput(1, "k").data[0] : 0;
  const upper = ctx.int("upper", 1) !== 0;
  const [N, M] = dims.slice(-2);
  const mask = new Float32Array(N * M);
  for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) mask[i * M + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  const keep: Value = { kind: "const", t: { dtype: "float32", dims: [N, M], data: mask } };
  const zero: Value =
    x.kind === "const" && !isFloatType(x.t.dtype)
      ? { kind: "const", t: { dtype: x.t.dtype, dims: [], data: Float64Array.of(0) } }
      : num(0);
  return [map(ctx, MapOp.Where, [keep, x, zero])];
}

export function ArgMax(ctx: NodeContext): Value[] {
  return [argExtreme(ctx, true)];
}

export function ArgMin(ctx: NodeContext): Value[] {
  return [argExtreme(ctx, false)];
}

/**
 * OneHot(indices, depth, values): on = values[1] where the (wrapped) index equals the
 * position along the new axis, off = values[0] elsewhere. Depth and values must be
 * constants; indices may be runtime (Equal against an iota, then Where).
 */
export function OneHot(ctx: NodeContext): Value[] {
  const idx = ctx.input(0);
  const id = dimsOf(idx);
  const depth = ctx.constInput(1, "depth").data[0];
  if (!(Number.isInteger(depth) && depth >= 1)) ctx.fail(`depth ${depth} is not a positive integer`);
  const values = ctx.input(2);
  const vd = dimsOf(values);
  if (vd.reduce((p, d) => p * d, 1) !== 2) ctx.fail(`values has ${vd.join("x")} elements, expected 2`);
  const rank = id.length + 1;
  const axis = normAxis(ctx, ctx.int("axis", -1), rank);
  const neg = map(ctx, MapOp.Less, [idx, num(0)], "/neg");
  const wrapped = map(ctx, MapOp.Where, [neg, map(ctx, MapOp.Add, [idx, num(depth)], "/wrap"), idx], "/index");
  // The index gets a size-1 dim at `axis`; the iota runs along it.
  const expanded = reshapeValue(wrapped, [...id.slice(0, axis), 1, ...id.slice(axis)], ctx.name);
  const outDims = [...id.slice(0, axis), depth, ...id.slice(axis)];
  const hot = map(ctx, MapOp.Equal, [expanded, iotaAlong(outDims, axis)], "/hot");
  const flat = reshapeValue(values, [2], ctx.name);
  const pick = (i: number): Value =>
    flat.kind === "const"
      ? { kind: "const", t: { dtype: flat.t.dtype, dims: [], data: flat.t.data.slice(i, i + 1) } }
      : reshapeValue(gatherAxis(ctx.b, flat, 0, [i], `${ctx.name}/v${i}`), [], ctx.name);
  return [map(ctx, MapOp.Where, [hot, pick(1), pick(0)])];
}

/** EyeLike: a constant of the input's shape, ones on diagonal k. Only the shape is read. */
export function EyeLike(ctx: NodeContext): Value[] {
  const [N, M] = ctx.dims(0);
  if (ctx.dims(0).length !== 2) ctx.fail(`input rank ${ctx.dims(0).length} is not 2`);
  const k = ctx.int("k", 0);
  const data = new Float32Array(N * M);
  for (let i = 0; i < N; i++) if (i + k >= 0 && i + k < M) data[i * M + i + k] = 1;
  return [{ kind: "const", t: { dtype: "float32", dims: [N, M], data } }];
}
