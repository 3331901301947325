// Random Dot / Reduce / Map / Move programs with random affine index maps, for the VM tests:
// coordinates mostly in range, some padded taps and missing sources, some operands viewing
// an earlier activation slot, a share of special values and odd NaNs. One generator, two
// shapes: small dims for stepping every micro-step (test/vm-random.test.ts), lane-sized dims
// for the WebAssembly kernels (test/vm-wasm.test.ts). A seed always gives the same program.
import {
  COMPILER_VERSION,
  FIRST_BINARY_MAP_OP,
  Instruction,
  Kind,
  MapOp,
  Operand,
  Program,
  ReduceOp,
  SlotRef,
  Space,
  product,
} from "../../node/program/isa";
import * as fo32 from "../../node/fo32";
import { rng } from "./random";

/** How a family of random programs is drawn. */
export interface ProgramShape {
  /** What a "tiny" program (a quarter of them) draws every value from: ties, signed zeros and NaN meet often. */
  readonly tiny: readonly number[];
  /** Special values, drawn with probability `specialShare` by the other programs. */
  readonly specials: readonly number[];
  readonly specialShare: number;
  /** Probability that a loop variable enters an operand coordinate, and the coefficients it then gets. */
  readonly coefShare: number;
  readonly coefs: readonly number[];
  /** How far an unchecked operand's offset strays from in range (padded taps, missing sources). */
  readonly jitter: number;
  /** How much shorter than its span an unchecked operand's dim may be. */
  readonly shrink: number;
  /** Instruction kinds, drawn uniformly (repeat one to weight it). */
  readonly kinds: readonly Kind[];
  /** The iteration dims of one instruction. */
  iterDims(int: (lo: number, hi: number) => number, r: () => number): number[];
  /** The largest reduction dim (a few are 0: empty reductions). */
  readonly maxRedDim: number;
}

const f = Math.fround;

/** Small dims: every program is stepped micro-step by micro-step. */
export const STEPPER_SHAPE: ProgramShape = {
  tiny: [0, -0, 0, -0, 1, -1, Infinity, -Infinity, NaN],
  specials: [NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -2.5e-39, 3e38, -3e38, 1, -1, 0.5].map(f),
  specialShare: 0.1,
  coefShare: 0.45,
  coefs: [-2, -1, 1, 1, 2, 3],
  jitter: 1,
  shrink: 2,
  kinds: [Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move],
  iterDims: (int, r) => Array.from({ length: int(0, 3) }, () => (r() < 0.2 ? int(5, 7) : int(1, 4))),
  maxRedDim: 3,
};

/** Lane-sized dims: the innermost output dim is long enough for the kernels' lane groups. */
export const LANE_SHAPE: ProgramShape = {
  tiny: [0, -0, 1, -1, Infinity, -Infinity, NaN],
  specials: [
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1.401298464324817e-45,
    -2.5e-39,
    1e-40,
    3e38,
    -3e38,
    1,
    -1,
    0.5,
    6,
    -6,
  ].map(f),
  specialShare: 0.08,
  coefShare: 0.5,
  coefs: [-2, -1, 1, 1, 1, 2, 3],
  jitter: 2,
  shrink: 3,
  kinds: [Kind.Dot, Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move],
  iterDims: (int, r) => {
    const nd = int(1, 3);
    return Array.from({ length: nd }, (_, i) => (i === nd - 1 || r() < 0.3 ? int(4, 37) : int(1, 3)));
  },
  maxRedDim: 4,
};

const PARAMS = [f(0.2), 1.5];

/** Whether node/fo32 implements `op` (a MapOp the ISA names may not be implemented yet). */
function implemented(op: number): boolean {
  try {
    if (op >= FIRST_BINARY_MAP_OP) fo32.binaryFunction(op)(1, 2);
    else fo32.unaryFunction(op, PARAMS)(0.5);
    return true;
  } catch {
    return false;
  }
}

const ALL_OPS = Object.values(MapOp).filter((v): v is number => typeof v === "number");
export const UNARY_OPS = ALL_OPS.filter((op) => op >= 1 && op < FIRST_BINARY_MAP_OP && implemented(op));
export const BINARY_OPS = ALL_OPS.filter((op) => op >= FIRST_BINARY_MAP_OP && implemented(op));

export interface RandomProgram {
  program: Program;
  inputs: Float32Array[];
}

