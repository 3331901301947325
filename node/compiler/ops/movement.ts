// Movement ONNX ops → Move kernels (pure index math) or free reshapes.
import { ProgramBuilder } from "../builder";
import { NodeContext, normAxis } from "../context";
import { Kind, MapOp, product } from "../../program/isa";
import { Value, dimsOf, stridesOf } from "../values";
import {
  broadcastShapes,
  concatValues,
  gatherAxis,
  mapValues,
  padValue,
  reshapeValue,
  stridedValue,
  transposeValue,
} from "./kernels";

export function Transpose(ctx: NodeContext): Value[] {
  const rank = ctx.dims(0).length;
  const perm = ctx.ints("perm") ?? Array.from({ length: rank }, (_, j) => rank - 1 - j);
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, j) => p !== j))
    ctx.fail(`perm [${perm}] is not a permutation of rank ${rank}`);
  return [transposeValue(ctx.b, ctx.input(0), perm, ctx.name)];
}

export function Reshape(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const shape = ctx.opset >= 5 ? Array.from(ctx.constInput(1, "shape").data) : (ctx.ints("shape") ?? []);
  const allowZero = ctx.int("allowzero", 0) !== 0;
  const dims = shape.map((d, j) => (d === 0 && !allowZero ? xd[j] : d));
  const minus = dims.indexOf(-1);
  if (minus >= 0) {
    const known = dims.reduce((p, d, j) => (j === minus ? p : p * d), 1);
    dims[minus] = known === 0 ? 0 : product(xd) / known;
    if (!Number.isInteger(dims[minus])) ctx.fail(`cannot reshape [${xd}] to [${shape}]`);
  }
  return [reshapeValue(x, dims, ctx.name)];
}

export function Flatten(ctx: NodeContext): Value[] {
  const xd = ctx.dims(0);
  const axis = ctx.int("axis", 1);
  const a = axis < 0 ? axis + xd.length : axis;
  return [reshapeValue(ctx.input(0), [product(xd.slice(0, a)), product(xd.slice(a))], ctx.name)];
}

