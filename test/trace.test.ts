// The fast executor and the one-step definition agree on machine state hashes: on every
// step of hello_deepa, and on sampled steps of the OCR classifier (19M steps).
import { expect } from "chai";
import { Space } from "../node/program/isa";
import { MachineState, execute, initialMemory, slotOf, stepAccesses, step, pcAtStep } from "../node/vm";
import {
  SpaceTrees,
  TraceCommitter,
  buildWitness,
  initHasher,
  programRoot,
  stateHash,
  toHex,
  verifyWitness,
} from "../node/commit";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";
import { rng } from "./helpers/random";

const bits = new Uint32Array(1);
const f32 = new Float32Array(bits.buffer);
function bitsOf(x: number): number {
  f32[0] = x;
  return bits[0];
}

describe("fast executor = step definition, by state hash", function () {
  this.timeout(900_000);

  before(async () => {
    await initHasher();
  });

  it("hello_deepa: the stepped machine's state hash equals stateAt(s) of the fast run at every step", () => {
    const { program } = compiled(HELLO_DEEPA);
    const inputs = seededInputs(
      program.inputs.map((i) => i.dims),
      11,
    );
    const trace = TraceCommitter.build(program, execute(program, inputs));

    // The stepped machine keeps its own trees, updated leaf by leaf as it writes.
    const mem = initialMemory(program, inputs);
    const weights = SpaceTrees.build(mem.weights).root();
    const inputsRoot = SpaceTrees.build(mem.inputs).root();
    const acts = SpaceTrees.build(mem.activations);
    let state: MachineState = { pc: { instr: 0, elem: 0, k: 0 }, acc: 0 };
    let mismatches = 0;
    let firstMismatch = -1;
    for (let s = 0; s <= trace.N; s++) {
      const mine = stateHash({
        weightsRoot: weights,
        inputsRoot,
        activationsRoot: acts.root(),
        pc: state.pc,
        acc: state.acc,
      });
      const theirs = trace.stateAt(s).hash;
      if (toHex(mine) !== toHex(theirs)) {
        mismatches++;
        if (firstMismatch < 0) firstMismatch = s;
      }
      if (s === trace.N) break;
      const write = stepAccesses(program, state.pc).write;
      state = step(program, mem, state);
      if (write) {
        expect(write.slot.space).to.equal(Space.Activation);
        const slotTree = acts.slots[write.slot.index];
        slotTree.setValue(write.address, slotOf(mem, write.slot)[write.address]);
        acts.tree.update(write.slot.index, slotTree.root());
      }
    }
    expect({ mismatches, firstMismatch }).to.deep.equal({ mismatches: 0, firstMismatch: -1 });
    expect(trace.N).to.be.greaterThan(70_000);
  });

  it("OCR classifier: at 10,000 sampled steps, step(stateAt(s)) = stateAt(s+1), and the one-step witness verifies", () => {
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const inputs = seededInputs(
      program.inputs.map((i) => i.dims),
      3,
    );
    const final = execute(program, inputs);
    const trace = TraceCommitter.build(program, final);
    const root = programRoot(program);
    // step() reads only slots finished before state s, which hold their final values in
    // `final`, and writes the slot being filled: check the written bits before restoring.
    const scratch = {
      weights: final.weights,
      inputs: final.inputs,
      activations: final.activations.map((a) => a.slice()),
    };
    const r = rng(5);
    let checked = 0;
    let witnesses = 0;
    for (let q = 0; q < 10_000; q++) {
      const s = Math.floor(r() * trace.N);
      const pre = trace.stateAt(s);
      const post = trace.stateAt(s + 1);
      const write = stepAccesses(program, pre.pc).write;
      const out = step(program, scratch, { pc: pre.pc, acc: pre.acc });
      expect(out.pc).to.deep.equal(pcAtStep(program, s + 1));
      expect(out.pc).to.deep.equal(post.pc);
      expect(bitsOf(out.acc)).to.equal(bitsOf(post.acc));
      if (write) {
        const wrote = slotOf(scratch, write.slot)[write.address];
        expect(bitsOf(wrote)).to.equal(bitsOf(slotOf(final, write.slot)[write.address]));
      }
      checked++;
      // Hash-level check through the witness on a tenth of the samples.
      if (q % 10 === 0) {
        const v = verifyWitness(buildWitness(trace, s), root);
        expect(toHex(v.preHash)).to.equal(toHex(pre.hash));
        expect(toHex(v.postHash)).to.equal(toHex(post.hash));
        witnesses++;
      }
    }
    expect(checked).to.equal(10_000);
    expect(witnesses).to.equal(1_000);
  });

  it("final state hash is identical across repeated runs of the classifier", () => {
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const inputs = seededInputs(
      program.inputs.map((i) => i.dims),
      21,
    );
    const a = TraceCommitter.build(program, execute(program, inputs)).finalState().hash;
    const b = TraceCommitter.build(program, execute(program, inputs)).finalState().hash;
    expect(toHex(a)).to.equal(toHex(b));
  });
});
