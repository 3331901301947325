// executeSlots: a run's chosen slots without materializing the trace, bit-identical to the
// same slots of execute()'s memory (wasm and JS engines), and an agent's run that keeps only
// its outputs until a game needs the whole halted memory.
import { expect } from "chai";
import { ModelRun } from "../node/agents/model-run";
import { f32Bytes } from "../node/chain/encoding";
import { initHasher } from "../node/commit";
import { Space } from "../node/program/isa";
import { execute, executeSlots, slotOf } from "../node/vm";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe("executeSlots", function () {
  this.timeout(60_000);
  before(initHasher);

  for (const [name, file, shapes] of [
    ["OCR classifier", OCR_CLS, OCR_CLS_SHAPES],
    ["hello_deepa", HELLO_DEEPA, {}],
  ] as const) {
    it(`${name}: outputs and chosen activations equal execute()'s, both engines`, () => {
      const { program } = compiled(file, shapes);
      const inputs = seededInputs(
        program.inputs.map((s) => s.dims),
        3,
      );
      const full = execute(program, inputs);
      const mid = program.instructions[program.instructions.length >> 1].out;
      const slots = [...program.outputs.map((o) => o.slot), mid, { space: Space.Input, index: 0 }];
      for (const engine of ["wasm", "js"] as const) {
        const got = executeSlots(program, inputs, slots, { engine });
        expect(got.length).to.equal(slots.length);
        slots.forEach((s, i) => expect(bits(got[i])).to.deep.equal(bits(slotOf(full, s)), `${engine} slot ${i}`));
      }
    });
  }

  it("a second run does not disturb the first run's slots", () => {
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const dims = program.inputs.map((s) => s.dims);
    const out = program.outputs.map((o) => o.slot);
    const a = executeSlots(program, seededInputs(dims, 1), out).map((x) => x.slice());
    const a2 = executeSlots(program, seededInputs(dims, 1), out);
    executeSlots(program, seededInputs(dims, 2), out);
    expect(bits(a2[0])).to.deep.equal(bits(a[0]));
  });

  it("an agent's run claims the outputs at once and builds the halted memory only when a game needs it", () => {
    const model = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const program = model.program;
    const inputs = seededInputs(
      program.inputs.map((s) => s.dims),
      5,
    );
    const input = f32Bytes(inputs);
    const run = new ModelRun(model).run(input);
    const full = execute(program, inputs);
    expect(run.output).to.equal(f32Bytes(program.outputs.map((o) => slotOf(full, o.slot))));
    expect(run.committed).to.equal(false);
    // The memory (computed now) is the whole trace's halted memory.
    run.memory.activations.forEach((a, i) => expect(bits(a)).to.deep.equal(bits(full.activations[i])));
  });
});