export function Squeeze(ctx: NodeContext): Value[] {
  const xd = ctx.dims(0);
  const raw = ctx.opset >= 13 ? ctx.intsInput(1, "axes") : ctx.ints("axes");
  const axes = raw
    ? raw.map((a) => normAxis(ctx, a, xd.length))
    : xd.map((d, j) => (d === 1 ? j : -1)).filter((j) => j >= 0);
  for (const a of axes) if (xd[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${xd[a]}`);
  return [
    reshapeValue(
      ctx.input(0),
      xd.filter((_, j) => !axes.includes(j)),
      ctx.name,
    ),
  ];
}

export function Unsqueeze(ctx: NodeContext): Value[] {
  const xd = ctx.dims(0);
  const raw = ctx.opset >= 13 ? ctx.intsInput(1, "axes") : ctx.ints("axes");
  if (!raw) ctx.fail("axes are required");
  const rank = xd.length + raw.length;
  const axes = raw.map((a) => normAxis(ctx, a, rank));
  const dims: number[] = [];
  let k = 0;
  for (let j = 0; j < rank; j++) dims.push(axes.includes(j) ? 1 : xd[k++]);
  return [reshapeValue(ctx.input(0), dims, ctx.name)];
}

export function Concat(ctx: NodeContext): Value[] {
  const values: Value[] = [];
  for (let i = 0; i < ctx.inputCount; i++) values.push(ctx.input(i));
  const rank = dimsOf(values[0]).length;
  const axis = normAxis(ctx, ctx.int("axis", 0), rank);
  return [concatValues(ctx.b, values, axis, ctx.name)];
}

/** Clamp Slice bounds the way ONNX does, for positive and negative steps. */
function sliceBounds(start: number, end: number, step: number, dim: number): [number, number] {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, -1), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  return [s, e];
}

export function Slice(ctx: NodeContext): Value[] {
  const xd = ctx.dims(0);
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset >= 10) {
    starts = ctx.intsInput(1, "starts") ?? [];
    ends = ctx.intsInput(2, "ends") ?? [];
    axes = ctx.intsInput(3, "axes");
    steps = ctx.intsInput(4, "steps");
  } else {
    starts = ctx.ints("starts") ?? [];
    ends = ctx.ints("ends") ?? [];
    axes = ctx.ints("axes");
  }
  const ax = (axes ?? starts.map((_, j) => j)).map((a) => normAxis(ctx, a, xd.length));
  const start = xd.map(() => 0);
  const step = xd.map(() => 1);
  const outDims = xd.slice();
  ax.forEach((a, i) => {
    const st = steps ? steps[i] : 1;
    if (st === 0) ctx.fail("slice step cannot be 0");
    const [s, e] = sliceBounds(starts[i], ends[i], st, xd[a]);
    start[a] = s;
    step[a] = st;
    outDims[a] = Math.max(0, Math.ceil((e - s) / st));
  });
  return [stridedValue(ctx.b, ctx.input(0), outDims, start, step, ctx.name)];
}

export function Gather(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", 0), xd.length);
  const runtime = ctx.input(1);
  if (runtime.kind === "tensor") return [gatherRuntime(ctx, x, axis, runtime)];
  const idx = ctx.constInput(1, "indices");
  const indices = Array.from(idx.data, (i) => (i < 0 ? i + xd[axis] : i));
  for (const i of indices)
    if (i < 0 || i >= xd[axis]) ctx.fail(`index ${i} is out of range for axis ${axis} of size ${xd[axis]}`);
  const picked = gatherAxis(ctx.b, x, axis, indices, ctx.name);
  const outDims = [...xd.slice(0, axis), ...idx.dims, ...xd.slice(axis + 1)];
  return [reshapeValue(picked, outDims, ctx.name)];
}

/**
 * GatherElements with constant indices: out[o] = x[o with its axis coordinate replaced by
 * indices[o]]. The addresses are not affine in o, so it is a chain of selections, exact for
 * every value: starting from x's slice at the last index value used, for each other value
 * v, out = Where(indices == v (a constant mask), x's slice at v, out). One Map instruction
 * per distinct index value but one (a Move when there is only one).
 */
export function GatherElements(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", 0), xd.length);
  const it = ctx.constInput(1, "indices");
  const id = it.dims;
  if (id.length !== xd.length) ctx.fail(`indices have rank ${id.length}, data rank ${xd.length}`);
  id.forEach((d, j) => {
    if (j !== axis && d > xd[j]) ctx.fail(`indices dim ${j} is ${d}, larger than the data's ${xd[j]}`);
  });
  const V = xd[axis];
  const idx = Array.from(it.data, (i) => (i < 0 ? i + V : i));
  idx.forEach((i, e) => {
    if (!(Number.isInteger(i) && i >= 0 && i < V))
      ctx.fail(`index ${it.data[e]} at ${e} is out of range for axis ${axis} of size ${V}`);
  });
  return [selectElements(ctx.b, x, axis, idx, id, ctx.name)];
}

/**
 * GatherND with constant indices: the indexed leading axes (after batch_dims) are flattened
 * with the batch axes into one, and each index tuple becomes one flat row index of a gather
 * over it (a Move). out dims = batch dims + indices.dims[batch_dims:-1] + the rest of data.
 */
export function GatherND(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const it = ctx.constInput(1, "indices");
  const id = it.dims;
  const bd = ctx.int("batch_dims", 0);
  const m = id[id.length - 1];
  if (id.length < 1 || bd < 0 || bd >= id.length || bd + m > xd.length)
    ctx.fail(`indices dims [${id}] with batch_dims ${bd} do not fit data dims [${xd}]`);
  for (let j = 0; j < bd; j++) if (id[j] !== xd[j]) ctx.fail(`batch dim ${j}: indices ${id[j]}, data ${xd[j]}`);
  const batch = xd.slice(0, bd);
  const indexed = xd.slice(bd, bd + m);
  const rest = xd.slice(bd + m);
  const rows = product(indexed);
  const perBatch = product(id.slice(bd, -1));
  const flat: number[] = [];
  for (let b = 0; b < product(batch); b++)
    for (let t = 0; t < perBatch; t++) {
      let row = 0;
      for (let k = 0; k < m; k++) {
        const raw = it.data[(b * perBatch + t) * m + k];
        const i = raw < 0 ? raw + indexed[k] : raw;
        if (!(Number.isInteger(i) && i >= 0 && i < indexed[k]))
          ctx.fail(`index ${raw} is out of range for data axis ${bd + k} of size ${indexed[k]}`);
        row = row * indexed[k] + i;
      }
      flat.push(b * rows + row);
    }
  const table = reshapeValue(x, [product(batch) * rows, ...rest], ctx.name);
  const picked = gatherAxis(ctx.b, table, 0, flat, ctx.name);
  return [reshapeValue(picked, [...batch, ...id.slice(bd, -1), ...rest], ctx.name)];
}

