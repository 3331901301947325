// The watching tools against a real `hardhat node`: an honest operator, a cheating operator and
// a challenger (in-process agents over JSON-RPC) play a dispute on hello_deepa while
// `referee claims`, `games` and `account` read it, and a `referee explorer` process serves
// the page that headless Chromium loads mid-game and watches until the challenger wins. The
// stages run in order, each on the chain the previous one left.
import { expect } from "chai";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { HDNodeWallet, JsonRpcProvider, MaxUint256, Network, ZeroAddress, formatUnits } from "ethers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { Challenger } from "../node/agents/challenger";
import { ModelRun } from "../node/agents/model-run";
import { Operator } from "../node/agents/operator";
import { connectDeployment, deployReferee, recordOf, writeDeployment, type Deployment } from "../node/chain/deploy";
import { TxSender } from "../node/chain/sender";
import { ClaimStatus, GameStatus, RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { Proc, freePort, startHardhatNode, startReferee, waitUntil } from "../scripts/lib/processes";
import { referee } from "./helpers/cli";
import { parseArgs } from "../node/cli/args";
import { ACCOUNT_SPEC } from "../node/cli/chain-specs";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = path.join(__dirname, "..", "docs", "explorer.png");
const WINDOW = 600;
const CHEAT_AT = 40_000;

describe("watching tools: help and arguments", () => {
  it("referee --help lists claims, games, account and explorer; each has --help", async () => {
    const top = await referee("--help");
    for (const c of ["claims", "games", "account", "explorer"]) {
      expect(top.stdout).to.match(new RegExp(`^  referee ${c} +\\S`, "m"));
      const h = await referee(c, "--help");
      expect(h.code, c).to.equal(0);
      expect(h.stdout).to.match(new RegExp(`^usage: referee ${c} `));
    }
    expect((await referee("account", "--help")).stdout).to.match(/^usage: referee account \[address\] \[options\]/);
  });

  it("account's address is optional, and one only", () => {
    expect(parseArgs(ACCOUNT_SPEC, []).positionals).to.deep.equal([]);
    expect(parseArgs(ACCOUNT_SPEC, ["0xab"]).positionals).to.deep.equal(["0xab"]);
    expect(() => parseArgs(ACCOUNT_SPEC, ["0xab", "0xcd"])).to.throw("unexpected argument '0xcd' for 'account'");
  });
});

describe("watching tools: referee claims, games, account and the explorer on hardhat node", function () {
  this.timeout(600_000);
  let node: Proc;
  let explorerProc: Proc | null = null;
  let url: string;
  let dir: string;
  let provider: JsonRpcProvider;
  let d: Deployment;
  let model: ModelRun;
  let honest: Operator;
  let cheater: Operator;
  let challenger: Challenger;
  const wallet = (i: number) =>
    HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
  const chainArgs = () => ["--rpc", url, "--deployments", dir];
  const quiet = () => undefined;

  before(async () => {
    await initHasher();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startHardhatNode(port);
    dir = mkdtempSync(path.join(tmpdir(), "referee-watch-"));
    provider = new JsonRpcProvider(url, Network.from(31337), { staticNetwork: true, cacheTimeout: -1 });
    const deployed = await deployReferee(wallet(0), wallet(1).address, { challengeWindow: WINDOW });
    writeDeployment(dir, await recordOf(deployed, "localhost", 31337));
    d = deployed;
    model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    await (await d.registry.register(model.parts, "hello_deepa", "file:hello_deepa.onnx")).wait();
    // The agents read through a deployment attached to the provider, as the CLI's do.
    const agentsD = connectDeployment(await recordOf(deployed, "localhost", 31337), provider);
    const sender = (i: number) => TxSender.of(wallet(i), agentsD.interfaces);
    honest = new Operator("honest", agentsD, await sender(3), model, quiet);
    cheater = new Operator("cheater", agentsD, await sender(4), model, quiet, { cheatAt: CHEAT_AT, cheatOutput: 1 });
    challenger = new Challenger("challenger", agentsD, await sender(5), model, quiet);
    for (const i of [2, 3, 4, 5]) await (await d.token.mint(wallet(i).address, 1_000_000n)).wait();
    await (await d.token.connect(wallet(2)).approve(d.coordinator, MaxUint256)).wait();
    await honest.stake(d.options.claimBond * 3n);
    await cheater.stake(d.options.claimBond * 3n);
  });

  after(async () => {
    await explorerProc?.kill();
    await node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chainTime = async () => (await provider.getBlock("latest"))!.timestamp;
  const warp = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };
  /** A request for hello_deepa from account 2; resolves to its id. */
  const request = async (seed: number): Promise<bigint> => {
    const n = model.model.program.inputs.reduce((a, i) => a + i.dims.reduce((x, y) => x * y, 1), 0);
    const word = (0x3e000000 + seed * 4096).toString(16).padStart(8, "0");
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    const c = d.coordinator.connect(wallet(2));
    await (
      await c.request(model.modelId, "0x" + word.repeat(n), fee, ZeroAddress, 0, (await chainTime()) + 3600)
    ).wait();
    return d.coordinator.requestCount();
  };
  let gameId = 0n;
  /** The cheater's and the challenger's passes until `done` holds for the game. */
  const play = async (done: (g: Awaited<ReturnType<Deployment["game"]["getGame"]>>) => boolean) => {
    for (let pass = 0; !done(await d.game.getGame(gameId)); pass++) {
      if (pass > 100) throw new Error("the game does not progress");
      await cheater.tick();
      if (done(await d.game.getGame(gameId))) break;
      await challenger.tick();
    }
  };
  let disputeDone = false;
  /** The game to its end, then the reopened request served honestly (claim #3, pending). */
  const finishDispute = async () => {
    if (disputeDone) return;
    await play((g) => g.status >= GameStatus.ChallengerWon);
    await honest.tick();
    disputeDone = true;
  };

  it("referee claims: the pending claim, its operator, bond, time left and when it is final", async () => {
    const r1 = await request(1);
    await honest.tick();
    await challenger.tick(); // re-executes claim #1 and agrees: no game
    const claim = await d.coordinator.getClaim((await d.coordinator.getRequest(r1)).claimId);
    const now = await chainTime();

    const json = await referee("claims", ...chainArgs(), "--json");
    expect(json.code, json.stderr).to.equal(0);
    const v = JSON.parse(json.stdout);
    expect(v.timestamp).to.equal(now);
    expect(v.claims).to.have.length(1);
    const c = v.claims[0];
    expect(c).to.include({
      claimId: "1",
      requestId: String(r1),
      modelName: "hello_deepa",
      operator: honest.address,
      bond: String(d.options.claimBond),
      status: "Pending",
      openGames: 0,
    });
    expect(c.secondsLeft).to.equal(Number(claim.challengeDeadline) - now);
    expect(c.secondsLeft).to.be.within(1, WINDOW);
    expect(c.finalAt).to.equal(new Date(Number(claim.challengeDeadline) * 1000).toISOString());

    const text = await referee("claims", ...chainArgs());
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^1 pending claim at block \d+ \(chain time /);
    const row = text.stdout.split("\n").find((l) => l.trimStart().startsWith("#1"))!;
    expect(row).to.contain(`#${r1}`).and.contain("hello_deepa").and.contain(honest.address);
    expect(row)
      .to.contain(`${c.finalAt}`)
      .and.match(/\d+m \d\ds left/);

    // The window closes; the honest claim finalizes and leaves the list.
    await warp(WINDOW);
    await honest.tick();
    expect((await d.coordinator.getRequest(r1)).status).to.equal(RequestStatus.Finalized);
    expect((await referee("claims", ...chainArgs())).stdout).to.match(/^no pending claims at block \d+/);
  });

  it("referee games: the open game, its round and range, whose move and both clocks", async () => {
    const r2 = await request(2);
    await cheater.tick();
    await challenger.tick();
    const claimId = (await d.coordinator.getRequest(r2)).claimId;
    gameId = await d.game.gameOf(claimId, challenger.address);
    expect(gameId, "the challenger opened a game").to.not.equal(0n);
    // Into the dissection, stopped on the challenger's move.
    await play((g) => g.round >= 2n && g.status === GameStatus.AwaitingChoice);
    const g = await d.game.getGame(gameId);
    const [claimerLeft, challengerLeft] = await d.game.secondsLeft(gameId);

    const json = await referee("games", ...chainArgs(), "--json");
    expect(json.code, json.stderr).to.equal(0);
    const v = JSON.parse(json.stdout);
    expect(v.games).to.have.length(1);
    expect(v.games[0]).to.deep.include({
      gameId: String(gameId),
      claimId: String(claimId),
      claimer: cheater.address,
      challenger: challenger.address,
      status: "AwaitingChoice",
      mover: "challenger",
      round: Number(g.round),
      lo: Number(g.lo),
      hi: Number(g.hi),
      steps: Number(model.parts.steps),
      clocks: { claimer: Number(claimerLeft), challenger: Number(challengerLeft) },
    });
    expect(v.games[0].clocks.claimer).to.be.within(1, 3600);

    const text = (await referee("games", ...chainArgs())).stdout;
    expect(text).to.match(/^1 open game at block/);
    expect(text).to.contain(
      `game #${gameId} on claim #${claimId}: AwaitingChoice, round ${g.round}, steps [${g.lo}, ${g.hi}] of ${model.parts.steps}`,
    );
    const line = (who: string) => text.split("\n").find((l) => l.trimStart().startsWith(who))!;
    expect(line("challenger")).to.contain(challenger.address).and.contain("← to move");
    expect(line("claimer")).to.contain(cheater.address).and.not.contain("to move");

    // The disputed claim is pending, its window shown as the dispute.
    const claims = JSON.parse((await referee("claims", ...chainArgs(), "--json")).stdout);
    expect(claims.claims[0]).to.include({ claimId: String(claimId), openGames: 1, secondsLeft: null, finalAt: null });
  });

  it("the explorer page, loaded mid-game in headless Chromium, follows the dispute to the proven step", async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI installs Debian's chromium (.ci/run)`);
      console.warn(
        `\n  !!! SKIPPED: ${CHROMIUM} not found; install Debian's chromium to run the explorer's browser test\n`,
      );
      await finishDispute();
      this.skip();
    }
    // The explorer as users start it: its own `referee` process, against the node.
    explorerProc = startReferee("explorer", ["explorer", "--port", "0", "--poll", "300", ...chainArgs()], {});
    let pageUrl = "";
    await waitUntil(
      async () => {
        if (!explorerProc!.running) throw new Error(`referee explorer exited\n${explorerProc!.tail()}`);
        pageUrl = /referee explorer: (\S+)/.exec(explorerProc!.lines.join("\n"))?.[1] ?? "";
        return pageUrl !== "";
      },
      60_000,
      "the explorer to listen",
    );
    // The JSON API: the same readers as the CLI; unknown games and files are 404s.
    const api = async (p: string) => {
      const res = await fetch(new URL(p, pageUrl));
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const games = await api("/api/games");
    expect(games.status).to.equal(200);
    expect(games.body.games).to.have.length(1);
    expect(await api("/api/games/99")).to.deep.equal({
      status: 404,
      body: { error: "no game #99 in this deployment" },
    });
    expect((await fetch(new URL("/../package.json", pageUrl))).status).to.equal(404);
    const puppeteer = await import("puppeteer-core");
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--headless=new"],
      defaultViewport: { width: 1280, height: 900 },
    });
    try {
      const page = await browser.newPage();
      await page.goto(pageUrl);
      const section = "#game";
      // Mid-game: the live game is drawn, the challenger to move.
      await page.waitForFunction(`document.querySelector("#game").hasAttribute("data-game-id")`, { timeout: 30_000 });
      const live = await d.game.getGame(gameId);
      expect(await page.$eval("#game-summary", (e) => e.textContent)).to.contain(
        `AwaitingChoice: challenger to move; steps [${live.lo}, ${live.hi}]`,
      );
      // Rounds answered so far, and the claimer's latest dissection awaiting the choice.
      expect(await page.$eval(section, (e) => e.getAttribute("data-rounds"))).to.equal(String(live.round + 1n));
      expect(await page.$$eval("#dissection rect.chosen", (r) => r.length)).to.equal(Number(live.round));

      // The dispute plays out; the page, polling, follows it to the end.
      await finishDispute();
      await page.waitForFunction(`document.querySelector("#game").dataset.winner === "challenger"`, {
        timeout: 30_000,
      });
      await page.waitForFunction(`document.querySelector('tr[data-claim-id="3"]') !== null`, { timeout: 30_000 });
      const g = await d.game.getGame(gameId);
      expect(g.status).to.equal(GameStatus.ChallengerWon);

      const cells = (selector: string) => page.$$eval(`${selector} td`, (tds) => tds.map((td) => td.textContent ?? ""));
      const req2 = await cells('tr[data-request-id="2"]');
      expect(req2[0]).to.equal("#2");
      expect(req2[1]).to.equal("hello_deepa");
      expect(req2[4]).to.equal("Claimed");
      expect(req2[5]).to.equal("#2, #3");
      expect((await cells('tr[data-request-id="1"]'))[4]).to.equal("Finalized");
      expect((await cells('tr[data-claim-id="1"]'))[4]).to.equal("Finalized");
      const claim2 = await cells('tr[data-claim-id="2"]');
      expect(claim2[4]).to.equal("Rejected");
      expect(claim2[6]).to.equal(`#${gameId}`);
      const claim3 = await cells('tr[data-claim-id="3"]');
      expect(claim3[4]).to.equal("Pending");
      expect(claim3[5]).to.match(/^\d+m \d\ds left, final at \d{4}-/);
      const game = await cells(`tr[data-game-id="${gameId}"]`);
      expect(game[4]).to.equal("ChallengerWon");
      expect(game[5]).to.equal(String(g.round));

      // The drawing: one row per round, each narrower than the last, down to the proven step.
      expect(await page.$eval(section, (e) => e.getAttribute("data-rounds"))).to.equal(String(g.round));
      expect(await page.$eval(section, (e) => e.getAttribute("data-proven-step"))).to.equal(String(g.lo));
      expect(await page.$$eval("#dissection rect.range", (r) => r.length)).to.equal(Number(g.round));
      expect(await page.$$eval("#dissection rect.chosen", (r) => r.length)).to.equal(Number(g.round));
      expect(await page.$eval("#proven-step", (e) => e.getAttribute("data-step"))).to.equal(String(g.lo));
      expect(await page.$eval("#winner", (e) => e.textContent)).to.equal("Challenger won (ChallengerWon)");
      expect(await page.$eval("#game-summary", (e) => e.textContent)).to.equal(
        `Challenger won after ${g.round} rounds: step ${g.lo} proven on-chain.`,
      );
      expect(await page.$eval("#game-parties", (e) => e.textContent)).to.contain(
        `dissected into ${d.options.degree} parts per round`,
      );
      const labels = await page.$$eval("#dissection text", (t) => t.map((x) => x.textContent ?? ""));
      expect(labels).to.include(`step ${g.lo} → ${g.lo + 1n} executed on-chain: differs from the claimer`);
      expect(labels, "the first round spans the whole run").to.include("0").and.include(String(model.parts.steps));
      // One step, where the cheater's run first differs: not before the step it corrupts from.
      expect(g.hi - g.lo).to.equal(1n);
      expect(Number(g.lo)).to.be.at.least(CHEAT_AT);

      const shot = path.join(tmpdir(), `referee-explorer-${process.pid}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString("latin1")).to.equal("PNG");
      expect(png.readUInt32BE(16), "screenshot width").to.equal(1280);
      expect(statSync(shot).size).to.be.greaterThan(20_000);
      if (process.env.UPDATE_SCREENSHOT === "1") copyFileSync(shot, SCREENSHOT);
      rmSync(shot);
    } finally {
      await browser.close();
    }
  });

  it("referee account: balances, the cheater's slashed stake, payouts waiting to be withdrawn", async () => {
    await finishDispute();
    const claim2 = await d.coordinator.getClaim(2n);
    expect(claim2.status).to.equal(ClaimStatus.Rejected);

    const cheat = JSON.parse((await referee("account", cheater.address, ...chainArgs(), "--json")).stdout);
    expect(cheat.address).to.equal(cheater.address);
    expect(cheat.token).to.include({ symbol: "REFT", decimals: 18 });
    expect(cheat.token.balance).to.equal(String(await d.token.balanceOf(cheater.address)));
    expect(BigInt(cheat.eth)).to.equal(await provider.getBalance(cheater.address));
    expect(cheat.stakes).to.have.length(1);
    expect(cheat.stakes[0]).to.include({
      contract: await d.staking.getAddress(),
      bonded: String(d.options.claimBond * 2n), // 3 bonds staked, one slashed
      locked: "0",
      free: String(d.options.claimBond * 2n),
      unbonding: "0",
    });

    // The challenger's bond and reward are credited by the game (agents here do not auto-withdraw).
    const chal = JSON.parse((await referee("account", "--account", "5", ...chainArgs(), "--json")).stdout);
    expect(chal.address).to.equal(challenger.address);
    expect(chal.payouts.game).to.equal(String(d.options.challengerBond + d.options.challengerReward));
    const owed = await d.coordinator.payoutOf(honest.address);
    expect(owed, "the honest operator's fee for request #1").to.be.greaterThan(0n);

    const text = (await referee("account", honest.address, ...chainArgs())).stdout;
    expect(text).to.match(new RegExp(`^account ${honest.address} at block \\d+`));
    const line = (label: string) => text.split("\n").find((l) => l.trimStart().startsWith(label))!;
    expect(line("ETH")).to.match(/^ {2}ETH +\d+\.\d+ ETH$/);
    expect(line("token")).to.contain("REFT");
    expect(line("stake")).to.contain(`locked ${formatUnits(d.options.claimBond, 18)} REFT`); // claim #3's bond
    expect(line("payouts")).to.contain(`coordinator ${formatUnits(owed, 18)} REFT (fees, refunds)`);
    expect(line("payouts")).to.contain("referee withdraw");

    const bad = await referee("account", "0x1234", ...chainArgs());
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal("referee: error: referee account expects an address, got '0x1234'\n");
  });

  it("referee explorer: a port out of range or in use is one line, exit 2", async () => {
    const bad = await referee("explorer", "--port", "70000", ...chainArgs());
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.equal("referee: error: --port expects a TCP port (0 to 65535), got 70000\n");
    const nodePort = url.split(":")[2];
    const busy = await referee("explorer", "--port", nodePort, ...chainArgs());
    expect(busy.code).to.equal(2);
    expect(busy.stderr).to.equal(
      `referee: error: port ${nodePort} is in use: pick another with --port (0 picks a free one)\n`,
    );
  });
});
