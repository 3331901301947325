// The VM on compiled real models: the fast executor stepped against the one-step definition
// over every step of a whole inference (partialAccumulator sampled).
import { expect } from "chai";
import { crossCheck } from "../node/vm";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";

describe("vm: a compiled model, fast executor vs stepper", function () {
  this.timeout(600_000);

  it("hello_deepa: every step agrees bit for bit (finite inputs, and with an ∞ that turns to NaN)", () => {
    const { program } = compiled(HELLO_DEEPA);
    const finite = seededInputs(
      program.inputs.map((i) => i.dims),
      11,
    );
    const withInf = seededInputs(
      program.inputs.map((i) => i.dims),
      12,
    );
    withInf[0][5] = Infinity;
    for (const inputs of [finite, withInf]) {
      const r = crossCheck(program, inputs, { accumulatorEvery: 101 });
      expect(r.steps).to.be.greaterThan(10_000);
    }
  });
});