/**
 * ReverseSequence with constant sequence_lens: along time_axis, the first lens[b] entries of
 * batch b reversed, the rest kept: a gather over the (time, batch) pairs flattened.
 */
export function ReverseSequence(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const lens = Array.from(ctx.constInput(1, "sequence_lens").data);
  const timeAxis = ctx.int("time_axis", 0);
  const batchAxis = ctx.int("batch_axis", 1);
  if (xd.length < 2 || ![timeAxis, batchAxis].every((a) => a === 0 || a === 1) || timeAxis === batchAxis)
    ctx.fail(`time_axis ${timeAxis} and batch_axis ${batchAxis} must be 0 and 1 in some order`);
  const T = xd[timeAxis];
  const B = xd[batchAxis];
  if (lens.length !== B) ctx.fail(`sequence_lens has ${lens.length} entries, batch is ${B}`);
  lens.forEach((l, b) => {
    if (!(Number.isInteger(l) && l >= 0 && l <= T)) ctx.fail(`sequence_lens[${b}] = ${l} is outside [0, ${T}]`);
  });
  const flat: number[] = [];
  for (let i = 0; i < xd[0]; i++)
    for (let j = 0; j < xd[1]; j++) {
      const [t, b] = timeAxis === 0 ? [i, j] : [j, i];
      const src = t < lens[b] ? lens[b] - 1 - t : t;
      flat.push(timeAxis === 0 ? src * xd[1] + j : i * xd[1] + src);
    }
  const table = reshapeValue(x, [xd[0] * xd[1], ...xd.slice(2)], ctx.name);
  return [reshapeValue(gatherAxis(ctx.b, table, 0, flat, ctx.name), xd, ctx.name)];
}

/**
 * Scatter with constant indices: each output element is data's, or (reduction "none") the
 * last update aimed at it, a choice known at compile time: Where(aimed, the update gathered
 * to that position, data). With reduction add/mul/max/min the updates aimed at a position are
 * applied in update order, one round per rank among them: acc = Where(has r-th, acc ⊕
 * (r-th update), acc). `target(u)` gives the flat output position of flat update u.
 */
function scatterTo(ctx: NodeContext, data: Value, updates: Value, count: number, target: (u: number) => number): Value {
  const reduction = ctx.str("reduction", "none");
  const ops: Record<string, MapOp> = { add: MapOp.Add, mul: MapOp.Mul, max: MapOp.Max, min: MapOp.Min };
  if (reduction !== "none" && ops[reduction] === undefined)
    ctx.unsupported(`reduction '${reduction}' is not supported`);
  const dd = dimsOf(data);
  const n = product(dd);
  const aimed: number[][] = Array.from({ length: n }, () => []);
  for (let u = 0; u < count; u++) aimed[target(u)].push(u);
  const flatUpdates = reshapeValue(updates, [count], ctx.name);
  const round = (pick: (us: number[]) => number | undefined, tag: string) => {
    const source = aimed.map(pick);
    const gathered = gatherAxis(
      ctx.b,
      flatUpdates,
      0,
      source.map((u) => u ?? 0),
      `${ctx.name}/${tag}`,
    );
    const mask: Value = {
      kind: "const",
      t: { dtype: "float32", dims: dd, data: Float32Array.from(source, (u) => (u === undefined ? 0 : 1)) },
    };
    return { mask, value: reshapeValue(gathered, dd, ctx.name) };
  };
  if (reduction === "none") {
    const { mask, value } = round((us) => us[us.length - 1], "updates");
    return mapValues(ctx.b, MapOp.Where, [mask, value, data], [], ctx.name);
  }
  let acc = data;
  const depth = Math.max(0, ...aimed.map((us) => us.length));
  for (let r = 0; r < depth; r++) {
    const { mask, value } = round((us) => us[r], `updates${r}`);
    const combined = mapValues(ctx.b, ops[reduction], [acc, value], [], `${ctx.name}/${reduction}${r}`);
    acc = mapValues(ctx.b, MapOp.Where, [mask, combined, acc], [], `${ctx.name}/${r}`);
  }
  return acc;
}

