// Commitments on real compiled models: states derived from the final memory agree with a
// step-by-step run, one-step witnesses verify at instruction boundaries and random steps,
// and the same ONNX file compiles to the same program bytes and model commitment.
import { expect } from "chai";
import { readFileSync } from "fs";
import { compileModel } from "../node/compiler/compile";
import { MachineState, execute, initialMemory, instructionStarts, step } from "../node/vm";
import {
  SpaceTrees,
  TraceCommitter,
  buildWitness,
  encodeProgram,
  initHasher,
  modelCommitment,
  stateHash,
  toHex,
  verifyWitness,
} from "../node/commit";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";
import { rng } from "./helpers/random";

describe("commit: real models", function () {
  this.timeout(600_000);

  before(async () => {
    await initHasher();
  });

  it("hello_deepa: stateAt(s) equals the hash of the stepped machine at sampled s", () => {
    const { program } = compiled(HELLO_DEEPA);
    const inputs = seededInputs(
      program.inputs.map((i) => i.dims),
      7,
    );
    const trace = TraceCommitter.build(program, execute(program, inputs));
    const starts = instructionStarts(program);
    const r = rng(1);
    const sample = new Set<number>([0, trace.N]);
    for (const s of starts) for (const d of [-1, 0, 1]) if (s + d >= 0 && s + d <= trace.N) sample.add(s + d);
    for (let q = 0; q < 40; q++) sample.add(Math.floor(r() * (trace.N + 1)));

    const mem = initialMemory(program, inputs);
    const w = SpaceTrees.build(mem.weights).root();
    const i = SpaceTrees.build(mem.inputs).root();
    let st: MachineState = { pc: { instr: 0, elem: 0, k: 0 }, acc: 0 };
    const got: string[] = [];
    const want: string[] = [];
    for (let s = 0; s <= trace.N; s++) {
      if (sample.has(s)) {
        // Independent of the prefix logic: full rebuild of the stepped activations.
        const a = SpaceTrees.build(mem.activations).root();
        want.push(
          `${s}:${toHex(stateHash({ weightsRoot: w, inputsRoot: i, activationsRoot: a, pc: st.pc, acc: st.acc }))}`,
        );
        got.push(`${s}:${toHex(trace.stateAt(s).hash)}`);
      }
      st = step(program, mem, st);
    }
    expect(got).to.deep.equal(want);
  });

  for (const [name, file, shapes] of [
    ["hello_deepa", HELLO_DEEPA, {}],
    ["ppocr cls", OCR_CLS, OCR_CLS_SHAPES],
  ] as const) {
    it(`${name}: witnesses verify at every instruction boundary and at random steps`, () => {
      const { program } = compiled(file, shapes);
      const inputs = seededInputs(
        program.inputs.map((d) => d.dims),
        3,
      );
      const trace = TraceCommitter.build(program, execute(program, inputs));
      const root = trace.programTree.root;
      const starts = instructionStarts(program);
      const steps = new Set<number>([trace.N]);
      for (let k = 0; k < starts.length - 1; k++) {
        steps.add(starts[k]);
        steps.add(starts[k + 1] - 1); // last (write) step of the instruction
        steps.add(Math.floor((starts[k] + starts[k + 1]) / 2));
      }
      const r = rng(2);
      for (let q = 0; q < 60; q++) steps.add(Math.floor(r() * trace.N));
      const bad: string[] = [];
      for (const s of [...steps].sort((a, b) => a - b)) {
        const res = verifyWitness(buildWitness(trace, s), root);
        const next = trace.stateAt(Math.min(trace.N, s + 1)).hash;
        if (!res.agrees || toHex(res.postHash) !== toHex(next)) bad.push(`s=${s}`);
      }
      expect(bad).to.deep.equal([]);
    });
  }

  it("same ONNX file → same program bytes and model commitment", () => {
    const bytes = readFileSync(HELLO_DEEPA);
    const a = compileModel(bytes, {});
    const b = compileModel(bytes, {});
    expect(toHex(encodeProgram(a.program))).to.equal(toHex(encodeProgram(b.program)));
    const ca = modelCommitment(a.program, a.onnxHash);
    const cb = modelCommitment(b.program, b.onnxHash);
    expect(ca).to.deep.equal(cb);
    expect(ca.onnxFileHash).to.equal(a.onnxHash);
    expect(ca.N).to.equal(instructionStarts(a.program)[a.program.instructions.length]);
  });
});
