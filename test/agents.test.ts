// The operator and challenger agents on Hardhat's in-process chain with the real verifier and
// hello_deepa: timeouts, several challengers on one claim, restarts, refused items.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import { takeSnapshot, time, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator, OperatorOptions, cheatPlan } from "../node/agents/operator";
import { Deployment, deployReferee } from "../node/chain/deploy";
import { TxSender } from "../node/chain/sender";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";

/** A fresh deployment with hello_deepa registered, funded accounts and a log to read. */
interface World {
  d: Deployment;
  lines: string[];
  log: (line: string) => void;
  operator(name: string, who: HardhatEthersSigner, options?: OperatorOptions): Promise<Operator>;
  challenger(name: string, who: HardhatEthersSigner): Promise<Challenger>;
  /** A request whose every input value is the binary32 `valueHex`, open for `ttl` seconds. */
  request(valueHex: string, ttl?: number): Promise<bigint>;
}

describe("agents (operator, challenger) on the in-process chain, real OneStepVerifier", function () {
  this.timeout(120_000);
  let model: ModelRun;
  let signers: HardhatEthersSigner[];
  let snapshot: SnapshotRestorer;
  before(async () => {
    await initHasher();
    model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    signers = await hre.ethers.getSigners();
  });
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    await snapshot.restore();
  });

  async function world(): Promise<World> {
    const [deployer, treasury, requester] = signers;
    const d = await deployReferee(deployer, treasury.address);
    await (await d.registry.register(model.parts, "hello_deepa", "")).wait();
    for (const s of signers.slice(2, 10)) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const log = (l: string) => void lines.push(l);
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    return {
      d,
      lines,
      log,
      operator: async (name, who, options = {}) =>
        new Operator(name, d, await TxSender.of(who, d.interfaces), model, log, options),
      challenger: async (name, who) => new Challenger(name, d, await TxSender.of(who, d.interfaces), model, log),
      request: async (valueHex, ttl = 3600) => {
        const fee = await d.coordinator.quoteFee(model.modelId, 0);
        await (
          await d.coordinator
            .connect(requester)
            .request(
              model.modelId,
              "0x" + valueHex.repeat(n),
              fee,
              hre.ethers.ZeroAddress,
              0,
              (await time.latest()) + ttl,
            )
        ).wait();
        return d.coordinator.requestCount();
      },
    };
  }

  it("a cheater that stops answering loses on time: the challenger's loop resolves the game", async () => {
    const w = await world();
    const d = w.d;
    const cheatSigner = signers[3];
    const cheater = await w.operator("cheater", cheatSigner, { cheatOutput: 1 });
    const challenger = await w.challenger("challenger", signers[4]);
    await cheater.stake(d.options.claimBond * 2n);
    await w.request("3f000000", 4 * 3600);
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
    const w = await world();
    const { d, lines } = w;
    const cheater = await w.operator("cheater", signers[3], { cheatOutput: 1 });
    const a = await w.challenger("challenger A", signers[4]);
    const b = await w.challenger("challenger B", signers[5]);
    await cheater.ensureStake(1);
    await w.request("3e800000");
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
    expect(
      lines.some((l) => /challenger B: game #\d+: the claim was settled by another game; aborted/.test(l)),
      lines.join("\n"),
    ).to.equal(true);
    // The cheater, seeing the reopened request, does not claim the refuted result again.
    await cheater.tick();
    expect((await d.coordinator.getRequest(1n)).status).to.equal(1n);
    expect(lines.some((l) => /cheater does not claim request #1 again/.test(l))).to.equal(true);
    // Long-lived agents keep no run behind a settled claim (dropped at the pass after it settled).
    await a.tick();
    await b.tick();
    expect([cheater.runs.size, a.runs.size, b.runs.size], "cached runs after everything settled").to.deep.equal([
      0, 0, 0,
    ]);
  });

  it("an operator restarted mid-game re-runs its claim's run from the request's logged input and keeps defending", async () => {
    const w = await world();
    const { d, lines, log } = w;
    const cheatSender = await TxSender.of(signers[3], d.interfaces);
    // A mid-run lie: every dissection hash after step 30,000 is wrong, so the game runs to a proof.
    let cheater = new Operator("cheater", d, cheatSender, model, log, { cheatAt: 30_000 });
    const challenger = await w.challenger("challenger", signers[4]);
    // Long work goes through the progress hook (the CLI's TTY status line).
    const shown: string[] = [];
    const show = <T>(label: string, work: () => T): T => {
      shown.push(label);
      return work();
    };
    cheater.progress = show;
    challenger.progress = show;
    await cheater.ensureStake(1);
    await w.request("3e400000");
    await cheater.tick();
    await challenger.tick();
    const gameId = await d.game.gameOf(1n, challenger.address);
    for (let pass = 0; (await d.game.getGame(gameId)).status < 4n; pass++) {
      if (pass > 50) throw new Error("the game does not end");
      if ((await d.game.getGame(gameId)).round === 2n && cheater.runs.size > 0) {
        cheatSender.resetNonce();
        cheater = new Operator("cheater", d, cheatSender, model, log, { cheatAt: 30_000 }); // nothing in memory
        cheater.progress = show;
      }
      await cheater.tick();
      await challenger.tick();
    }
    expect((await d.game.getGame(gameId)).status, "the challenger wins by the proof").to.equal(4n);
    expect(
      lines.some((l) => /cheater re-ran the run behind claim #1 to defend game #1/.test(l)),
      lines.join("\n"),
    ).to.equal(true);
    expect(lines.some((l) => /one-step proof at step/.test(l))).to.equal(true);
    const proven = await d.game.queryFilter(d.game.filters.StepProven(gameId));
    expect(Number(proven[0].args.lo)).to.be.at.least(30_000);
    for (const label of [
      "running request #1 (78441 steps)",
      "re-executing claim #1 (78441 steps)",
      "running request #1 again (78441 steps)",
      "game #1: computing the claimer's move",
      "game #1: computing the challenger's move",
    ]) {
      expect(shown, label).to.include(label);
    }
  });

  it("cheatPlan (--cheat-rate): about the stated fraction of requests, random steps, a function of the seed", () => {
    const steps = 78_441;
    const plan = (seed: number, rate: number) =>
      Array.from({ length: 2000 }, (_, i) => cheatPlan(seed, rate, BigInt(i + 1), steps));
    for (const [seed, rate] of [
      [1, 0.1],
      [2, 0.1],
      [7, 0.3],
    ]) {
      const cheats = plan(seed, rate).filter((x): x is number => x !== null);
      // Binomial(2000, p): ±4.5 standard deviations.
      const sd = Math.sqrt(2000 * rate * (1 - rate));
      expect(cheats.length, `seed ${seed}, rate ${rate}`).to.be.within(2000 * rate - 4.5 * sd, 2000 * rate + 4.5 * sd);
      expect(cheats.every((at) => Number.isInteger(at) && at >= 0 && at < steps)).to.equal(true);
      // Steps spread over the whole run, not bunched at one end.
      expect(Math.min(...cheats)).to.be.below(steps / 10);
      expect(Math.max(...cheats)).to.be.above((steps * 9) / 10);
      expect(plan(seed, rate), "same seed, same plan").to.deep.equal(plan(seed, rate));
    }
    expect(plan(1, 0.1), "another seed, another plan").to.not.deep.equal(plan(2, 0.1));
    expect(plan(1, 0).every((x) => x === null)).to.equal(true);
    expect(plan(1, 1).every((x) => x !== null)).to.equal(true);
    // A higher rate cheats on a superset of the requests (the same draw decides).
    const low = plan(3, 0.1);
    const high = plan(3, 0.5);
    expect(low.every((x, i) => x === null || high[i] === x)).to.equal(true);
  });

  it("a --cheat-rate operator corrupts exactly the planned requests at the planned steps; the challenger disputes only those", async () => {
    const w = await world();
    const { d } = w;
    const seed = 11;
    const rate = 0.5;
    const ids = [1n, 2n, 3n, 4n, 5n, 6n];
    const planned = ids.map((id) => cheatPlan(seed, rate, id, Number(model.parts.steps)));
    // The seed gives both kinds among these requests (else the test would prove little).
    expect(planned.some((x) => x === null) && planned.some((x) => x !== null), String(planned)).to.equal(true);
    const cheater = await w.operator("cheater", signers[3], { cheatRate: rate, cheatSeed: seed });
    const challenger = await w.challenger("challenger", signers[4]);
    await cheater.ensureStake(ids.length);
    const inputs = ["3e400000", "3e800000", "3f000000", "bf000000", "3f400000", "be800000"];
    for (const v of inputs) await w.request(v);
    await cheater.tick();
    await challenger.tick();
    for (const [i, id] of ids.entries()) {
      const claim = await d.coordinator.getClaim((await d.coordinator.getRequest(id)).claimId);
      const n = model.model.program.inputs.reduce((acc, x) => acc + x.dims.reduce((a, b) => a * b, 1), 0);
      const honest = model.run("0x" + inputs[i].repeat(n));
      const expected = planned[i] === null ? honest : model.corrupted(honest, { cheatAt: planned[i], output: 1 });
      expect(claim.finalStateHash, `request #${id}, plan ${planned[i]}`).to.equal(expected.claim.finalStateHash);
      expect(claim.openGames, `request #${id}: disputed iff corrupted`).to.equal(planned[i] === null ? 0n : 1n);
    }
  });

  it("a refused item is logged once and does not block the pass; expired requests are not attempted", async () => {
    const w = await world();
    const { d, lines } = w;
    const op = await w.operator("operator", signers[3]);
    await op.stake(d.options.claimBond); // enough for one claim only
    const expiring = await w.request("3e000000", 50);
    await time.increase(100);
    const first = await w.request("3e800000", 3600);
    const second = await w.request("3f000000", 3600);
    const realRun = model.run.bind(model);
    let runs = 0;
    model.run = (input: string) => {
      runs++;
      return realRun(input);
    };
    try {
      await op.tick();
      await op.tick();
    } finally {
      model.run = realRun;
    }
    expect(runs, "each request run once: the refused one is not re-run on the next pass").to.equal(2);
    expect((await d.coordinator.getRequest(first)).status, "served").to.equal(2n);
    expect((await d.coordinator.getRequest(second)).status, "refused: no free stake").to.equal(1n);
    expect((await d.coordinator.getRequest(expiring)).status, "expired, left for its refund").to.equal(1n);
    const refusals = lines.filter((l) => /the contract refused/.test(l));
    expect(refusals, lines.join("\n")).to.have.length(1);
    expect(refusals[0]).to.match(
      new RegExp(`serving request #${second}: the contract refused: Staking_InsufficientFreeStake`),
    );
    expect(
      lines.some((l) => new RegExp(`request #${expiring}\\b`).test(l)),
      "the expired request is never attempted",
    ).to.equal(false);
  });
});