/** ScatterElements (and the deprecated Scatter): update u goes to its own position with the axis coordinate replaced by its index. */
export function ScatterElements(ctx: NodeContext): Value[] {
  const data = ctx.input(0);
  const dd = dimsOf(data);
  const it = ctx.constInput(1, "indices");
  const updates = ctx.input(2);
  const ud = dimsOf(updates);
  const axis = normAxis(ctx, ctx.int("axis", 0), dd.length);
  if (it.dims.join() !== ud.join()) ctx.fail(`indices dims [${it.dims}] differ from updates dims [${ud}]`);
  const updateStrides = stridesOf(ud);
  const dataStrides = stridesOf(dd);
  return [
    scatterTo(ctx, data, updates, product(ud), (u) => {
      const coord = updateStrides.map((st, j) => Math.floor(u / st) % ud[j]);
      const raw = it.data[u];
      const i = raw < 0 ? raw + dd[axis] : raw;
      if (!(Number.isInteger(i) && i >= 0 && i < dd[axis]))
        ctx.fail(`index ${raw} is out of range for axis ${axis} of size ${dd[axis]}`);
      coord[axis] = i;
      return coord.reduce((acc, c, j) => acc + c * dataStrides[j], 0);
    }),
  ];
}

/** ScatterND: updates[t, rest…] go to data[indices[t], rest…]. */
export function ScatterND(ctx: NodeContext): Value[] {
  const data = ctx.input(0);
  const dd = dimsOf(data);
  const it = ctx.constInput(1, "indices");
  const updates = ctx.input(2);
  const m = it.dims[it.dims.length - 1];
  if (m > dd.length) ctx.fail(`index tuples of ${m} exceed data rank ${dd.length}`);
  const tuples = product(it.dims.slice(0, -1));
  const inner = product(dd.slice(m));
  if (product(dimsOf(updates)) !== tuples * inner)
    ctx.fail(`updates dims [${dimsOf(updates)}] do not fit indices and data`);
  return [
    scatterTo(ctx, data, updates, tuples * inner, (u) => {
      const t = Math.floor(u / inner);
      let row = 0;
      for (let k = 0; k < m; k++) {
        const raw = it.data[t * m + k];
        const i = raw < 0 ? raw + dd[k] : raw;
        if (!(Number.isInteger(i) && i >= 0 && i < dd[k]))
          ctx.fail(`index ${raw} is out of range for axis ${k} of size ${dd[k]}`);
        row = row * dd[k] + i;
      }
      return row * inner + (u % inner);
    }),
  ];
}

/** GatherElements' selection chain for indices already in range (see GatherElements). */
export function selectElements(
  b: ProgramBuilder,
  x: Value,
  axis: number,
  idx: number[],
  id: number[],
  name: string,
): Value {
  const xd = dimsOf(x);
  const n = id.length;
  /** x's slice at axis coordinate v, as an operand over the output's iteration dims. */
  const slice = (v: number) => ({
    value: x,
    dims: xd,
    offset: xd.map((_, j) => (j === axis ? v : 0)),
    coef: xd.flatMap((_, j) => Array.from({ length: n }, (_, i) => (i === j && j !== axis ? 1 : 0))),
  });
  const values = [...new Set(idx)].sort((p, q) => p - q);
  const last = values[values.length - 1];
  if (values.length === 1) {
    return b.kernel(
      { kind: Kind.Move, op: 0, params: [0], iterDims: id, redDims: [], inputs: [slice(last)] },
      id,
      name,
    );
  }
  let acc: { value: Value; dims: number[]; offset: number[]; coef: number[] } = slice(last);
  const zeros = (m: number) => new Array<number>(m).fill(0);
  const eye = id.flatMap((_, j) => Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)));
  for (const v of values.slice(0, -1)) {
    const mask: Value = {
      kind: "const",
      t: { dtype: "float32", dims: id, data: Float32Array.from(idx, (i) => (i === v ? 1 : 0)) },
    };
    const out = b.kernel(
      {
        kind: Kind.Map,
        op: MapOp.Where,
        params: [],
        iterDims: id,
        redDims: [],
        inputs: [{ value: mask, dims: id, offset: zeros(n), coef: eye }, slice(v), acc],
      },
      id,
      `${name}/${v}`,
    );
    acc = { value: out, dims: id, offset: zeros(n), coef: eye };
  }
  return acc.value;
}

