// Randomized VM test: random small Dot / Reduce / Map / Move programs with random affine
// index maps (coordinates mostly in range, some padded taps and missing sources), run by the
// fast executor and stepped one micro-step at a time: every step and the final memory must
// agree bit for bit (crossCheck).
import { expect } from "chai";
import { Kind } from "../node/program/isa";
import { crossCheck, validateProgram } from "../node/vm";
import { BINARY_OPS, STEPPER_SHAPE, UNARY_OPS, randomProgram } from "./helpers/random-programs";

describe("vm: random programs, fast executor vs stepper", function () {
  this.timeout(600_000);

  it(`600 random programs agree step by step (unary ops: ${UNARY_OPS.length}, binary: ${BINARY_OPS.length})`, () => {
    let steps = 0;
    const kinds = new Map<Kind, number>();
    for (let seed = 1; seed <= 600; seed++) {
      const { program, inputs } = randomProgram(seed, STEPPER_SHAPE);
      try {
        validateProgram(program);
        steps += crossCheck(program, inputs).steps;
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\n${JSON.stringify(program.instructions)}`, { cause: e });
      }
      for (const ins of program.instructions) kinds.set(ins.kind, (kinds.get(ins.kind) ?? 0) + 1);
    }
    for (const k of [Kind.Dot, Kind.Map, Kind.Reduce, Kind.Move]) expect(kinds.get(k) ?? 0).to.be.greaterThan(100);
    expect(steps).to.be.greaterThan(10000);
  });
});
