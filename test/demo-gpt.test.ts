// npm run demo -- --gpt in-process (node/agents/demo-gpt.ts): a greedy generation of the
// project's GPT verified on-chain; a cheater changing one token is caught by a dissection
// across token boundaries, ending at the step that picked that token.
import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { runGptDemo } from "../node/agents/demo-gpt";

describe("demo --gpt (verified text generation end to end)", function () {
  this.timeout(180_000);
  let snapshot: SnapshotRestorer;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    await snapshot.restore();
  });

  it("the honest generation finalizes; a one-token cheater is slashed at that token's argmax step", async () => {
    const r = await runGptDemo(hre, () => undefined, { tokens: 6, cheatToken: 3 });
    expect(r.tokenIds).to.have.length(6);
    expect(r.honestFinalized, "honestFinalized").to.equal(true);
    expect(r.cheaterSlashed, "cheaterSlashed").to.equal(true);
    expect(r.challengerRewarded, "challengerRewarded").to.equal(true);
    expect(r.reServed, "reServed").to.equal(true);
    expect(r.cheatedText).to.not.equal(r.text);
    // The first wrong state is token 3's argmax write: the game ends on exactly that step.
    expect(r.provedInstruction).to.equal("pipeline steps[0] (generate) token 3/argmax/index");
    expect(r.rounds).to.be.at.most(Math.ceil(Math.log(r.steps) / Math.log(r.degree)));
  });
});