/**
 * Gather with runtime indices (an embedding lookup), until the ISA has a data-dependent
 * read: a one-hot product. j = i < 0 ? i + V : i (ONNX's negative indices); onehot[…, v] =
 * (j == v); out[pre, i, post] = Σ_v onehot[i, v] · x[pre, v, post], a Dot over the V rows.
 * Exact for finite rows (each sum adds zeros to the one selected value; a −0 row element
 * becomes +0, and an infinite or NaN element anywhere in the row makes the sum NaN);
 * an index outside [−V, V) or not an integer selects no row and gives zeros.
 */
function gatherRuntime(ctx: NodeContext, x: Value, axis: number, idx: Value): Value {
  const b = ctx.b;
  const xd = dimsOf(x);
  const id = dimsOf(idx);
  const V = xd[axis];
  const num = (v: number): Value => ({ kind: "const", t: { dtype: "float32", dims: [], data: Float32Array.of(v) } });
  if (idx.kind === "tensor") b.indexChecks.push({ node: ctx.name, slot: idx.slot, size: V });
  const neg = mapValues(b, MapOp.Less, [idx, num(0)], [], `${ctx.name}/neg`);
  const wrapped = mapValues(b, MapOp.Add, [idx, num(V)], [], `${ctx.name}/wrap`);
  const j = mapValues(b, MapOp.Where, [neg, wrapped, idx], [], `${ctx.name}/index`);
  const iota: Value = {
    kind: "const",
    t: { dtype: "float32", dims: [V], data: Float32Array.from({ length: V }, (_, v) => v) },
  };
  const onehot = mapValues(b, MapOp.Equal, [reshapeValue(j, [...id, 1], ctx.name), iota], [], `${ctx.name}/onehot`);
  const pre = xd.slice(0, axis);
  const post = xd.slice(axis + 1);
  const iterDims = [...pre, ...id, ...post];
  const n = iterDims.length + 1;
  const r = n - 1;
  const coefA = new Array<number>((id.length + 1) * n).fill(0);
  id.forEach((_, k) => (coefA[k * n + pre.length + k] = 1));
  coefA[id.length * n + r] = 1;
  const coefB = new Array<number>(xd.length * n).fill(0);
  pre.forEach((_, k) => (coefB[k * n + k] = 1));
  coefB[axis * n + r] = 1;
  post.forEach((_, k) => (coefB[(axis + 1 + k) * n + pre.length + id.length + k] = 1));
  const zeros = (m: number) => new Array<number>(m).fill(0);
  return b.kernel(
    {
      kind: Kind.Dot,
      op: MapOp.None,
      params: [],
      iterDims,
      redDims: [V],
      inputs: [
        { value: onehot, dims: [...id, V], offset: zeros(id.length + 1), coef: coefA },
        { value: x, dims: xd, offset: zeros(xd.length), coef: coefB },
      ],
    },
    iterDims,
    ctx.name,
  );
}

