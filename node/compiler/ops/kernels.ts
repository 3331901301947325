// Building blocks shared by the op lowerings: broadcasting Maps, reductions over axes,
// index-remapping Moves, and reshapes (which are free: same slot, other dims).
import { RefereeError } from "../../errors";
import { ProgramBuilder, broadcastOperand } from "../builder";
import { Kind, MapOp, ReduceOp, product } from "../../program/isa";
import { OperandSpec, Value, dimsOf } from "../values";

export function broadcastShapes(shapes: number[][], name: string): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else
        throw new RefereeError(
          "SHAPE",
          `${name}: shapes ${shapes.map((x) => `[${x}]`).join(" and ")} cannot be broadcast together`,
        );
    }
  }
  return out;
}

/** Elementwise Map with numpy broadcasting (one or two operands). */
export function mapValues(b: ProgramBuilder, op: MapOp, inputs: Value[], params: number[], name: string): Value {
  const shapes = inputs.map(dimsOf);
  const outDims = broadcastShapes(shapes, name);
  const operands = inputs.map((v, i) => broadcastOperand(v, shapes[i], outDims.length));
  return b.kernel({ kind: Kind.Map, op, params, iterDims: outDims, redDims: [], inputs: operands }, outDims, name);
}

/** Same data, other dims: no instruction. */
export function reshapeValue(v: Value, dims: number[], name: string): Value {
  if (product(dims) !== product(dimsOf(v))) {
    throw new RefereeError(
      "SHAPE",
      `${name}: cannot reshape [${dimsOf(v)}] (${product(dimsOf(v))} elements) to [${dims}]`,
    );
  }
  return v.kind === "const" ? { kind: "const", t: { ...v.t, dims } } : { ...v, dims };
}

/**
 * Reduce `v` over `axes` (sorted, normalized). The output keeps the reduced axes as size-1
 * dims when keepdims; the element order is the same either way.
 */
export function reduceValue(
  b: ProgramBuilder,
  op: ReduceOp,
  v: Value,
  axes: number[],
  keepdims: boolean,
  name: string,
): Value {
  const dims = dimsOf(v);
  const kept: number[] = [];
  const red: number[] = [];
  for (let j = 0; j < dims.length; j++) (axes.includes(j) ? red : kept).push(j);
  const iterDims = kept.map((j) => dims[j]);
  const redDims = red.map((j) => dims[j]);
  const n = iterDims.length + redDims.length;
  const coef = new Array<number>(dims.length * n).fill(0);
  kept.forEach((j, i) => (coef[j * n + i] = 1));
  red.forEach((j, r) => (coef[j * n + iterDims.length + r] = 1));
  const operand: OperandSpec = { value: v, dims, offset: new Array<number>(dims.length).fill(0), coef };
  const outDims = keepdims ? dims.map((d, j) => (axes.includes(j) ? 1 : d)) : iterDims;
  const params = op === ReduceOp.Mean ? [product(redDims)] : [];
  return b.kernel(
    { kind: Kind.Reduce, op, params, iterDims, redDims: redDims.length ? redDims : [], inputs: [operand] },
    outDims,
    name,
  );
}

/** out[o] = v[perm-applied o]: Transpose. */
export function transposeValue(b: ProgramBuilder, v: Value, perm: number[], name: string): Value {
  const dims = dimsOf(v);
  if (perm.every((p, i) => p === i)) return v;
  const outDims = perm.map((p) => dims[p]);
  const n = outDims.length;
  const coef = new Array<number>(dims.length * n).fill(0);
  perm.forEach((p, i) => (coef[p * n + i] = 1));
  const operand: OperandSpec = { value: v, dims, offset: new Array<number>(dims.length).fill(0), coef };
  return b.kernel(
    { kind: Kind.Move, op: 0, params: [0], iterDims: outDims, redDims: [], inputs: [operand] },
    outDims,
    name,
  );
}

/**
 * A Move where each output dim i reads input dim i at `start[i] + step[i]·o_i` (Slice, and
 * with start=0/step=0 for broadcast dims, Expand).
 */
export function stridedValue(
  b: ProgramBuilder,
  v: Value,
  outDims: number[],
  start: number[],
  step: number[],
  name: string,
): Value {
  const dims = dimsOf(v);
  const n = outDims.length;
  const shift = n - dims.length;
  const coef = new Array<number>(dims.length * n).fill(0);
  for (let j = 0; j < dims.length; j++) coef[j * n + j + shift] = step[j];
  const operand: OperandSpec = { value: v, dims, offset: start.slice(0, dims.length), coef };
  return b.kernel(
    { kind: Kind.Move, op: 0, params: [0], iterDims: outDims, redDims: [], inputs: [operand] },
    outDims,
    name,
  );
}

/**
 * Pick entries `indices` along `axis` (Gather with constant indices, nearest Resize, Tile).
 * Arithmetic progressions and repeat patterns are one affine source; anything else uses one
 * guarded source per index (a size-1 guard dim that is valid only at that output position).
 */
