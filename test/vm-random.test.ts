// Randomized VM test: random small Dot / Reduce / Map / Move programs with random affine
// index maps (coordinates mostly in range, some padded taps and missing sources), run by the
// fast executor and stepped one micro-step at a time: every step and the final memory must
// agree bit for bit (crossCheck).
import { expect } from "chai";
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
} from "../node/program/isa";
import * as fo32 from "../node/fo32";
import { crossCheck, validateProgram } from "../node/vm";
import { rng } from "./helpers/random";

const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1.401298464324817e-45, -2.5e-39, 3e38, -3e38, 1, -1, 0.5].map(Math.fround);

const TINY = [0, -0, 0, -0, 1, -1, Infinity, -Infinity, NaN];

const PARAMS = [Math.fround(0.2), 1.5];
// Ops node/fo32 implements today (its transcendentals are landing concurrently).
const implemented = (op: number): boolean => {
  try {
    if (op >= FIRST_BINARY_MAP_OP) fo32.binaryFunction(op as MapOp)(1, 2);
    else fo32.unaryFunction(op as MapOp, PARAMS)(0.5);
    return true;
  } catch {
    return false;
  }
};
const ALL_OPS = Object.values(MapOp).filter((v): v is number => typeof v === "number");
const UNARY = ALL_OPS.filter((op) => op >= 1 && op < FIRST_BINARY_MAP_OP && implemented(op));
const BINARY = ALL_OPS.filter((op) => op >= FIRST_BINARY_MAP_OP && implemented(op));

