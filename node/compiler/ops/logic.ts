// Comparisons, boolean logic, selection and ArgMax / ArgMin on runtime tensors (PROTOCOL.md §2.3): booleans
// are binary32 1.0 (true) and +0 (false), so the ISA needs only Equal, Less, LessOrEqual
// and the ternary Where; the rest are existing ops on 0 / 1 values:
//   a > b = b < a,  a >= b = b <= a,  not a = (a == 0),  a and b = min(a, b),
//   a or b = max(a, b),  a xor b = ((a == b) == 0),  bool(x) = ((x == 0) == 0).
import { ConstTensor } from "../../onnx/tensor";
import { INTEGER_INPUT_TYPES, IntegerInputType, MapOp, ReduceOp } from "../../program/isa";
import { NodeContext, normAxis } from "../context";
import { Value, dimsOf } from "../values";
import { mapValues, reduceValue } from "./kernels";

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
  const dims = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", 0), dims.length);
  const keep = ctx.int("keepdims", 1) !== 0;
  const last = ctx.int("select_last_index", 0) !== 0;
  const b = ctx.b;
  const m = reduceValue(b, largest ? ReduceOp.Max : ReduceOp.Min, x, [axis], true, `${ctx.name}/extreme`);
  const equal = map(ctx, MapOp.Equal, [x, m], "/equal");
  const nan = not(ctx, map(ctx, MapOp.Equal, [x, x], "/self"), "/nan");
  const hit = map(ctx, MapOp.Max, [equal, nan], "/hit");
  const iotaDims = [dims[axis], ...dims.slice(axis + 1).map(() => 1)];
  const iota: Value = {
    kind: "const",
    t: { dtype: "float32", dims: iotaDims, data: Float32Array.from({ length: dims[axis] }, (_, i) => i) },
  };
  const none: Value = {
    kind: "const",
    t: { dtype: "float32", dims: [], data: Float32Array.of(last ? -Infinity : Infinity) },
  };
  const candidate = map(ctx, MapOp.Where, [hit, iota, none], "/candidate");
  const out = reduceValue(b, last ? ReduceOp.Max : ReduceOp.Min, candidate, [axis], keep, ctx.name);
  return out.kind === "tensor" ? { ...out, dtype: "int64" } : { kind: "const", t: { ...out.t, dtype: "int64" } };
}

export function ArgMax(ctx: NodeContext): Value[] {
  return [argExtreme(ctx, true)];
}

export function ArgMin(ctx: NodeContext): Value[] {
  return [argExtreme(ctx, false)];
}
