// The operator kit on Hardhat's in-process chain with the real verifier and hello_deepa: the
// stake policy after a real slash (top up to a cap, or stop), Prometheus metrics scraped over
// HTTP while a dispute runs, --min-fee, one account serving two models, and the refusal of a
// model whose output no claim can carry.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import * as path from "path";
import { takeSnapshot, time, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { JsonRpcProvider } from "ethers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator, OperatorOptions, refuseUnclaimable } from "../node/agents/operator";
import { StakeKeeper, StakePolicy } from "../node/agents/stake-policy";
import { Metrics, collectGauges, countRpcErrors, countingLog } from "../node/agents/metrics";
import { serveMetrics } from "../node/cli/metrics-server";
import { Deployment, deployReferee } from "../node/chain/deploy";
import { formatAmount } from "../node/chain/amounts";
import { TxSender } from "../node/chain/sender";
import { claimGasBound } from "../node/chain/claim-gas";
import { TX_GAS_CAP } from "../node/chain/txmgr";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { ClaimStatus, GameStatus, RequestStatus } from "../node/chain/status";
import { RefereeError } from "../node/errors";
import type { Log } from "../node/agents/log";
import { parseMetrics } from "./helpers/metrics";

/** Amounts as the agents log them: the TestToken is REFT with 18 decimals. */
const reft = (units: bigint): string => formatAmount(units, { address: "", symbol: "REFT", decimals: 18, note: null });

const TOKEN_MLP = path.join(__dirname, "fixtures", "token_mlp.onnx");

describe("agents: operator kit (stake policy, metrics, --min-fee, several models)", function () {
  this.timeout(300_000);
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

  const inputValues = (m: ModelRun) =>
    m.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);

  async function world(models: ModelRun[] = [model]) {
    const [deployer, treasury, requester] = signers;
    const d = await deployReferee(deployer, treasury.address);
    for (const [i, m] of models.entries()) await (await d.registry.register(m.parts, `model ${i}`, "")).wait();
    for (const s of signers.slice(2, 10)) await (await d.token.mint(s.address, 1_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const log: Log = (l) => void lines.push(l);
    const request = async (valueHex: string, m: ModelRun = model, fee?: bigint) => {
      fee ??= await d.coordinator.quoteFee(m.modelId, 0);
      await (
        await d.coordinator
          .connect(requester)
          .request(
            m.modelId,
            "0x" + valueHex.repeat(inputValues(m)),
            fee,
            hre.ethers.ZeroAddress,
            0,
            (await time.latest()) + 4 * 3600,
          )
      ).wait();
      return d.coordinator.requestCount();
    };
    return { d, lines, log, request };
  }

  /** Plays `cheater` against `challenger` until game `gameId` is over. */
  async function playOut(
    d: Deployment,
    gameId: bigint,
    agents: { tick(): Promise<void> }[],
    during?: () => Promise<void>,
  ) {
    for (let pass = 0; (await d.game.getGame(gameId)).status < GameStatus.ChallengerWon; pass++) {
      if (pass > 60) throw new Error(`game #${gameId} does not end`);
      for (const a of agents) await a.tick();
      if (pass === 1 && during) await during();
    }
  }

  it("after a real slash, --on-slash topup re-stakes and logs it; metrics scraped mid-game show the game, its clocks and the stake; the cap then stops serving", async () => {
    const { d, lines, log, request } = await world();
    const opMetrics = new Metrics();
    const chMetrics = new Metrics();
    const opLog = countingLog(log, opMetrics, "claimer");
    const opSigner = signers[3];
    const cheater = new Operator("operator", d, await TxSender.of(opSigner, d.interfaces), model, opLog, {
      cheatOutput: 1,
      autoWithdraw: true,
    });
    const challenger = new Challenger(
      "challenger",
      d,
      await TxSender.of(signers[4], d.interfaces),
      model,
      countingLog(log, chMetrics, "challenger"),
    );
    const bond = d.options.claimBond;
    const policy: StakePolicy = { claims: 2, onSlash: "topup", topupCap: bond };
    const keeper = new StakeKeeper([cheater], policy, opLog);
    const server = await serveMetrics(0, () => opMetrics.render(), "127.0.0.1");
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      return parseMetrics(await res.text());
    };
    try {
      await keeper.tick(); // the first stake: 2 bonds, not a top-up
      expect(await d.staking.bondedOf(opSigner.address)).to.equal(2n * bond);
      await request("3e800000");
      const operatorPass = async () => {
        await keeper.tick();
        await cheater.tick();
        await collectGauges(opMetrics, d, [cheater]);
      };
      await operatorPass();
      await challenger.tick();
      const gameId = await d.game.gameOf(1n, challenger.address);
      expect(gameId).to.not.equal(0n);
      let midGame: Map<string, number> | null = null;
      await playOut(d, gameId, [{ tick: operatorPass }, challenger], async () => {
        midGame = await scrape();
      });
      // Scraped while the game ran: one open game, both clocks, the stake (one bond locked, still bonded).
      const mid = midGame!;
      expect(mid.get("referee_games_open"), [...mid].join("\n")).to.equal(1);
      expect(mid.get("referee_claims_made_total")).to.equal(1);
      const clocks = [...mid].filter(([k]) => k.startsWith(`referee_game_clock_seconds_left{game="${gameId}"`));
      expect(clocks.map(([k]) => /side="(\w+)"/.exec(k)![1]).sort()).to.deep.equal(["ours", "theirs"]);
      for (const [, v] of clocks) expect(v).to.be.within(1, Number(d.options.clockSeconds));
      expect(mid.get("referee_stake_bonded")).to.equal(Number(2n * bond));
      expect(mid.get("referee_token_balance")).to.equal(Number(await d.token.balanceOf(opSigner.address)) + 0);
      expect(mid.get("referee_eth_balance_wei")).to.be.greaterThan(0);

      expect((await d.game.getGame(gameId)).status).to.equal(GameStatus.ChallengerWon);
      expect(await d.coordinator.claimStatus(1n)).to.equal(ClaimStatus.Rejected);
      // The pass after the slash: logged with the decision, and the stake back at 2 bonds.
      await operatorPass();
      const slashLine = lines.find((l) => l.startsWith("claim #1 slashed"));
      expect(slashLine, lines.join("\n")).to.equal(
        `claim #1 slashed −${reft(bond)}; stake ${reft(bond)}; topping up to ${reft(2n * bond)} (cap ${reft(bond)})`,
      );
      expect(await d.staking.bondedOf(opSigner.address)).to.equal(2n * bond);
      expect(keeper.toppedUp).to.equal(bond);
      const after = await scrape();
      expect(after.get("referee_claims_slashed_total")).to.equal(1);
      expect(after.get("referee_games_lost_total")).to.equal(1);
      expect(after.get("referee_games_won_total")).to.equal(0);
      expect(after.get("referee_games_open")).to.equal(0);
      await challenger.tick(); // sees its game over
      expect(chMetrics.get("referee_games_won_total")).to.equal(1);
      expect(chMetrics.get("referee_games_opened_total")).to.equal(1);

      // A second slash: topping up again would pass the cap, so the operator stops serving.
      await request("3e400000");
      await operatorPass();
      await challenger.tick();
      const second = await d.game.gameOf((await d.coordinator.getRequest(2n)).claimId, challenger.address);
      await playOut(d, second, [{ tick: operatorPass }, challenger]);
      await operatorPass();
      expect(lines.join("\n")).to.match(/operator stops serving new requests: top-up cap reached: .* over --topup-cap/);
      expect(keeper.stopped).to.match(/^top-up cap reached/);
      expect(cheater.acceptingRequests).to.equal(false);
      const third = await request("3e000000");
      await operatorPass();
      expect((await d.coordinator.getRequest(third)).status, "not served once stopped").to.equal(RequestStatus.Open);
      expect(keeper.drained, "nothing left owed").to.equal(true);
    } finally {
      await server.close();
    }
  });

  it("--on-slash stop: the slash is logged, no new request is served, and the account drains", async () => {
    const { d, lines, log, request } = await world();
    const cheater = new Operator("operator", d, await TxSender.of(signers[3], d.interfaces), model, log, {
      cheatOutput: 1,
    });
    const challenger = new Challenger("challenger", d, await TxSender.of(signers[4], d.interfaces), model, log);
    const keeper = new StakeKeeper([cheater], { claims: 1, onSlash: "stop", topupCap: null }, log);
    const pass = async () => {
      await keeper.tick();
      await cheater.tick();
    };
    await pass();
    await request("3e800000");
    await pass();
    await challenger.tick();
    const gameId = await d.game.gameOf(1n, challenger.address);
    expect(keeper.drained).to.equal(false);
    await playOut(d, gameId, [{ tick: pass }, challenger]);
    await pass();
    expect(lines, lines.join("\n")).to.include(
      `claim #1 slashed −0.000000000000001 REFT (1000 units); stake 0 REFT; --on-slash stop: no new claims (open games are still defended)`,
    );
    expect(keeper.stopped).to.match(/--on-slash is stop/);
    const next = await request("3e000000");
    await pass();
    expect((await d.coordinator.getRequest(next)).status).to.equal(RequestStatus.Open);
    expect(await d.staking.bondedOf(signers[3].address), "no top-up").to.equal(0n);
    expect(keeper.drained).to.equal(true);
  });

  it("--min-fee: a request below it is ignored, logged once; one at it is served", async () => {
    const { d, lines, log, request } = await world();
    const quote = await d.coordinator.quoteFee(model.modelId, 0);
    const op = new Operator("operator", d, await TxSender.of(signers[3], d.interfaces), model, log, {
      minFee: quote + 10n,
    } satisfies OperatorOptions);
    await op.ensureStake(2);
    const cheap = await request("3e800000", model, quote);
    const fair = await request("3e400000", model, quote + 10n);
    await op.tick();
    await op.tick();
    expect((await d.coordinator.getRequest(cheap)).status).to.equal(RequestStatus.Open);
    expect((await d.coordinator.getRequest(fair)).status).to.equal(RequestStatus.Claimed);
    const ignored = lines.filter((l) => l.startsWith(`operator ignores request #${cheap}`));
    expect(ignored).to.deep.equal([
      `operator ignores request #${cheap}: fee ${reft(quote)} < --min-fee ${reft(quote + 10n)}`,
    ]);
  });

  it("one account serves two models: each operator claims and finalizes its own, defends only its own games", async () => {
    const other = new ModelRun(compileModel(readFileSync(TOKEN_MLP), {}));
    const { d, lines, log, request } = await world([model, other]);
    const sender = await TxSender.of(signers[3], d.interfaces);
    const a = new Operator("operator", d, sender, model, log, { autoWithdraw: true });
    const b = new Operator("operator", d, sender, other, log, { autoWithdraw: true, cheatOutput: 1 });
    for (const op of [a, b]) op.sharedAccount = true;
    const keeper = new StakeKeeper([a, b], { claims: 3, onSlash: "topup", topupCap: null }, log);
    const pass = async () => {
      await keeper.tick();
      await a.tick();
      await b.tick();
    };
    await pass();
    const r1 = await request("3e800000", model);
    const r2 = await request("00000000", other);
    await pass();
    expect((await d.coordinator.getRequest(r1)).status).to.equal(RequestStatus.Claimed);
    expect((await d.coordinator.getRequest(r2)).status).to.equal(RequestStatus.Claimed);
    for (const r of [r1, r2])
      expect((await d.coordinator.getClaim((await d.coordinator.getRequest(r)).claimId)).operator).to.equal(
        signers[3].address,
      );
    // A challenger of the second model disputes b's wrong claim: only b sees the game as its own.
    const challenger = new Challenger("challenger", d, await TxSender.of(signers[4], d.interfaces), other, log);
    await challenger.tick();
    const gameId = await d.game.gameOf((await d.coordinator.getRequest(r2)).claimId, challenger.address);
    expect(gameId).to.not.equal(0n);
    expect((await a.openGames()).map((g) => g.id)).to.deep.equal([]);
    expect((await b.openGames()).map((g) => g.id)).to.deep.equal([gameId]);
    // The first model's claim is finalized by its own operator once its window closes.
    await time.increase(d.options.challengeWindow + 1);
    await pass();
    expect((await d.coordinator.getRequest(r1)).status).to.equal(RequestStatus.Finalized);
    expect(
      lines.filter((l) => /failed|lost a race|refused/.test(l)),
      lines.join("\n"),
    ).to.deep.equal([]);
  });

  it("a model whose output no claim can carry is refused at start, naming the model and the sizes", () => {
    const fits = 32 * Number((TX_GAS_CAP - claimGasBound(0)) / 1_600n);
    expect(() => refuseUnclaimable("big.onnx", 4 * 104_500)).to.throw(
      RefereeError,
      new RegExp(
        `^model big\\.onnx cannot be served: its output is 418000 bytes, a claim of it needs up to ${claimGasBound(418_000)} gas, over the 16777216 gas cap of one transaction \\(EIP-7825\\); outputs up to ${fits} bytes fit$`,
      ),
    );
    expect(() => refuseUnclaimable("fits.onnx", fits)).to.not.throw();
    expect(() => refuseUnclaimable("over.onnx", fits + 1)).to.throw(RefereeError);
  });

  it("failed JSON-RPC transports are counted", async () => {
    const m = new Metrics();
    const provider = new JsonRpcProvider("http://127.0.0.1:9", 31337, { staticNetwork: true });
    countRpcErrors(provider, m);
    await provider.getBlockNumber().catch(() => undefined);
    expect(m.get("referee_rpc_errors_total")).to.be.greaterThanOrEqual(1);
    provider.destroy();
  });
});
