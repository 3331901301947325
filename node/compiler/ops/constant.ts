// Ops evaluated only at compile time: they make or inspect constants and shapes. Given a
// runtime tensor where a value is needed, they report that clearly.
import { ConstTensor, DType, isFloatType } from "../../onnx/tensor";
import { NodeContext } from "../context";
import { ConstValue, Value, stridesOf } from "../values";
import { MapOp } from "../../program/isa";
import { broadcastShapes } from "./kernels";
import * as L from "./logic";
import * as Q from "./quant";

function constOf(t: ConstTensor): ConstValue {
  return { kind: "const", t };
}

function ints(dims: number[], values: ArrayLike<number>, dtype: DType = "int64"): ConstValue {
  return constOf({ dtype, dims, data: Float64Array.from(values) });
}

export function Constant(ctx: NodeContext): Value[] {
  const t = ctx.tensorAttr("value");
  if (t) return [constOf(t)];
  const f = ctx.hasAttr("value_float") ? ctx.float("value_float", 0) : undefined;
  if (f !== undefined) return [constOf({ dtype: "float32", dims: [], data: Float32Array.of(f) })];
  const fs = ctx.floats("value_floats");
  if (fs) return [constOf({ dtype: "float32", dims: [fs.length], data: Float32Array.from(fs) })];
  if (ctx.hasAttr("value_int")) return [ints([], [ctx.int("value_int", 0)])];
  const is = ctx.ints("value_ints");
  if (is) return [ints([is.length], is)];
  ctx.unsupported(`Constant with attribute ${ctx.attrNames().join(", ")} is not supported`);
}

export function Shape(ctx: NodeContext): Value[] {
  const d = ctx.dims(0);
  const rank = d.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(ctx.int("start", 0));
  const end = ctx.hasAttr("end") ? clamp(ctx.int("end", rank)) : rank;
  const s = d.slice(start, Math.max(start, end));
  return [ints([s.length], s)];
}

export function Size(ctx: NodeContext): Value[] {
  return [ints([], [ctx.dims(0).reduce((p, q) => p * q, 1)])];
}

export function ConstantOfShape(ctx: NodeContext): Value[] {
  const shape = Array.from(ctx.constInput(0, "shape").data);
  const n = shape.reduce((p, q) => p * q, 1);
  const t = ctx.tensorAttr("value");
  const dtype = t?.dtype ?? "float32";
  const v = t ? t.data[0] : 0;
  return [
    constOf({
      dtype,
      dims: shape,
      data: isFloatType(dtype) ? new Float32Array(n).fill(v) : new Float64Array(n).fill(v),
    }),
  ];
}

export function Range(ctx: NodeContext): Value[] {
  const s = ctx.constInput(0, "start");
  const l = ctx.constInput(1, "limit").data[0];
  const d = ctx.constInput(2, "delta").data[0];
  const start = s.data[0];
  const n = Math.max(Math.ceil((l - start) / d), 0);
  const vals = Array.from({ length: n }, (_, i) => start + i * d);
  return [
    constOf({
      dtype: s.dtype,
      dims: [n],
      data: isFloatType(s.dtype) ? Float32Array.from(vals) : Float64Array.from(vals),
    }),
  ];
}

/** Elementwise over constants with broadcasting, any dtype (comparisons, logic, Where). */
function constBroadcast(
  ctx: NodeContext,
  inputs: ConstTensor[],
  dtype: DType,
  f: (...xs: number[]) => number,
): ConstValue {
  const outDims = broadcastShapes(
    inputs.map((t) => t.dims),
    ctx.name,
  );
  const n = outDims.reduce((p, q) => p * q, 1);
  const outStrides = stridesOf(outDims);
  const inStrides = inputs.map((t) => {
    const s = stridesOf(t.dims);
    const shift = outDims.length - t.dims.length;
    return outDims.map((_, j) => (j < shift || t.dims[j - shift] === 1 ? 0 : s[j - shift]));
  });
  const data = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
  const xs = new Array<number>(inputs.length);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < inputs.length; i++) {
      let a = 0;
      let rem = e;
      for (let j = 0; j < outDims.length; j++) {
        const c = Math.floor(rem / outStrides[j]);
        rem -= c * outStrides[j];
        a += c * inStrides[i][j];
      }
      xs[i] = inputs[i].data[a];
    }
    data[e] = f(...xs);
  }
  return constOf({ dtype, dims: outDims, data });
}

function constOnly(ctx: NodeContext, count: number): ConstTensor[] {
  const out: ConstTensor[] = [];
  for (let i = 0; i < count; i++) {
    const v = ctx.input(i);
    if (v.kind !== "const")
      ctx.unsupported(`runtime input ${i} is not supported: ${ctx.node.opType} is only evaluated at compile time`);
    out.push(v.t);
  }
  return out;
}

/** Every input of the node, if all are constants (then the op is evaluated now); else null. */
function allConst(ctx: NodeContext, count: number): ConstTensor[] | null {
  const out: ConstTensor[] = [];
  for (let i = 0; i < count; i++) {
    const v = ctx.input(i);
    if (v.kind !== "const") return null;
    out.push(v.t);
  }
  return out;
}

