// The static bound on one-step proof size (node/commit/proof-size.ts) against real proofs:
// every step vector (hello_deepa, the OCR classifier, the detector at 32×32, the movement and
// logic graphs) proves within its instruction's bound, and the difference is whole 32-byte
// siblings (the zero ones the bound does not assume), so the layout and the join rule the
// bound follows are the encoder's. `referee model inspect` prints the heaviest bound.
import { expect } from "chai";
import { ethers } from "hardhat";
import { heaviestProofBound, instructionProofBounds } from "../node/commit/proof-size";
import { tokensOf } from "./vectors/gas";
import { stepVectors } from "./vectors/step-vectors";

describe("one-step proof size bound (node/commit/proof-size.ts)", function () {
  this.timeout(300_000);

  it("every step vector's calldata is within its instruction's bound, short of it by whole siblings", async () => {
    const { runs, vectors } = await stepVectors();
    const stepper = await ethers.getContractFactory("VerifierStepper");
    let exact = 0;
    let checked = 0;
    for (const v of vectors) {
      if (v.class === "halted") continue;
      const program = runs.find((r) => r.name === v.model)!.program;
      const phase = v.class === "Dot.mac" || v.class === "Reduce.step" ? "accumulate" : "write";
      const bound = instructionProofBounds(program, v.pc.instr).find((b) => b.phase === phase)!;
      const data = stepper.interface.encodeFunctionData("prove", [v.programRoot, v.preHash, v.proof]);
      const { bytes, tokens } = tokensOf(data);
      const what = `${v.model} s=${v.step} ${v.class} (${v.tags.join(", ")})`;
      expect(bytes, what).to.be.at.most(bound.calldataBytes);
      expect(tokens, what).to.be.at.most(bound.tokens);
      // A padded tap has no reads, and a Move reads one source of several: not the bound's values.
      if (v.tags.some((t) => t.startsWith("padded")) || v.class === "Move") continue;
      expect((bound.calldataBytes - bytes) % 32, `${what}: the bound differs by whole siblings`).to.equal(0);
      checked++;
      if (bytes === bound.calldataBytes) exact++;
    }
    console.log(`      ${checked} vectors with the bound's values; ${exact} exactly at the bound (no zero sibling)`);
    expect(exact, "some proofs have no zero sibling: the bound is reached").to.be.greaterThan(0);
  });

  it("the heaviest bound of a program is its instructions' largest", async () => {
    const { runs } = await stepVectors();
    for (const r of runs) {
      const h = heaviestProofBound(r.program)!;
      const all = r.program.instructions.flatMap((_, i) => instructionProofBounds(r.program, i));
      expect(h.tokens, r.name).to.equal(Math.max(...all.map((b) => b.tokens)));
      expect(h.floorGas).to.equal(21_000 + 10 * h.tokens);
    }
  });
});