export function Pad(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const mode = ctx.str("mode", "constant");
  if (!["constant", "reflect", "edge", "wrap"].includes(mode)) ctx.unsupported(`mode '${mode}' is not supported`);
  let pads: number[];
  let value = 0;
  if (ctx.opset >= 11) {
    pads = ctx.intsInput(1, "pads") ?? [];
    const cv = ctx.opt(2);
    if (cv) value = ctx.constInput(2, "constant_value").data[0] ?? 0;
    const axesIn = ctx.intsInput(3, "axes");
    if (axesIn) {
      const full = new Array<number>(2 * xd.length).fill(0);
      axesIn.forEach((a, i) => {
        const ax = normAxis(ctx, a, xd.length);
        full[ax] = pads[i];
        full[ax + xd.length] = pads[i + axesIn.length];
      });
      pads = full;
    }
  } else {
    pads = ctx.ints("pads") ?? ctx.ints("paddings") ?? [];
    value = ctx.float("value", 0);
  }
  if (pads.length !== 2 * xd.length) ctx.fail(`pads has ${pads.length} entries, expected ${2 * xd.length}`);
  if (mode === "constant")
    return [padValue(ctx.b, x, pads.slice(0, xd.length), pads.slice(xd.length), value, ctx.name)];
  // reflect / edge / wrap: each padded axis is a gather of source indices (a Move), axis by axis.
  let v = x;
  xd.forEach((n, a) => {
    const begin = pads[a];
    const end = pads[a + xd.length];
    if (begin === 0 && end === 0) return;
    if (mode === "reflect" && (begin >= n || end >= n))
      ctx.fail(`mode 'reflect' pads axis ${a} by ${Math.max(begin, end)}, more than its size ${n} − 1`);
    const source = (i: number): number => {
      if (i >= 0 && i < n) return i;
      if (mode === "edge") return i < 0 ? 0 : n - 1;
      if (mode === "wrap") return ((i % n) + n) % n;
      return i < 0 ? -i : 2 * (n - 1) - i; // reflect: the edge value is not repeated
    };
    const indices = Array.from({ length: n + begin + end }, (_, o) => source(o - begin));
    v = gatherAxis(ctx.b, v, a, indices, `${ctx.name}/pad${a}`);
  });
  return [v];
}

export function Expand(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const shape = Array.from(ctx.constInput(1, "shape").data);
  const outDims = broadcastShapes([xd, shape], ctx.name);
  const rank = outDims.length;
  const shift = rank - xd.length;
  const step = xd.map((d, j) => (d === 1 && outDims[j + shift] !== 1 ? 0 : 1));
  if (product(outDims) === product(xd)) return [reshapeValue(x, outDims, ctx.name)];
  return [
    stridedValue(
      ctx.b,
      x,
      outDims,
      xd.map(() => 0),
      step,
      ctx.name,
    ),
  ];
}

export function Tile(ctx: NodeContext): Value[] {
  let v = ctx.input(0);
  const repeats = ctx.intsInput(1, "repeats") ?? [];
  const xd = dimsOf(v);
  xd.forEach((d, a) => {
    if (repeats[a] > 1)
      v = gatherAxis(
        ctx.b,
        v,
        a,
        Array.from({ length: d * repeats[a] }, (_, o) => o % d),
        `${ctx.name}/${a}`,
      );
  });
  return [v];
}

export function Split(ctx: NodeContext): Value[] {
  const x = ctx.input(0);
  const xd = dimsOf(x);
  const axis = normAxis(ctx, ctx.int("axis", 0), xd.length);
  const count = ctx.node.outputs.length;
  let sizes = ctx.opset >= 13 ? ctx.intsInput(1, "split") : ctx.ints("split");
  if (!sizes) {
    const numOutputs = ctx.int("num_outputs", count);
    const chunk = Math.ceil(xd[axis] / numOutputs);
    sizes = Array.from({ length: numOutputs }, (_, i) => Math.max(0, Math.min(chunk, xd[axis] - i * chunk)));
  }
  let at = 0;
  return sizes.map((s, i) => {
    const outDims = xd.slice();
    outDims[axis] = s;
    const start = xd.map((_, j) => (j === axis ? at : 0));
    at += s;
    return stridedValue(
      ctx.b,
      x,
      outDims,
      start,
      xd.map(() => 1),
      `${ctx.node.outputs[i] || ctx.name}`,
    );
  });
}

/** Input coordinate of output coordinate o along one axis (ONNX Resize coordinate_transformation_mode). */
function sourceCoordinate(ctx: NodeContext, o: number, inSize: number, outSize: number, scale: number): number {
  const ctm = ctx.str("coordinate_transformation_mode", "half_pixel");
  switch (ctm) {
    case "asymmetric":
      return o / scale;
    case "half_pixel":
      return (o + 0.5) / scale - 0.5;
    case "pytorch_half_pixel":
      return inSize * scale > 1 ? (o + 0.5) / scale - 0.5 : 0;
    // ONNX measures the resized length as in·scale (not rounded) here.
    case "align_corners":
      return inSize * scale === 1 ? 0 : (o * (inSize - 1)) / (inSize * scale - 1);
    case "tf_half_pixel_for_nn":
      return (o + 0.5) / scale;
    default:
      ctx.unsupported(`coordinate_transformation_mode '${ctm}' is not supported`);
  }
}