/**
 * A comparison or logic op: evaluated at compile time on constants, else lowered by
 * `runtime` to Map instructions (lowerLogic.ts) whose booleans are 1.0 / +0.
 */
function logic(count: number, f: (...xs: number[]) => boolean, runtime: (ctx: NodeContext, xs: Value[]) => Value) {
  return (ctx: NodeContext): Value[] => {
    const consts = allConst(ctx, count);
    if (consts !== null) return [constBroadcast(ctx, consts, "bool", (...xs) => (f(...xs) ? 1 : 0))];
    const xs = Array.from({ length: count }, (_, i) => ctx.input(i));
    return [runtime(ctx, xs)];
  };
}

export const Equal = logic(
  2,
  (a, b) => a === b,
  (c, [a, b]) => L.compare(c, MapOp.Equal, a, b),
);
export const Less = logic(
  2,
  (a, b) => a < b,
  (c, [a, b]) => L.compare(c, MapOp.Less, a, b),
);
export const LessOrEqual = logic(
  2,
  (a, b) => a <= b,
  (c, [a, b]) => L.compare(c, MapOp.LessOrEqual, a, b),
);
// a > b is b < a, and a >= b is b <= a: the same ops with the operands swapped.
export const Greater = logic(
  2,
  (a, b) => a > b,
  (c, [a, b]) => L.compare(c, MapOp.Less, b, a),
);
export const GreaterOrEqual = logic(
  2,
  (a, b) => a >= b,
  (c, [a, b]) => L.compare(c, MapOp.LessOrEqual, b, a),
);
export const And = logic(
  2,
  (a, b) => a !== 0 && b !== 0,
  (c, [a, b]) => L.and(c, a, b),
);
export const Or = logic(
  2,
  (a, b) => a !== 0 || b !== 0,
  (c, [a, b]) => L.or(c, a, b),
);
export const Xor = logic(
  2,
  (a, b) => (a !== 0) !== (b !== 0),
  (c, [a, b]) => L.xor(c, a, b),
);
export const Not = logic(
  1,
  (a) => a === 0,
  (c, [a]) => L.not(c, a),
);

export function Where(ctx: NodeContext): Value[] {
  const consts = allConst(ctx, 3);
  if (consts !== null) {
    const [c, x, y] = consts;
    return [constBroadcast(ctx, [c, x, y], x.dtype, (cv, xv, yv) => (cv !== 0 ? xv : yv))];
  }
  return [L.where(ctx, ctx.input(0), ctx.input(1), ctx.input(2))];
}

export function ReduceProd(ctx: NodeContext): Value[] {
  const input = ctx.input(0);
  if (input.kind === "tensor") {
    const raw = ctx.opset >= 18 ? ctx.intsInput(1, "axes") : ctx.ints("axes");
    const rank = input.dims.length;
    const axes =
      raw && raw.length ? raw.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q) : input.dims.map((_, j) => j);
    return [Q.reduceProdRuntime(ctx, input, axes, ctx.int("keepdims", 1) !== 0)];
  }
  const [x] = constOnly(ctx, 1);
  const raw = ctx.opset >= 18 ? ctx.intsInput(1, "axes") : ctx.ints("axes");
  const rank = x.dims.length;
  const axes = raw && raw.length ? raw.map((a) => (a < 0 ? a + rank : a)) : x.dims.map((_, j) => j);
  const keep = ctx.int("keepdims", 1) !== 0;
  const outDims = x.dims.map((d, j) => (axes.includes(j) ? 1 : d));
  const n = outDims.reduce((p, q) => p * q, 1);
  const data = isFloatType(x.dtype) ? new Float32Array(n).fill(1) : new Float64Array(n).fill(1);
  const inStrides = stridesOf(x.dims);
  const outStrides = stridesOf(outDims);
  for (let e = 0; e < x.data.length; e++) {
    let o = 0;
    let rem = e;
    for (let j = 0; j < rank; j++) {
      const c = Math.floor(rem / inStrides[j]);
      rem -= c * inStrides[j];
      if (!axes.includes(j)) o += c * outStrides[j];
    }
    data[o] = isFloatType(x.dtype) ? Math.fround(data[o] * x.data[e]) : data[o] * x.data[e];
  }
  return [constOf({ dtype: x.dtype, dims: keep ? outDims : outDims.filter((_, j) => !axes.includes(j)), data })];
}

/**
 * Mod of constants: fmod = 1 is C's fmod (the sign of the dividend; JavaScript's %, exact),
 * fmod = 0 the integer remainder with the sign of the divisor. Runtime operands are refused.
 */
export function Mod(ctx: NodeContext): Value[] {
  const fmod = ctx.int("fmod", 0) !== 0;
  const consts = allConst(ctx, 2);
  if (consts === null) ctx.unsupported("Mod of a runtime tensor is not supported (only of constants)");
  const [a, b] = consts;
  if (!fmod && (isFloatType(a.dtype) || isFloatType(b.dtype))) ctx.fail("fmod = 0 is for integers only");
  return [
    constBroadcast(ctx, [a, b], a.dtype, (x, y) => {
      if (y === 0 && !isFloatType(a.dtype)) ctx.fail("integer Mod by zero");
      const r = x % y;
      return fmod || r === 0 || r < 0 === y < 0 ? r : r + y;
    }),
  ];
}