export function gatherAxis(b: ProgramBuilder, v: Value, axis: number, indices: number[], name: string): Value {
  const dims = dimsOf(v);
  const outDims = dims.slice();
  outDims[axis] = indices.length;
  const rank = dims.length;
  const q = indices.length;
  const identity = (n: number): { coef: number[]; offset: number[] } => {
    const coef = new Array<number>(rank * n).fill(0);
    return { coef, offset: new Array<number>(rank).fill(0) };
  };
  // Arithmetic progression: index = i0 + step·o.
  const step = q > 1 ? indices[1] - indices[0] : 0;
  if (indices.every((ix, o) => ix === indices[0] + step * o)) {
    const start = dims.map((_, j) => (j === axis ? indices[0] : 0));
    const steps = dims.map((_, j) => (j === axis ? step : 1));
    return stridedValue(b, v, outDims, start, steps, name);
  }
  // Repeat pattern: index = floor(o / f) (nearest upsampling by an integer factor f).
  const f = q / dims[axis];
  if (Number.isInteger(f) && f > 1 && indices.every((ix, o) => ix === Math.floor(o / f))) {
    const iterDims = [...dims.slice(0, axis), dims[axis], f, ...dims.slice(axis + 1)];
    const n = iterDims.length;
    const { coef, offset } = identity(n);
    for (let j = 0; j < rank; j++) coef[j * n + (j <= axis ? j : j + 1)] = 1;
    return b.kernel(
      { kind: Kind.Move, op: 0, params: [0], iterDims, redDims: [], inputs: [{ value: v, dims, offset, coef }] },
      outDims,
      name,
    );
  }
  // Tile pattern: index = o mod d.
  const t = q / dims[axis];
  if (Number.isInteger(t) && t > 1 && indices.every((ix, o) => ix === o % dims[axis])) {
    const iterDims = [...dims.slice(0, axis), t, dims[axis], ...dims.slice(axis + 1)];
    const n = iterDims.length;
    const { coef, offset } = identity(n);
    for (let j = 0; j < rank; j++) coef[j * n + (j < axis ? j : j + 1)] = 1;
    return b.kernel(
      { kind: Kind.Move, op: 0, params: [0], iterDims, redDims: [], inputs: [{ value: v, dims, offset, coef }] },
      outDims,
      name,
    );
  }
  if (q > MAX_OPERANDS) {
    // An instruction holds at most 255 operands: gather in chunks, then concatenate them.
    const parts: Value[] = [];
    for (let at = 0; at < q; at += MAX_OPERANDS)
      parts.push(gatherAxis(b, v, axis, indices.slice(at, at + MAX_OPERANDS), `${name}/${at}`));
    return concatValues(b, parts, axis, name);
  }
  const n = rank;
  const sources: OperandSpec[] = indices.map((ix, o) => {
    const coef = new Array<number>((rank + 1) * n).fill(0);
    const offset = new Array<number>(rank + 1).fill(0);
    offset[0] = -o; // guard: valid iff o_axis === o
    coef[0 * n + axis] = 1;
    for (let j = 0; j < rank; j++) {
      if (j === axis) offset[j + 1] = ix;
      else coef[(j + 1) * n + j] = 1;
    }
    return { value: v, dims: [1, ...dims], offset, coef };
  });
  return b.kernel(
    { kind: Kind.Move, op: 0, params: [0], iterDims: outDims, redDims: [], inputs: sources },
    outDims,
    name,
  );
}

/** Most operands one instruction can carry (the encoding's u8 count). */
export const MAX_OPERANDS = 255;

/** Concatenate along `axis`: one source per input, selected by range. */
export function concatValues(b: ProgramBuilder, values: Value[], axis: number, name: string): Value {
  if (values.length > MAX_OPERANDS) {
    const groups: Value[] = [];
    for (let at = 0; at < values.length; at += MAX_OPERANDS)
      groups.push(concatValues(b, values.slice(at, at + MAX_OPERANDS), axis, `${name}/${at}`));
    return concatValues(b, groups, axis, name);
  }
  const shapes = values.map(dimsOf);
  const outDims = shapes[0].slice();
  outDims[axis] = shapes.reduce((s, d) => s + d[axis], 0);
  for (const s of shapes) {
    if (s.length !== outDims.length || s.some((d, j) => j !== axis && d !== outDims[j])) {
      throw new RefereeError(
        "SHAPE",
        `${name}: cannot concatenate shapes ${shapes.map((x) => `[${x}]`).join(", ")} on axis ${axis}`,
      );
    }
  }
  const n = outDims.length;
  let at = 0;
  const sources: OperandSpec[] = [];
  values.forEach((v, i) => {
    const dims = shapes[i];
    if (dims[axis] === 0) return;
    const coef = new Array<number>(n * n).fill(0);
    for (let j = 0; j < n; j++) coef[j * n + j] = 1;
    const offset = new Array<number>(n).fill(0);
    offset[axis] = -at;
    sources.push({ value: v, dims, offset, coef });
    at += dims[axis];
  });
  return b.kernel(
    { kind: Kind.Move, op: 0, params: [0], iterDims: outDims, redDims: [], inputs: sources },
    outDims,
    name,
  );
}

/** Constant-pad: out coordinate o reads v at o − padsBegin, or `value` outside. */
export function padValue(
  b: ProgramBuilder,
  v: Value,
  padsBegin: number[],
  padsEnd: number[],
  value: number,
  name: string,
): Value {
  const dims = dimsOf(v);
  const outDims = dims.map((d, j) => d + padsBegin[j] + padsEnd[j]);
  if (outDims.some((d) => d < 0)) throw new RefereeError("SHAPE", `${name}: pads make a negative dimension`);
  const n = dims.length;
  const coef = new Array<number>(n * n).fill(0);
  for (let j = 0; j < n; j++) coef[j * n + j] = 1;
  const operand: OperandSpec = { value: v, dims, offset: padsBegin.map((p) => -p), coef };
  return b.kernel(
    { kind: Kind.Move, op: 0, params: [value], iterDims: outDims, redDims: [], inputs: [operand] },
    outDims,
    name,
  );
}
