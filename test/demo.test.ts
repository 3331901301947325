// npm run demo's flow in-process (node/agents/demo.ts): every JSON field is measured from
// the chain, and a failing call surfaces its custom error by name (node/chain/errors.ts).
// The agents' other situations are in agents.test.ts.
import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { runDemo } from "../node/agents/demo";
import { deployReferee } from "../node/chain/deploy";
import { ChainError, named } from "../node/chain/errors";
import { readDeployment, recordOf, writeDeployment } from "../node/chain/deploy";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

describe("demo (hello_deepa end to end, real OneStepVerifier)", function () {
  this.timeout(120_000);
  // The demo moves the clock: leave the shared in-process chain as it was found.
  let snapshot: SnapshotRestorer;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    await snapshot.restore();
  });

  it("the honest claim finalizes, the cheater is slashed, the challenger rewarded, the request re-served", async () => {
    const lines: string[] = [];
    const r = await runDemo(hre, (l) => lines.push(l));
    expect(r.honestFinalized, "honestFinalized").to.equal(true);
    expect(r.cheaterSlashed, "cheaterSlashed").to.equal(true);
    expect(r.challengerRewarded, "challengerRewarded").to.equal(true);
    expect(r.reServed, "reServed").to.equal(true);
    expect(r.rounds).to.be.greaterThan(0);
    // ⌈log_8 N⌉ rounds at most for N = 78441.
    expect(r.rounds).to.be.at.most(Math.ceil(Math.log(r.steps) / Math.log(r.degree)));
    expect(r.gas.claimer).to.be.greaterThan(0);
    expect(r.gas.challenger).to.be.greaterThan(0);
    expect(r.wallSeconds).to.be.greaterThan(0);
    expect(lines.filter((l) => /challenger disputes sub-range/.test(l))).to.have.length(r.rounds);
    expect(lines.some((l) => /one-step proof at step/.test(l))).to.equal(true);
  });

  it("a challenger restarted in the middle of the game resumes from chain state and still wins, acting once per move", async () => {
    const lines: string[] = [];
    const r = await runDemo(hre, (l) => lines.push(l), { restartChallengerAtRound: 3 });
    expect(lines).to.include("challenger restarted: it resumes the game from chain state alone");
    expect([r.honestFinalized, r.cheaterSlashed, r.challengerRewarded, r.reServed]).to.deep.equal([
      true,
      true,
      true,
      true,
    ]);
    // Re-checked claim #2 after the restart, but opened no second game (one game per challenger per claim).
    expect(lines.filter((l) => /opens game/.test(l))).to.have.length(1);
    expect(lines.filter((l) => /challenger disputes sub-range/.test(l))).to.have.length(r.rounds);
  });

  it("reverts come back as ChainError named after the custom error", async () => {
    const [deployer, treasury] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const err = await named(d.interfaces, () => d.coordinator.finalize(7n, "0x")).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ChainError);
    expect((err as ChainError).errorName).to.match(/^Coordinator_/);
    // Arguments named (issue 14): "Coordinator_UnknownRequest(requestId: 7)", not "(7)".
    expect((err as ChainError).shortMessage).to.contain("(requestId: 7)");
  });

  it("deployments/<network>.json records the addresses and parameters, read back as written", async () => {
    const [deployer, treasury] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const dir = mkdtempSync(join(tmpdir(), "referee-deployments-"));
    try {
      const record = await recordOf(d, "hardhat", 31337);
      const file = writeDeployment(dir, record);
      expect(file).to.equal(join(dir, "hardhat.json"));
      const back = readDeployment(dir, "hardhat");
      expect(back).to.deep.equal(record);
      expect(back.addresses.coordinator).to.equal(await d.coordinator.getAddress());
      expect(await d.coordinator.disputeGame()).to.equal(back.addresses.game);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
