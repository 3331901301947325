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
import { claimCommitment, randomSalt } from "../node/chain/claims";
import { ClaimStatus, GameStatus, RequestStatus } from "../node/chain/status";
import { HDNodeWallet, keccak256 } from "ethers";
import { DEV_MNEMONIC } from "../node/cli/chain";

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

  it("a cheater that never reveals its halted state loses on time: the challenger's loop resolves the game", async () => {
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
    expect((await d.game.getGame(gameId)).status, "the game awaits the claimer's reveal").to.equal(
      GameStatus.AwaitingReveal,
    );
    await challenger.tick();
    expect((await d.game.getGame(gameId)).status, "no move before the clock runs out").to.equal(
      GameStatus.AwaitingReveal,
    );
    await time.increase(d.options.clockSeconds + 1);
    await challenger.tick();
    expect((await d.game.getGame(gameId)).status).to.equal(GameStatus.ChallengerWon);
    expect((await d.coordinator.getClaim(1n)).finalStateHash, "never revealed").to.equal(hre.ethers.ZeroHash);
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
    for (let pass = 0; (await d.game.getGame(gameA)).status < GameStatus.ChallengerWon; pass++) {
      if (pass > 50) throw new Error("game A does not end");
      await cheater.tick();
      await a.tick();
    }
    expect((await d.game.getGame(gameA)).status).to.equal(GameStatus.ChallengerWon);
    expect(await d.coordinator.claimStatus(1n)).to.equal(2n);
    // One reveal for the claim, in the first game the claimer answered; B's game moved on from it
    // with a reveal that carries no data.
    expect(await d.coordinator.queryFilter(d.coordinator.filters.ClaimRevealed(1n))).to.have.length(1);
    const [revealA] = await d.game.queryFilter(d.game.filters.Revealed(gameA));
    const [revealB] = await d.game.queryFilter(d.game.filters.Revealed(gameB));
    expect(revealB.args.finalStateHash).to.equal(revealA.args.finalStateHash);
    const calldata = async (hash: string) => ((await hre.ethers.provider.getTransaction(hash))!.data.length - 2) / 2;
    expect(await calldata(revealB.transactionHash)).to.be.below(await calldata(revealA.transactionHash));
    expect(await calldata(revealB.transactionHash), "no output, roots or proofs").to.be.at.most(4 + 32 * 9);
    const bBalance = await d.token.balanceOf(b.address);
    const gameBStatus = (await d.game.getGame(gameB)).status;
    expect(
      [GameStatus.AwaitingDissection, GameStatus.AwaitingChoice, GameStatus.AwaitingStep],
      "B's game is still running",
    ).to.include(gameBStatus);
    await b.tick(); // resolve → Aborted, bond credited
    expect((await d.game.getGame(gameB)).status, "Aborted").to.equal(GameStatus.Aborted);
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

  it("an operator restarted before its reveal and mid-game re-runs its claim's run from the request's logged input and keeps defending", async () => {
    const w = await world();
    const { d, lines, log } = w;
    const cheatSender = await TxSender.of(signers[3], d.interfaces);
    // A mid-run lie: every dissection hash after step 30,000 is wrong (and so is the output the
    // challenger compares), so the game runs to a proof.
    const cheat = { cheatAt: 30_000, cheatOutput: 1 };
    let cheater = new Operator("cheater", d, cheatSender, model, log, cheat);
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
    // Restarted before its reveal: the halted state comes from a re-run.
    expect((await d.game.getGame(gameId)).status).to.equal(GameStatus.AwaitingReveal);
    cheatSender.resetNonce();
    cheater = new Operator("cheater", d, cheatSender, model, log, cheat);
    cheater.progress = show;
    await cheater.tick();
    expect((await d.game.getGame(gameId)).status, "revealed: the claimer dissects next").to.equal(
      GameStatus.AwaitingDissection,
    );
    const [requested] = await d.coordinator.queryFilter(d.coordinator.filters.Requested(1n));
    const lie = model.corrupted(model.run(requested.args.input), { cheatAt: 30_000, output: 1 });
    expect((await d.coordinator.getClaim(1n)).finalStateHash).to.equal(lie.claim.finalStateHash);
    for (let pass = 0; (await d.game.getGame(gameId)).status < GameStatus.ChallengerWon; pass++) {
      if (pass > 50) throw new Error("the game does not end");
      if ((await d.game.getGame(gameId)).round === 2n && cheater.runs.size > 0) {
        cheatSender.resetNonce();
        cheater = new Operator("cheater", d, cheatSender, model, log, cheat); // nothing in memory
        cheater.progress = show;
      }
      await cheater.tick();
      await challenger.tick();
    }
    expect((await d.game.getGame(gameId)).status, "the challenger wins by the proof").to.equal(
      GameStatus.ChallengerWon,
    );
    expect(
      lines.filter((l) => /cheater re-ran the run behind claim #1 to defend game #1/.test(l)),
      lines.join("\n"),
    ).to.have.length(2);
    expect(lines.some((l) => /one-step proof at step/.test(l))).to.equal(true);
    const proven = await d.game.queryFilter(d.game.filters.StepProven(gameId));
    expect(Number(proven[0].args.lo)).to.be.at.least(30_000);
    for (const label of [
      "running request #1 (78441 steps)",
      "re-executing claim #1 (78441 steps)",
      "running request #1 again (78441 steps)",
      "committing our run of claim #1",
      "committing the run behind claim #1",
      "game #1: computing the claimer's move",
      "game #1: computing the challenger's move",
    ]) {
      expect(shown, label).to.include(label);
    }
  });

  it("a claim is a commitment, then the output in a later block, no trees built; a lie in the final state alone (output right) is not challenged", async () => {
    const w = await world();
    const { d, lines } = w;
    // The trace is wrong from step 30,000 on, but no output value changes: the result is right.
    const op = await w.operator("operator", signers[3], { cheatAt: 30_000 });
    const challenger = await w.challenger("challenger", signers[4]);
    await op.ensureStake(1);
    const id = await w.request("3e800000");
    await op.tick();
    const r = await d.coordinator.getRequest(id);
    const [committed] = await d.coordinator.queryFilter(d.coordinator.filters.ClaimCommitted(id, op.address));
    const [claimed] = await d.coordinator.queryFilter(d.coordinator.filters.Claimed(id, r.claimId));
    expect(claimed.blockNumber, "revealed in a later block than its commitment").to.be.greaterThan(
      committed.blockNumber,
    );
    const run = op.runs.get(r.claimId)!;
    expect(run.committed, "no commitments built for a claim nobody disputes").to.equal(false);
    const n = model.model.program.inputs.reduce((acc, x) => acc + x.dims.reduce((a, b) => a * b, 1), 0);
    const honest = model.run("0x" + "3e800000".repeat(n));
    expect(run.output, "the lie leaves the output right").to.equal(honest.output);
    expect(claimed.args.output).to.equal(run.output);
    expect((await d.coordinator.getClaim(r.claimId)).outputHash).to.equal(keccak256(run.output));
    await challenger.tick();
    expect(await d.game.gameCount(), "outputs agree: no game").to.equal(0n);
    expect(lines.some((l) => /challenger re-executed claim #1: output 0x[0-9a-f]{8}… matches/.test(l))).to.equal(true);
    expect(challenger.runs.size).to.equal(0);
    // Finalized with the output bytes, read back from the run.
    await time.increase(d.options.challengeWindow);
    await op.tick();
    expect((await d.coordinator.getRequest(id)).status).to.equal(RequestStatus.Finalized);
    expect(await d.coordinator.resultOf(id)).to.equal(keccak256(honest.output));
  });

  it("a NaN input: the operator declines it once (nan-input); another's claim on it is voided at the challenge, nobody slashed", async () => {
    const w = await world();
    const { d, lines } = w;
    const op = await w.operator("operator", signers[3]);
    const challenger = await w.challenger("challenger", signers[4]);
    await op.ensureStake(1);
    const id = await w.request("7fc00000");
    await op.tick();
    await op.tick();
    expect((await d.coordinator.getRequest(id)).status, "not claimed").to.equal(RequestStatus.Open);
    expect(lines.filter((l) => l === `operator declines request #${id}: input value 0 is a NaN`)).to.have.length(1);
    // A rogue operator claims a made-up output on it.
    const rogue = signers[5];
    await (await d.token.connect(rogue).approve(d.staking, hre.ethers.MaxUint256)).wait();
    await (await d.staking.connect(rogue).stake(d.options.claimBond)).wait();
    const [requested] = await d.coordinator.queryFilter(d.coordinator.filters.Requested(id));
    const real = model.run(requested.args.input).output;
    const madeUp = "0x3f800000" + real.slice(10);
    expect(madeUp).to.not.equal(real);
    const salt = randomSalt();
    await (await d.coordinator.connect(rogue).commitClaim(id, claimCommitment(id, rogue.address, madeUp, salt))).wait();
    await (await d.coordinator.connect(rogue).claim(id, madeUp, salt)).wait();
    const claimId = (await d.coordinator.getRequest(id)).claimId;
    const balance = await d.token.balanceOf(challenger.address);
    await challenger.tick();
    expect(await d.game.gameCount(), "no game").to.equal(0n);
    expect((await d.coordinator.getClaim(claimId)).status).to.equal(ClaimStatus.Voided);
    expect((await d.coordinator.getRequest(id)).status, "the fee goes back").to.equal(RequestStatus.Refunded);
    expect(await d.staking.bondedOf(rogue.address), "released, not slashed").to.equal(d.options.claimBond);
    expect(await d.token.balanceOf(challenger.address), "no bond taken").to.equal(balance);
    expect(
      lines.some((l) => l.includes(`request #${id} has a NaN in its input: voided, claim #${claimId} released`)),
    ).to.equal(true);
  });

  it("a reveal that loses the race on-chain (another landed after its estimate) is a step back, not a failed pass", async () => {
    const w = await world();
    const { d, lines } = w;
    // A key-holding signer, as the CLI's: its failed transaction is mined, with status 0.
    const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/6").connect(hre.ethers.provider);
    expect(wallet.address).to.equal(signers[6].address);
    const op = new Operator("operator", d, await TxSender.of(wallet, d.interfaces), model, w.log);
    await op.ensureStake(1);
    const rival = signers[7];
    await (await d.token.connect(rival).approve(d.staking, hre.ethers.MaxUint256)).wait();
    await (await d.staking.connect(rival).stake(d.options.claimBond)).wait();
    const id = await w.request("3e800000");
    const [requested] = await d.coordinator.queryFilter(d.coordinator.filters.Requested(id));
    const output = model.run(requested.args.input).output;
    const salt = randomSalt();
    await (await d.coordinator.connect(rival).commitClaim(id, claimCommitment(id, rival.address, output, salt))).wait();
    // The rival's reveal lands right after our operator's reveal was estimated.
    const claimSelector = d.coordinator.interface.getFunction("claim").selector;
    const estimate = wallet.estimateGas.bind(wallet);
    let raced = false;
    wallet.estimateGas = async (tx) => {
      const gas = await estimate(tx);
      if (!raced && typeof tx.data === "string" && tx.data.startsWith(claimSelector)) {
        raced = true;
        await (await d.coordinator.connect(rival).claim(id, output, salt)).wait();
      }
      return gas;
    };
    await op.tick();
    expect(raced, "the race was run").to.equal(true);
    const r = await d.coordinator.getRequest(id);
    expect((await d.coordinator.getClaim(r.claimId)).operator).to.equal(rival.address);
    expect(lines).to.include(`operator: request #${id} was claimed by another operator (claim #${r.claimId}) first`);
    // Our reveal was mined and failed: the race really was lost on-chain, not at the estimate.
    const mined = await hre.ethers.provider.getBlock("latest", true);
    const ours = mined!.prefetchedTransactions.find((t) => t.from === wallet.address);
    expect(ours?.data.startsWith(claimSelector)).to.equal(true);
    expect((await hre.ethers.provider.getTransactionReceipt(ours!.hash))!.status).to.equal(0);
    expect(lines.some((l) => /the contract refused/.test(l))).to.equal(false);
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
      expect(claim.outputHash, `request #${id}, plan ${planned[i]}`).to.equal(keccak256(expected.output));
      expect(claim.openGames, `request #${id}: disputed iff corrupted`).to.equal(planned[i] === null ? 0n : 1n);
      // Disputed or not, the halted state is revealed only when the claimer answers a game.
      expect(claim.finalStateHash).to.equal(hre.ethers.ZeroHash);
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
    // Its commitment was sent once: the second pass retried the reveal alone.
    expect(await d.coordinator.queryFilter(d.coordinator.filters.ClaimCommitted(second))).to.have.length(1);
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
