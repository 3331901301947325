// The protocol as operators, challengers and dApp developers run it: `hardhat node` and a
// `referee` process per role, talking JSON-RPC only. The challenger process is killed with
// SIGKILL in the middle of its game, started again (and cut off from its RPC for 3 s), resumes
// from chain state and still wins;
// the request is then served by an honest operator process and becomes final.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { HDNodeWallet, JsonRpcProvider, keccak256 } from "ethers";
import { MockConsumer__factory } from "../typechain-types";
import { connectDeployment, readDeployment } from "../node/chain/deploy";
import { f32Bytes } from "../node/chain/encoding";
import { GameStatus, RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { ModelRun } from "../node/agents/model-run";
import { randomInputs } from "../node/io/random";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { decodeOutputs } from "../node/cli/request-status";
import { HELLO_DEEPA, OCR_CLS } from "./helpers/models";
import { main } from "../node/cli/main";
import { FlakyProxy } from "./helpers/flaky-proxy";
import { Proc, freePort, runReferee, startHardhatNode, startReferee, waitUntil } from "../scripts/lib/processes";

const GAME_LIVE = [
  GameStatus.AwaitingReveal,
  GameStatus.AwaitingDissection,
  GameStatus.AwaitingChoice,
  GameStatus.AwaitingStep,
] as bigint[];
const CHALLENGER_WON = GameStatus.ChallengerWon;
const REQUEST_CLAIMED = RequestStatus.Claimed;
const REQUEST_FINALIZED = RequestStatus.Finalized;
const WINDOW = 120;

describe("multi-process: hardhat node + operator, challenger and requester processes over JSON-RPC", function () {
  this.timeout(600_000);
  const procs: Proc[] = [];
  let proxy: FlakyProxy | null = null;
  let node: Proc;
  let url: string;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    await initHasher();
    url = `http://127.0.0.1:${await freePort()}`;
    node = await startHardhatNode(Number(url.split(":")[2]));
    dir = mkdtempSync(path.join(tmpdir(), "referee-deployments-"));
    env = { REFEREE_RPC_URL: url };
  });

  after(async () => {
    for (const p of procs) await p.kill();
    await proxy?.close();
    if (node) await node.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const chainArgs = () => ["--deployments", dir];
  const agent = (label: string, args: string[]) => {
    const p = startReferee(label, [...args, ...chainArgs(), "--json"], env);
    procs.push(p);
    return p;
  };

  /** The CLI's main() in this process (fast), against the test node, with `key` as REFEREE_PRIVATE_KEY. */
  const cli = async (env: Record<string, string | undefined>, ...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const saved = { key: process.env.REFEREE_PRIVATE_KEY, rpc: process.env.REFEREE_RPC_URL };
    process.env.REFEREE_PRIVATE_KEY = env.key;
    if (env.key === undefined) delete process.env.REFEREE_PRIVATE_KEY;
    process.env.REFEREE_RPC_URL = url;
    try {
      const code = await main(args, {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t), isTTY: false },
      });
      return { code, stdout, stderr };
    } finally {
      for (const [k, v] of [
        ["REFEREE_PRIVATE_KEY", saved.key],
        ["REFEREE_RPC_URL", saved.rpc],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  it("a challenger killed mid-dispute resumes and wins; the request is re-served honestly and final", async () => {
    // Deploy and register through the CLI, as an operator of the protocol would.
    await runReferee(
      "deploy",
      ["deploy", "--account", "0", "--challenge-window", String(WINDOW), ...chainArgs(), "--json"],
      env,
    );
    const registered = await runReferee(
      "register",
      ["register", HELLO_DEEPA, "--account", "0", ...chainArgs(), "--json"],
      env,
    );
    const modelId = JSON.parse(registered.lines[registered.lines.length - 1]).modelId as string;
    for (const account of ["3", "4", "5", "6"])
      await runReferee(`faucet ${account}`, ["faucet", "--account", account, ...chainArgs()], env);

    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const record = readDeployment(dir, "localhost");
    const d = connectDeployment(record, provider);
    const challengerAddress = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").address;
    const honestAddress = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/6").address;

    // The challenger polls slowly (1 s) so that the test can catch the game mid-way.
    let challenger = agent("challenger", ["challenger", HELLO_DEEPA, "--account", "5", "--poll", "1000"]);
    const cheater = agent("cheating operator", [
      "operator",
      HELLO_DEEPA,
      "--account",
      "4",
      "--cheat-at",
      "40000",
      "--poll",
      "300",
    ]);
    await challenger.waitForEvent((e) => e.event === "started", 60_000, "the challenger to start");
    await cheater.waitForEvent((e) => e.event === "started", 60_000, "the cheater to start");

    // The dApp developer's requester waits for the verified output (it prints the id first).
    const requester = startReferee(
      "requester",
      [
        "request",
        HELLO_DEEPA,
        "--random-seed",
        "7",
        "--ttl",
        "86400",
        "--wait",
        "--account",
        "3",
        ...chainArgs(),
        "--json",
      ],
      env,
    );
    procs.push(requester);
    const requestId = BigInt(
      (await requester.waitForEvent((e) => e.event === "sent", 60_000, "the request to be sent")).requestId as string,
    );
    expect((await d.coordinator.getRequest(requestId)).modelId).to.equal(modelId);

    // The cheater claims; the challenger opens a game against it.
    const opened = await challenger.waitForEvent(
      (e) => e.event === "game-opened",
      60_000,
      "the challenger to open a game",
    );
    const gameId = BigInt(opened.gameId as string);
    const claimId = BigInt(opened.claimId as string);

    // Kill the challenger once the game is at round 2 or later and still running.
    await waitUntil(async () => (await d.game.getGame(gameId)).round >= 2n, 60_000, "round 2\n" + challenger.tail());
    await challenger.kill("SIGKILL");
    const atKill = await d.game.getGame(gameId);
    expect(GAME_LIVE, `the game is still running when the challenger dies (status ${atKill.status})`).to.include(
      atKill.status,
    );

    // Started again: nothing in memory, everything from the chain. Its RPC goes through a proxy
    // that goes down for 3 s once it has resumed: it must ride out the outage and still win.
    proxy = new FlakyProxy(Number(url.split(":")[2]));
    const proxyUrl = `http://127.0.0.1:${await proxy.listen()}`;
    challenger = agent("challenger (restarted)", [
      "challenger",
      HELLO_DEEPA,
      "--account",
      "5",
      "--poll",
      "300",
      "--rpc",
      proxyUrl,
    ]);
    await challenger.waitForEvent((e) => e.event === "resumed", 60_000, "the restarted challenger to resume");
    proxy.cut();
    await new Promise((r) => setTimeout(r, 3_000));
    proxy.restore();
    expect(proxy.dropped, "the outage cut or refused the challenger's connections").to.be.greaterThan(0);
    await waitUntil(
      async () => (await d.game.getGame(gameId)).status === CHALLENGER_WON,
      120_000,
      "the restarted challenger to win\n" + challenger.tail() + "\n" + cheater.tail(),
    );
    const g = await d.game.getGame(gameId);
    // The chain says won; the process's log line of the proof may still be on its way.
    await challenger.waitForEvent(
      (e) => e.event === "stepped" && e.gameId === String(gameId),
      30_000,
      "the restarted challenger's one-step proof",
    );
    const resumed = challenger.events();
    expect(
      resumed.some((e) => e.event === "resumed" && e.gameId === String(gameId)),
      "the restarted challenger says it resumed the game",
    ).to.equal(true);
    expect(
      resumed.filter((e) => e.event === "game-opened" && e.claimId === String(claimId)),
      "no second game on the same claim",
    ).to.have.length(0);
    expect(await d.game.gameOf(claimId, challengerAddress)).to.equal(gameId);
    // Never acted twice: one choice per round on chain; the restarted process chose only in
    // rounds after the kill, each once, and no transaction of it was refused.
    const chosen = await d.game.queryFilter(d.game.filters.SubrangeChosen(gameId), record.fromBlock);
    expect(chosen.map((e) => Number(e.args.round))).to.deep.equal(Array.from({ length: Number(g.round) }, (_, i) => i)); // 0-based in the event
    const roundsAfter = resumed
      .filter((e) => e.event === "chose" && e.gameId === String(gameId))
      .map((e) => e.round as number);
    expect(new Set(roundsAfter).size).to.equal(roundsAfter.length);
    expect(
      roundsAfter.every((r) => r > Number(atKill.round)),
      `restarted challenger chose in rounds ${roundsAfter}, killed at round ${atKill.round}`,
    ).to.equal(true);
    // Failed passes during the outage are allowed; a refused transaction (a move made twice) is not.
    expect(
      resumed.filter(
        (e) => e.event === "error" && !/ECONN|network|fetch|socket|timeout|other side closed/i.test(String(e.error)),
      ),
      "no refused transaction",
    ).to.deep.equal([]);
    await challenger.waitForEvent(
      (e) => e.event === "withdrew",
      30_000,
      "the challenger to withdraw its bond and reward",
    );
    expect(await d.game.payoutOf(challengerAddress)).to.equal(0n);
    expect((await d.coordinator.getClaim(claimId)).status, "the cheater's claim is rejected").to.equal(2n);

    // The cheater sees the reopened request, reruns it, and does not claim the result a game
    // just proved wrong; then it stops (SIGTERM: it finishes its pass and exits 0).
    await cheater.waitForEvent(
      (e) => e.event === "declined" && e.requestId === String(requestId),
      30_000,
      "the cheater to decline the reopened request",
    );
    expect(await cheater.kill("SIGTERM")).to.equal(0);
    expect((await d.coordinator.getRequest(requestId)).status, "still open for an honest operator").to.equal(1n);
    // An honest operator serves the reopened request.
    const honest = agent("operator", ["operator", HELLO_DEEPA, "--account", "6", "--poll", "300"]);
    await waitUntil(
      async () => {
        const r = await d.coordinator.getRequest(requestId);
        return r.status === REQUEST_CLAIMED && (await d.coordinator.getClaim(r.claimId)).operator === honestAddress;
      },
      120_000,
      "the honest operator's claim\n" + honest.tail() + "\n" + challenger.tail(),
    );
    const honestClaim = (await d.coordinator.getRequest(requestId)).claimId;
    await challenger.waitForEvent(
      (e) => e.event === "checked" && e.claimId === String(honestClaim) && e.match === true,
      60_000,
      "the challenger to agree",
    );

    // Time passes on the chain; the operator finalizes in its loop and withdraws its fee.
    await provider.send("evm_increaseTime", [WINDOW + 1]);
    await provider.send("evm_mine", []);
    await waitUntil(
      async () => (await d.coordinator.getRequest(requestId)).status === REQUEST_FINALIZED,
      60_000,
      "finalization\n" + honest.tail(),
    );
    await honest.waitForEvent((e) => e.event === "withdrew", 30_000, "the operator to withdraw its fee");

    // The dApp developer's view: the waiting requester's last line and `referee status` agree,
    // and the output is checked against this process's own run.
    expect(await requester.exited, "the waiting requester exits 0 once the request is final").to.equal(0);
    const final = requester.events().find((e) => e.event === "final");
    const status = await runReferee("status", ["status", String(requestId), ...chainArgs(), "--json"], env);
    const view = JSON.parse(status.lines[status.lines.length - 1]);
    expect(final?.outputs).to.deep.equal(view.outputs);
    expect(final?.status).to.equal("Finalized");
    expect(view.status).to.equal("Finalized");
    const claimStatuses = view.claims.map((c: { status: string }) => c.status) as string[];
    expect(
      claimStatuses.slice(0, -1).every((st) => st === "Rejected"),
      `every claim before the last was rejected: ${claimStatuses}`,
    ).to.equal(true);
    expect(claimStatuses[claimStatuses.length - 1]).to.equal("Finalized");
    expect(view.claims[0].games[0].status).to.equal("ChallengerWon");
    const model = new ModelRun(compileModel(readFileSync(HELLO_DEEPA), {}));
    const honestRun = model.run(f32Bytes(randomInputs(model.model.program.inputs, 7)));
    expect(await d.coordinator.resultOf(requestId)).to.equal(keccak256(honestRun.output));
    const counts = view.outputs.map((o: number[]) => o.length) as number[];
    expect(view.outputs, "referee status shows the verified output values").to.deep.equal(
      decodeOutputs(honestRun.output, counts),
    );

    for (const p of [challenger, honest])
      expect(await p.kill("SIGTERM"), `${p.label} exits cleanly on SIGTERM`).to.equal(0);

    // The operator leaves: all its stake is free again; it unbonds and withdraws after the delay.
    const bonded = await d.staking.bondedOf(honestAddress);
    expect(await d.staking.lockedOf(honestAddress)).to.equal(0n);
    const balance0 = await d.token.balanceOf(honestAddress);
    await runReferee("unstake", ["unstake", "--account", "6", ...chainArgs()], env);
    expect((await d.staking.unbondingOf(honestAddress))[0]).to.equal(bonded);
    await provider.send("evm_increaseTime", [record.options.unbondingDelay + 1]);
    await provider.send("evm_mine", []);
    await runReferee("unstake --withdraw", ["unstake", "--withdraw", "--account", "6", ...chainArgs()], env);
    expect(await d.token.balanceOf(honestAddress)).to.equal(balance0 + bonded);
    provider.destroy();
  });

  it("chain commands fail with one clear line: no record, no account, bad key, unknown request, named revert, unregistered model, no node", async () => {
    const expectError = (r: { code: number; stdout: string; stderr: string }, code: number, pattern: RegExp) => {
      expect(r.stderr, r.stdout).to.match(pattern);
      expect(r.stderr.trim().split("\n"), "one line").to.have.length(1);
      expect(r.code).to.equal(code);
    };
    expectError(
      await cli({}, "status", "1", "--deployments", path.join(dir, "nowhere")),
      2,
      /^referee: error: no deployment record .*nowhere.*localhost\.json: run referee deploy first/,
    );
    expectError(
      await cli({}, "faucet", ...chainArgs()),
      2,
      /no account: set REFEREE_PRIVATE_KEY \(or, on a dev chain, pass --account i\)/,
    );
    expectError(await cli({ key: "0x1234" }, "faucet", ...chainArgs()), 2, /REFEREE_PRIVATE_KEY is not a private key/);
    expectError(await cli({}, "status", "999", ...chainArgs()), 2, /no request #999 in this deployment/);
    expectError(
      await cli({}, "request", HELLO_DEEPA, "--random-seed", "1", "--ttl", "0", "--account", "3", ...chainArgs()),
      1,
      // Arguments named and times as ISO dates (issue 14), not "(1733221234, 1733221240)".
      /the contract refused: Coordinator_DeadlineInPast\(deadline: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, timestamp: \d{4}-[\d:T-]+Z\)/,
    );
    expectError(
      await cli({}, "operator", OCR_CLS, "--shape", "x=1x3x48x192", "--once", "--account", "7", ...chainArgs()),
      2,
      /is not registered in this deployment: run referee register/,
    );
    expectError(
      await cli({}, "status", "1", "--rpc", "http://127.0.0.1:1", ...chainArgs()),
      1,
      /cannot reach the JSON-RPC node at http:\/\/127\.0\.0\.1:1/,
    );
  });

  it("dApp developer's tools: a failed consumer callback delivered again, an expired request refunded", async () => {
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const record = readDeployment(dir, "localhost");
    const d = connectDeployment(record, provider);
    const deployer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").connect(provider);
    const requesterAddress = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3").address;
    const consumer = await new MockConsumer__factory(deployer).deploy();
    await consumer.waitForDeployment();
    await (await consumer.setMode(1)).wait(); // Revert
    const ok = (r: { code: number; stdout: string; stderr: string }) => {
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      return r.stdout;
    };
    const lastJson = (out: string) => JSON.parse(out.trim().split("\n").pop()!);
    const sent = lastJson(
      ok(
        await cli(
          {},
          "request",
          HELLO_DEEPA,
          "--random-seed",
          "3",
          "--consumer",
          await consumer.getAddress(),
          "--account",
          "3",
          ...chainArgs(),
          "--json",
        ),
      ),
    );
    const id = sent.requestId as string;
    // An operator serves it in two single passes: commit and claim, then (window over) finalize.
    ok(await cli({}, "operator", HELLO_DEEPA, "--once", "--account", "6", ...chainArgs()));
    await provider.send("evm_increaseTime", [WINDOW + 1]);
    await provider.send("evm_mine", []);
    ok(await cli({}, "operator", HELLO_DEEPA, "--once", "--account", "6", ...chainArgs()));
    expect((await d.coordinator.getRequest(BigInt(id))).status).to.equal(REQUEST_FINALIZED);
    expect(lastJson(ok(await cli({}, "status", id, ...chainArgs(), "--json"))).callback).to.equal("Failed");
    await (await consumer.setMode(0)).wait(); // Accept
    expect(
      lastJson(ok(await cli({}, "retry-callback", id, "--account", "3", ...chainArgs(), "--json"))).callback,
    ).to.equal("Delivered");
    expect(await consumer.lastRequestId()).to.equal(BigInt(id));
    expect(keccak256(await consumer.lastOutput()), "the claimed output bytes").to.equal(
      await d.coordinator.resultOf(BigInt(id)),
    );
    const again = await cli({}, "retry-callback", id, "--account", "3", ...chainArgs());
    expect(again.stderr).to.match(/the contract refused: Coordinator_CallbackNotRetryable\(/);

    // Nobody serves this one before its deadline: the fee comes back.
    const balance0 = await d.token.balanceOf(requesterAddress);
    const late = lastJson(
      ok(
        await cli(
          {},
          "request",
          HELLO_DEEPA,
          "--random-seed",
          "4",
          "--ttl",
          "60",
          "--account",
          "3",
          ...chainArgs(),
          "--json",
        ),
      ),
    );
    await provider.send("evm_increaseTime", [61]);
    await provider.send("evm_mine", []);
    const refunded = lastJson(ok(await cli({}, "refund", late.requestId, "--account", "3", ...chainArgs(), "--json")));
    expect(refunded.withdrawn).to.equal(late.fee);
    expect(await d.token.balanceOf(requesterAddress), "the fee is back").to.equal(balance0);
    expect(lastJson(ok(await cli({}, "withdraw", "--account", "3", ...chainArgs(), "--json")))).to.deep.equal({
      coordinator: "0",
      game: "0",
    });
    provider.destroy();
  });

  it("deploy reuses an existing ERC20 under another network name; register is idempotent", async () => {
    const ok = (r: { code: number; stdout: string; stderr: string }) => {
      expect(r.code, r.stderr + r.stdout).to.equal(0);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    const first = readDeployment(dir, "localhost");
    const second = ok(
      await cli(
        {},
        "deploy",
        "--account",
        "0",
        "--network",
        "second",
        "--token",
        first.addresses.token,
        "--degree",
        "4",
        ...chainArgs(),
        "--json",
      ),
    );
    expect(second.addresses.token).to.equal(first.addresses.token);
    expect(second.addresses.coordinator).to.not.equal(first.addresses.coordinator);
    expect(readDeployment(dir, "second").options.degree).to.equal(4);
    const again = ok(await cli({}, "register", HELLO_DEEPA, "--account", "0", ...chainArgs(), "--json"));
    expect([again.alreadyRegistered, again.gasUsed]).to.deep.equal([true, 0]);
    const bad = await cli({}, "deploy", "--account", "0", "--degree", "1", ...chainArgs());
    expect([bad.code, bad.stderr.trim()]).to.deep.equal([
      2,
      "referee: error: --degree must be between 2 and 1024 (DisputeGame's bounds), got 1",
    ]);
  });
});