/** The random program of `seed` in `shape`. */
export function randomProgram(seed: number, shape: ProgramShape): RandomProgram {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const tiny = r() < 0.25;
  const value = (): number =>
    tiny ? pick(shape.tiny) : r() < shape.specialShare ? pick(shape.specials) : f((r() * 2 - 1) * 3);
  const weights: Float32Array[] = [];
  const inputDims: number[][] = [];
  const inputs: Float32Array[] = [];
  const actLengths: number[] = [];
  const data = (n: number): Float32Array => {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = value();
    if (n > 2 && r() < 0.3) new Uint32Array(d.buffer)[int(0, n - 1)] = 0xffc00001; // odd NaN
    return d;
  };
  const newSlot = (len: number): SlotRef => {
    if (r() < 0.5) {
      weights.push(data(len));
      return { space: Space.Weight, index: weights.length - 1 };
    }
    inputDims.push([len]);
    inputs.push(data(len));
    return { space: Space.Input, index: inputs.length - 1 };
  };
  const coefs = (w: number, active: boolean[]): number[] =>
    Array.from({ length: w }, (_, i) => (active[i] && r() < shape.coefShare ? pick(shape.coefs) : 0));
  /** An operand over iteration box `hi` (max value per variable); `exact`: always in range. */
  const operand = (hi: number[], exact: boolean, active: boolean[]): Operand => {
    const w = hi.length;
    const range = (cf: number[]): [number, number] => {
      let lo = 0;
      let up = 0;
      cf.forEach((c, i) => (c * hi[i] < 0 ? (lo += c * hi[i]) : (up += c * hi[i])));
      return [lo, up];
    };
    // Sometimes view an earlier activation slot (1-D), which exercises reads of computed data.
    if (actLengths.length > 0 && r() < 0.4) {
      const index = int(0, actLengths.length - 1);
      const len = actLengths[index];
      const cf = coefs(w, active);
      const [lo, up] = range(cf);
      if (!exact || up - lo + 1 <= len) {
        let offset = -lo + int(0, Math.max(0, len - (up - lo + 1)));
        if (!exact) offset += int(-shape.jitter, shape.jitter);
        return { slot: { space: Space.Activation, index }, dims: [len], offset: [offset], coef: cf };
      }
    }
    const c = int(1, 3);
    const dims: number[] = [];
    const offset: number[] = [];
    const coef: number[] = [];
    for (let d = 0; d < c; d++) {
      const cf = coefs(w, active);
      const [lo, up] = range(cf);
      const span = up - lo + 1;
      if (exact) {
        const dim = span + int(0, 1);
        dims.push(dim);
        offset.push(-lo + int(0, dim - span));
      } else {
        dims.push(Math.max(1, span - int(0, shape.shrink) + int(0, 1)));
        offset.push(-lo + int(-shape.jitter, shape.jitter));
      }
      coef.push(...cf);
    }
    return { slot: newSlot(product(dims)), dims, offset, coef };
  };
  const instruction = (outIndex: number): Instruction => {
    const kind = pick(shape.kinds);
    const iterDims = shape.iterDims(int, r);
    const redDims =
      kind === Kind.Dot || kind === Kind.Reduce
        ? Array.from({ length: int(0, 2) }, () => (r() < 0.03 ? 0 : int(1, shape.maxRedDim)))
        : [];
    const a = iterDims.length;
    const hiFull = iterDims.concat(redDims).map((n) => Math.max(0, n - 1));
    const hiBias = iterDims.map((n) => n - 1).concat(redDims.map(() => 0));
    const all = hiFull.map(() => true);
    const outOnly = hiFull.map((_, i) => i < a);
    let op = 0;
    let params: number[] = [];
    const ops: Operand[] = [];
    switch (kind) {
      case Kind.Dot:
        op = r() < 0.4 ? MapOp.None : pick(UNARY_OPS);
        params = PARAMS.slice();
        ops.push(operand(hiFull, false, all), operand(hiFull, false, all));
        if (r() < 0.5) ops.push(operand(hiBias, true, outOnly));
        break;
      case Kind.Reduce:
        op = pick([ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min, ReduceOp.Mean]);
        if (op === ReduceOp.Mean) params = [r() < 0.5 ? product(redDims) : value()];
        ops.push(operand(hiFull, false, all));
        break;
      case Kind.Map: {
        op = r() < 0.5 ? pick(UNARY_OPS) : pick(BINARY_OPS);
        if (op < FIRST_BINARY_MAP_OP) params = PARAMS.slice();
        const n = op >= FIRST_BINARY_MAP_OP ? 2 : 1;
        for (let j = 0; j < n; j++) ops.push(operand(hiFull, true, all));
        break;
      }
      case Kind.Move: {
        params = [value()];
        const q = int(1, 3);
        for (let j = 0; j < q; j++) ops.push(operand(hiFull, false, all));
        break;
      }
    }
    return { kind, op, params, iterDims, redDims, out: { space: Space.Activation, index: outIndex }, inputs: ops };
  };
  const instructions: Instruction[] = [];
  const n = int(1, 4);
  for (let i = 0; i < n; i++) {
    const ins = instruction(i);
    instructions.push(ins);
    actLengths.push(product(ins.iterDims));
  }
  const last = instructions[n - 1];
  const program: Program = {
    version: COMPILER_VERSION,
    instructions,
    weights: weights.map((d, i) => ({ name: `w${i}`, data: d })),
    inputs: inputDims.map((dims, i) => ({ name: `x${i}`, dims, slot: { space: Space.Input, index: i } })),
    activations: actLengths.map((length, i) => ({ name: `a${i}`, length })),
    outputs: [{ name: "y", dims: last.iterDims.slice(), slot: last.out }],
  };
  return { program, inputs };
}
