// A shallow snapshot of a program's structure. The caches keyed by a Program object (its
// validation in execute.ts, its wasm module in runtime.ts) treat a program as immutable
// once executed, as the JS kernel cache does for instructions; replacing its instructions,
// weight arrays or slots (rather than editing them in place) is noticed by comparing
// against this snapshot.
import { Instruction, Program } from "../../program/isa";

export interface ProgramShape {
  instructions: Instruction[];
  weights: Float32Array[];
  inputs: number[][];
  activations: number[];
}

export function shapeOf(program: Program): ProgramShape {
  return {
    instructions: program.instructions.slice(),
    weights: program.weights.map((w) => w.data),
    inputs: program.inputs.map((s) => s.dims.slice()),
    activations: program.activations.map((a) => a.length),
  };
}

function same<T, U>(a: readonly T[], b: readonly U[], eq: (x: T, y: U) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => eq(x, b[i]));
}

export function sameShape(v: ProgramShape, program: Program): boolean {
  return (
    same(v.instructions, program.instructions, (x, y) => x === y) &&
    same(v.weights, program.weights, (x, y) => x === y.data) &&
    same(v.inputs, program.inputs, (x, y) => same(x, y.dims, (p, q) => p === q)) &&
    same(v.activations, program.activations, (x, y) => x === y.length)
  );
}