/** Interpolation weights W[o][i] along one axis for linear or cubic Resize (rows sum to 1). */
function interpolationMatrix(
  ctx: NodeContext,
  mode: string,
  inSize: number,
  outSize: number,
  scale: number,
): Float32Array {
  const w = new Float64Array(outSize * inSize);
  const A = ctx.float("cubic_coeff_a", -0.75);
  const exclude = ctx.int("exclude_outside", 0) !== 0;
  for (let o = 0; o < outSize; o++) {
    let x = sourceCoordinate(ctx, o, inSize, outSize, scale);
    if (mode === "linear") {
      x = Math.min(Math.max(x, 0), inSize - 1);
      const x0 = Math.floor(x);
      const x1 = Math.min(x0 + 1, inSize - 1);
      const t = x - x0;
      w[o * inSize + x0] += 1 - t;
      w[o * inSize + x1] += t;
    } else {
      const x0 = Math.floor(x);
      const t = x - x0;
      const c = [
        ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
        ((A + 2) * t - (A + 3)) * t * t + 1,
        ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1,
        ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A,
      ];
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const i = x0 - 1 + k;
        if (exclude && (i < 0 || i >= inSize)) c[k] = 0;
        total += c[k];
      }
      for (let k = 0; k < 4; k++) {
        const i = Math.min(Math.max(x0 - 1 + k, 0), inSize - 1);
        w[o * inSize + i] += exclude ? c[k] / total : c[k];
      }
    }
  }
  return Float32Array.from(w);
}

/** Resample one axis with a dense interpolation matrix: a Dot over the input axis. */
function interpolateAxis(
  ctx: NodeContext,
  v: Value,
  axis: number,
  matrix: Float32Array,
  outSize: number,
  name: string,
): Value {
  const dims = dimsOf(v);
  const inSize = dims[axis];
  const outDims = dims.slice();
  outDims[axis] = outSize;
  const n = outDims.length + 1;
  const xCoef = new Array<number>(dims.length * n).fill(0);
  for (let j = 0; j < dims.length; j++) xCoef[j * n + (j === axis ? n - 1 : j)] = 1;
  const wCoef = new Array<number>(2 * n).fill(0);
  wCoef[axis] = 1;
  wCoef[n + n - 1] = 1;
  const wv: Value = { kind: "const", t: { dtype: "float32", dims: [outSize, inSize], data: matrix } };
  return ctx.b.kernel(
    {
      kind: Kind.Dot,
      op: 0,
      params: [],
      iterDims: outDims,
      redDims: [inSize],
      inputs: [
        { value: v, dims, offset: dims.map(() => 0), coef: xCoef },
        { value: wv, dims: [outSize, inSize], offset: [0, 0], coef: wCoef },
      ],
    },
    outDims,
    name,
  );
}

/** Nearest-neighbour source index of each output coordinate along one axis (ONNX Resize rules). */
function nearestIndices(ctx: NodeContext, inSize: number, outSize: number, scale: number): number[] {
  const nearest = ctx.str("nearest_mode", "round_prefer_floor");
  const out: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(ctx, o, inSize, outSize, scale);
    let i: number;
    switch (nearest) {
      case "round_prefer_floor":
        i = x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
        break;
      case "round_prefer_ceil":
        i = Math.round(x);
        break;
      case "floor":
        i = Math.floor(x);
        break;
      case "ceil":
        i = Math.ceil(x);
        break;
      default:
        ctx.unsupported(`nearest_mode '${nearest}' is not supported`);
    }
    out.push(Math.min(Math.max(i, 0), inSize - 1));
  }
  return out;
}

