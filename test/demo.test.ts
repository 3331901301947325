// npm run demo's flow in-process (node/agents/demo.ts): every JSON field is measured from
// the chain, and a failing call surfaces its custom error by name (node/chain/errors.ts).
import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { HELLO_DEEPA, runDemo } from "../node/agents/demo";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator } from "../node/agents/operator";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { readFileSync } from "fs";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployReferee } from "../node/chain/deploy";
import { ChainError, named } from "../node/chain/errors";
import { TxSender } from "../node/chain/sender";
import { readDeployment, recordOf, writeDeployment } from "../node/chain/deployments";
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
    expect([r.honestFinalized, r.cheaterSlashed, r.challengerRewarded, r.reServed]).to.deep.equal([true, true, true, true]);
    // Re-checked claim #2 after the restart, but opened no second game (one game per challenger per claim).
    expect(lines.filter((l) => /opens game/.test(l))).to.have.length(1);
    expect(lines.filter((l) => /challenger disputes sub-range/.test(l))).to.have.length(r.rounds);
  });

  it("a cheater that stops answering loses on time: the challenger's loop resolves the game", async () => {
    await initHasher();
    const [deployer, treasury, requester, cheatSigner, challengerSigner] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of [requester, cheatSigner, challengerSigner]) {
      await (await d.token.mint(s.address, 1_000_000n)).wait();
      for (const spender of [d.staking, d.coordinator, d.game]) await (await d.token.connect(s).approve(spender, hre.ethers.MaxUint256)).wait();
    }
    const quiet = () => undefined;
    const cheater = new Operator("cheater", d, await TxSender.of(cheatSigner, d.interfaces), model, quiet, { cheatOutput: 1 });
    const challenger = new Challenger("challenger", d, await TxSender.of(challengerSigner, d.interfaces), model, quiet);
    await cheater.stake(d.options.claimBond * 2n);
    const n = model.model.program.inputs.reduce((a, i) => a + i.dims.reduce((x, y) => x * y, 1), 0);
    const input = "0x" + "3f000000".repeat(n);
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    await (await d.coordinator.connect(requester).request(model.modelId, input, fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + 4 * 3600)).wait();
    await cheater.tick();
    await challenger.tick();
    const gameId = await d.game.gameCount();
    expect((await d.game.getGame(gameId)).status).to.equal(1n);
    await challenger.tick();
    expect((await d.game.getGame(gameId)).status, "no move before the clock runs out").to.equal(1n);
    await time.increase(d.options.clockSeconds + 1);
    await challenger.tick();
    expect((await d.game.getGame(gameId)).status).to.equal(4n);
    expect((await d.coordinator.getRequest(1n)).status, "reopened").to.equal(1n);
    // Lost on time is not refuted: back online, the operator may claim the request again.
    await cheater.tick();
    const again = await d.coordinator.getRequest(1n);
    expect(again.status, "claimed again").to.equal(2n);
    expect((await d.coordinator.getClaim(again.claimId)).operator).to.equal(cheatSigner.address);
  });

  it("two challengers on one wrong claim: the first wins, the second's game is aborted at once and its bond returned", async () => {
    await initHasher();
    const [deployer, treasury, requester, cheatSigner, aSigner, bSigner] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of [requester, cheatSigner, aSigner, bSigner]) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const log = (l: string) => void lines.push(l);
    const cheater = new Operator("cheater", d, await TxSender.of(cheatSigner, d.interfaces), model, log, { cheatOutput: 1 });
    const a = new Challenger("challenger A", d, await TxSender.of(aSigner, d.interfaces), model, log);
    const b = new Challenger("challenger B", d, await TxSender.of(bSigner, d.interfaces), model, log);
    await cheater.ensureStake(1);
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    await (await d.coordinator.connect(requester).request(model.modelId, "0x" + "3e800000".repeat(n), fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + 3600)).wait();
    await cheater.tick();
    await a.tick();
    await b.tick();
    const [gameA, gameB] = [await d.game.gameOf(1n, a.address), await d.game.gameOf(1n, b.address)];
    expect(gameA).to.not.equal(0n);
    expect(gameB).to.not.equal(0n);
    // Only A and the cheater play until A's game is over.
    for (let pass = 0; (await d.game.getGame(gameA)).status < 4n; pass++) {
      if (pass > 50) throw new Error("game A does not end");
      await cheater.tick();
      await a.tick();
    }
    expect((await d.game.getGame(gameA)).status).to.equal(4n);
    expect(await d.coordinator.claimStatus(1n)).to.equal(2n);
    const bBalance = await d.token.balanceOf(b.address);
    const gameBStatus = (await d.game.getGame(gameB)).status;
    expect([1n, 2n, 3n], "B's game is still running").to.include(gameBStatus);
    await b.tick(); // resolve → Aborted, bond credited
    expect((await d.game.getGame(gameB)).status, "Aborted").to.equal(6n);
    expect(await b.withdraw()).to.equal(d.options.challengerBond);
    expect(await d.token.balanceOf(b.address)).to.equal(bBalance + d.options.challengerBond);
    expect(lines.some((l) => /challenger B: game #\d+: the claim was settled by another game; aborted/.test(l)), lines.join("\n")).to.equal(true);
    // The cheater, seeing the reopened request, does not claim the refuted result again.
    await cheater.tick();
    expect((await d.coordinator.getRequest(1n)).status).to.equal(1n);
    expect(lines.some((l) => /cheater does not claim request #1 again/.test(l))).to.equal(true);
    // Long-lived agents keep no run behind a settled claim (dropped at the pass after it settled).
    await a.tick();
    await b.tick();
    expect([cheater.runs.size, a.runs.size, b.runs.size], "cached runs after everything settled").to.deep.equal([0, 0, 0]);
  });

  it("an operator restarted mid-game re-runs its claim's run from the request's logged input and keeps defending", async () => {
    await initHasher();
    const [deployer, treasury, requester, cheatSigner, challengerSigner] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of [requester, cheatSigner, challengerSigner]) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const log = (l: string) => void lines.push(l);
    const cheatSender = await TxSender.of(cheatSigner, d.interfaces);
    // A mid-run lie: every dissection hash after step 30,000 is wrong, so the game runs to a proof.
    let cheater = new Operator("cheater", d, cheatSender, model, log, { cheatAt: 30_000 });
    const challenger = new Challenger("challenger", d, await TxSender.of(challengerSigner, d.interfaces), model, log);
    await cheater.ensureStake(1);
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    await (await d.coordinator.connect(requester).request(model.modelId, "0x" + "3e400000".repeat(n), fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + 3600)).wait();
    await cheater.tick();
    await challenger.tick();
    const gameId = await d.game.gameOf(1n, challenger.address);
    for (let pass = 0; (await d.game.getGame(gameId)).status < 4n; pass++) {
      if (pass > 50) throw new Error("the game does not end");
      if ((await d.game.getGame(gameId)).round === 2n && cheater.runs.size > 0) {
        cheatSender.resetNonce();
        cheater = new Operator("cheater", d, cheatSender, model, log, { cheatAt: 30_000 }); // nothing in memory
      }
      await cheater.tick();
      await challenger.tick();
    }
    expect((await d.game.getGame(gameId)).status, "the challenger wins by the proof").to.equal(4n);
    expect(lines.some((l) => /cheater re-ran the run behind claim #1 to defend game #1/.test(l)), lines.join("\n")).to.equal(true);
    expect(lines.some((l) => /one-step proof at step/.test(l))).to.equal(true);
    const proven = await d.game.queryFilter(d.game.filters.StepProven(gameId));
    expect(Number(proven[0].args.lo)).to.be.at.least(30_000);
  });

  it("a refused item is logged once and does not block the pass; expired requests are not attempted", async () => {
    await initHasher();
    const [deployer, treasury, requester, opSigner] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of [requester, opSigner]) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const op = new Operator("operator", d, await TxSender.of(opSigner, d.interfaces), model, (l) => void lines.push(l));
    await op.stake(d.options.claimBond); // enough for one claim only
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    const ask = async (value: string, ttl: number) => {
      await (await d.coordinator.connect(requester).request(model.modelId, "0x" + value.repeat(n), fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + ttl)).wait();
      return d.coordinator.requestCount();
    };
    const expiring = await ask("3e000000", 50);
    await time.increase(100);
    const first = await ask("3e800000", 3600);
    const second = await ask("3f000000", 3600);
    await op.tick();
    await op.tick();
    expect((await d.coordinator.getRequest(first)).status, "served").to.equal(2n);
    expect((await d.coordinator.getRequest(second)).status, "refused: no free stake").to.equal(1n);
    expect((await d.coordinator.getRequest(expiring)).status, "expired, left for its refund").to.equal(1n);
    const refusals = lines.filter((l) => /the contract refused/.test(l));
    expect(refusals, lines.join("\n")).to.have.length(1);
    expect(refusals[0]).to.match(new RegExp(`serving request #${second}: the contract refused: Staking_InsufficientFreeStake`));
    expect(lines.some((l) => new RegExp(`request #${expiring}\\b`).test(l)), "the expired request is never attempted").to.equal(false);
  });

  it("reverts come back as ChainError named after the custom error", async () => {
    const [deployer, treasury] = await hre.ethers.getSigners();
    const d = await deployReferee(deployer, treasury.address);
    const err = await named(d.interfaces, () => d.coordinator.finalize(7n)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ChainError);
    expect((err as ChainError).errorName).to.match(/^Coordinator_/);
    expect((err as ChainError).shortMessage).to.contain("(7");
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