class Gen {
  readonly r: () => number;
  weights: Float32Array[] = [];
  inputDims: number[][] = [];
  inputs: Float32Array[] = [];
  actLengths: number[] = [];
  constructor(seed: number) {
    this.r = rng(seed);
    this.tiny = this.r() < 0.25;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)];
  }
  // Some programs draw only from a tiny set so that ties, signed zeros and NaN meet often.
  readonly tiny: boolean;
  value(): number {
    if (this.tiny) return this.pick(TINY);
    return this.r() < 0.1 ? this.pick(SPECIALS) : Math.fround((this.r() * 2 - 1) * 3);
  }
  data(n: number): Float32Array {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = this.value();
    if (n > 2 && this.r() < 0.3) new Uint32Array(d.buffer)[this.int(0, n - 1)] = 0xffc00001; // odd NaN
    return d;
  }
  newSlot(len: number): SlotRef {
    if (this.r() < 0.5) {
      this.weights.push(this.data(len));
      return { space: Space.Weight, index: this.weights.length - 1 };
    }
    this.inputDims.push([len]);
    this.inputs.push(this.data(len));
    return { space: Space.Input, index: this.inputs.length - 1 };
  }
  coefs(w: number, active: boolean[]): number[] {
    return Array.from({ length: w }, (_, i) => (active[i] && this.r() < 0.45 ? this.pick([-2, -1, 1, 1, 2, 3]) : 0));
  }

  /** An operand over iteration box `hi` (max value per variable); `exact`: always in range. */
  operand(hi: number[], exact: boolean, active: boolean[]): Operand {
    const w = hi.length;
    const range = (cf: number[]): [number, number] => {
      let lo = 0;
      let up = 0;
      cf.forEach((c, i) => (c * hi[i] < 0 ? (lo += c * hi[i]) : (up += c * hi[i])));
      return [lo, up];
    };
    // Sometimes view an earlier activation slot (1-D), which exercises reads of computed data.
    if (this.actLengths.length > 0 && this.r() < 0.4) {
      const index = this.int(0, this.actLengths.length - 1);
      const len = this.actLengths[index];
      const cf = this.coefs(w, active);
      const [lo, up] = range(cf);
      if (!exact || up - lo + 1 <= len) {
        let offset = -lo + this.int(0, Math.max(0, len - (up - lo + 1)));
        if (!exact) offset += this.int(-1, 1);
        return { slot: { space: Space.Activation, index }, dims: [len], offset: [offset], coef: cf };
      }
    }
    const c = this.int(1, 3);
    const dims: number[] = [];
    const offset: number[] = [];
    const coef: number[] = [];
    for (let d = 0; d < c; d++) {
      const cf = this.coefs(w, active);
      const [lo, up] = range(cf);
      const span = up - lo + 1;
      if (exact) {
        const dim = span + this.int(0, 1);
        dims.push(dim);
        offset.push(-lo + this.int(0, dim - span));
      } else {
        dims.push(Math.max(1, span - this.int(0, 2) + this.int(0, 1)));
        offset.push(-lo + this.int(-1, 1));
      }
      coef.push(...cf);
    }
    return { slot: this.newSlot(product(dims)), dims, offset, coef };
  }

  instruction(outIndex: number): Instruction {
    const kind = this.pick([Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move]);
    const iterDims = Array.from({ length: this.int(0, 3) }, () => (this.r() < 0.2 ? this.int(5, 7) : this.int(1, 4)));
    const redDims =
      kind === Kind.Dot || kind === Kind.Reduce
        ? Array.from({ length: this.int(0, 2) }, () => (this.r() < 0.03 ? 0 : this.int(1, 3)))
        : [];
    const a = iterDims.length;
    const hiFull = iterDims.concat(redDims).map((n) => Math.max(0, n - 1));
    const hiBias = iterDims.map((n) => n - 1).concat(redDims.map(() => 0));
    const all = hiFull.map(() => true);
    const outOnly = hiFull.map((_, i) => i < a);
    let op = 0;
    let params: number[] = [];
    const inputs: Operand[] = [];
    switch (kind) {
      case Kind.Dot:
        op = this.r() < 0.4 ? MapOp.None : this.pick(UNARY);
        params = PARAMS.slice();
        inputs.push(this.operand(hiFull, false, all), this.operand(hiFull, false, all));
        if (this.r() < 0.5) inputs.push(this.operand(hiBias, true, outOnly));
        break;
      case Kind.Reduce:
        op = this.pick([ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min, ReduceOp.Mean]);
        if (op === ReduceOp.Mean) params = [this.r() < 0.5 ? product(redDims) : this.value()];
        inputs.push(this.operand(hiFull, false, all));
        break;
      case Kind.Map: {
        op = this.r() < 0.5 ? this.pick(UNARY) : this.pick(BINARY);
        if (op < FIRST_BINARY_MAP_OP) params = PARAMS.slice();
        const n = op >= FIRST_BINARY_MAP_OP ? 2 : 1;
        for (let j = 0; j < n; j++) inputs.push(this.operand(hiFull, true, all));
        break;
      }
      case Kind.Move: {
        params = [this.value()];
        const q = this.int(1, 3);
        for (let j = 0; j < q; j++) inputs.push(this.operand(hiFull, false, all));
        break;
      }
    }
    return { kind, op, params, iterDims, redDims, out: { space: Space.Activation, index: outIndex }, inputs };
  }

  program(): { program: Program; inputs: Float32Array[] } {
    const instructions: Instruction[] = [];
    const n = this.int(1, 4);
    for (let i = 0; i < n; i++) {
      const ins = this.instruction(i);
      instructions.push(ins);
      this.actLengths.push(product(ins.iterDims));
    }
    const last = instructions[n - 1];
    return {
      program: {
        version: COMPILER_VERSION,
        instructions,
        weights: this.weights.map((data, i) => ({ name: `w${i}`, data })),
        inputs: this.inputDims.map((dims, i) => ({ name: `x${i}`, dims, slot: { space: Space.Input, index: i } })),
        activations: this.actLengths.map((length, i) => ({ name: `a${i}`, length })),
        outputs: [{ name: "y", dims: last.iterDims.slice(), slot: last.out }],
      },
      inputs: this.inputs,
    };
  }
}

describe("vm: random programs, fast executor vs stepper", function () {
  this.timeout(600_000);

  it(`600 random programs agree step by step (unary ops: ${UNARY.length}, binary: ${BINARY.length})`, () => {
    let steps = 0;
    const kinds = new Map<Kind, number>();
    for (let seed = 1; seed <= 600; seed++) {
      const { program, inputs } = new Gen(seed).program();
      try {
        validateProgram(program);
        steps += crossCheck(program, inputs).steps;
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\n${JSON.stringify(program.instructions)}`);
      }
      for (const ins of program.instructions) kinds.set(ins.kind, (kinds.get(ins.kind) ?? 0) + 1);
    }
    for (const k of [Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move]) expect(kinds.get(k) ?? 0).to.be.greaterThan(100);
    expect(steps).to.be.greaterThan(10000);
  });
});