export function Resize(ctx: NodeContext): Value[] {
  const mode = ctx.str("mode", "nearest");
  if (mode !== "nearest" && mode !== "linear" && mode !== "cubic") ctx.unsupported(`mode '${mode}' is not supported`);
  if (ctx.str("coordinate_transformation_mode", "half_pixel") === "tf_crop_and_resize")
    ctx.unsupported("coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
  if (ctx.str("keep_aspect_ratio_policy", "stretch") !== "stretch")
    ctx.unsupported("keep_aspect_ratio_policy other than 'stretch' is not supported");
  let v = ctx.input(0);
  const xd = dimsOf(v);
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (ctx.opset >= 11) {
    const s = ctx.opt(2);
    const z = ctx.opt(3);
    if (s && s.kind === "const" && s.t.data.length > 0) scales = Array.from(ctx.constInput(2, "scales").data);
    if (z) sizes = ctx.intsInput(3, "sizes");
  } else {
    scales = Array.from(ctx.constInput(1, "scales").data);
  }
  const axesAttr = ctx.ints("axes");
  const axes = axesAttr ? axesAttr.map((a) => normAxis(ctx, a, xd.length)) : xd.map((_, j) => j);
  const fullScales = xd.map(() => 1);
  const fullSizes = xd.slice();
  axes.forEach((a, i) => {
    if (sizes) {
      fullSizes[a] = sizes[i];
      fullScales[a] = sizes[i] / xd[a];
    } else if (scales) {
      fullScales[a] = scales[i];
      fullSizes[a] = Math.floor(xd[a] * scales[i]);
    }
  });
  if (!scales && !sizes) ctx.fail("either scales or sizes is required");
  for (let a = 0; a < xd.length; a++) {
    if (fullSizes[a] === xd[a] && fullScales[a] === 1) continue;
    if (mode !== "nearest") {
      v = interpolateAxis(
        ctx,
        v,
        a,
        interpolationMatrix(ctx, mode, xd[a], fullSizes[a], fullScales[a]),
        fullSizes[a],
        `${ctx.name}/${a}`,
      );
      continue;
    }
    v = gatherAxis(ctx.b, v, a, nearestIndices(ctx, xd[a], fullSizes[a], fullScales[a]), `${ctx.name}/${a}`);
  }
  return [v];
}

/** Upsample (opset 7–9): Resize with scales, asymmetric coordinates, floor rounding. */
export function Upsample(ctx: NodeContext): Value[] {
  const mode = ctx.str("mode", "nearest");
  if (mode !== "nearest") ctx.unsupported(`mode '${mode}' is not supported (only 'nearest')`);
  let v = ctx.input(0);
  const xd = dimsOf(v);
  const scales = ctx.opset >= 9 ? Array.from(ctx.constInput(1, "scales").data) : (ctx.floats("scales") ?? []);
  for (let a = 0; a < xd.length; a++) {
    const outSize = Math.floor(xd[a] * scales[a]);
    if (outSize === xd[a]) continue;
    v = gatherAxis(
      ctx.b,
      v,
      a,
      Array.from({ length: outSize }, (_, o) => Math.min(Math.floor(o / scales[a]), xd[a] - 1)),
      `${ctx.name}/${a}`,
    );
  }
  return [v];
}

export function DepthToSpace(ctx: NodeContext): Value[] {
  const [N, C, H, W] = ctx.dims(0);
  const bs = ctx.int("blocksize", 1);
  const dcr = ctx.str("mode", "DCR") === "DCR";
  const c = C / (bs * bs);
  const tmp = dcr ? [N, bs, bs, c, H, W] : [N, c, bs, bs, H, W];
  const perm = dcr ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3];
  const t = transposeValue(ctx.b, reshapeValue(ctx.input(0), tmp, ctx.name), perm, ctx.name);
  return [reshapeValue(t, [N, c, H * bs, W * bs], ctx.name)];
}

export function SpaceToDepth(ctx: NodeContext): Value[] {
  const [N, C, H, W] = ctx.dims(0);
  const bs = ctx.int("blocksize", 1);
  const tmp = [N, C, H / bs, bs, W / bs, bs];
  const t = transposeValue(ctx.b, reshapeValue(ctx.input(0), tmp, ctx.name), [0, 3, 5, 1, 2, 4], ctx.name);
  return [reshapeValue(t, [N, C * bs * bs, H / bs, W / bs], ctx.name)];
}
