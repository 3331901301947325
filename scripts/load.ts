// npm run load [-- --requests N] [--json] [--update]: the protocol under load, every agent its own
// `referee` process on `hardhat node`, each behind a JSON-RPC counting proxy. Three operators
// (one cheats on ~10% of its claims, at random steps), two challengers, a requester sending N
// requests, half of them with a consumer whose callback reverts at random, a few with a
// deadline too short to be served. Then it checks, from the chain and an independent re-run
// of every request: every wrong claim rejected, every request finalized (with the honest
// output) or refunded, callbacks failed exactly where the consumer refuses, value conserved
// to the wei, no agent crashed; and reports requests finalized per minute and RPC calls per
// request. Exits 1 when a check fails. Protocol-specific reads are in ./lib/load-checks.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { HDNodeWallet, JsonRpcProvider, MaxUint256, NonceManager, ZeroAddress } from "ethers";
import { FlakyConsumer__factory } from "../typechain-types";
import { ModelRun } from "../node/agents/model-run";
import { connectDeployment, readDeployment } from "../node/chain/deploy";
import { f32Bytes } from "../node/chain/encoding";
import { RequestStatus } from "../node/chain/status";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { table } from "../node/cli/format";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { mulberry32 } from "../node/fo32/mulberry32";
import { randomInputs } from "../node/io/random";
import { LoadChecks, checkLoad } from "./lib/load-checks";
import { Proc, freePort, runReferee, startHardhatNode, startReferee } from "./lib/processes";
import { RpcCounter } from "./lib/rpc-counter";
import { LOAD_DATA, LoadSummary, loadRows, renderLoad } from "./lib/docs/load";
import { LOAD_DOC } from "./lib/docs/places";
import { updateBlock } from "./lib/markers";

const MODEL = path.join(__dirname, "..", "node_modules", "openwakeword-js", "models", "hello_deepa.onnx");

interface Options {
  requests: number;
  json: boolean;
  /** Requests sent per second. */
  rate: number;
  /** The challenge window, seconds of (real) chain time. */
  window: number;
  seed: number;
  cheatRate: number;
  /** Share of consumer callbacks that revert. */
  revertRate: number;
  /** Give up after this many minutes. */
  timeoutMin: number;
  /** Write each process's output to <dir>/<label>.log (for a post-mortem). */
  keepLogs: string | null;
  /** Commit the summary to docs/data/load.json and rewrite the README's block from it. */
  update: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    requests: 200,
    json: false,
    rate: 4,
    window: 60,
    seed: 1,
    cheatRate: 0.1,
    revertRate: 0.3,
    timeoutMin: 18,
    keepLogs: null,
    update: false,
  };
  const num = (flag: string, v: string | undefined, ok: (x: number) => boolean): number => {
    const x = Number(v);
    if (v === undefined || v === "" || !ok(x)) throw new Error(`load: ${flag} got '${v ?? ""}'`);
    return x;
  };
  const fraction = (x: number) => x >= 0 && x <= 1;
  const positiveInt = (x: number) => Number.isSafeInteger(x) && x > 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") o.json = true;
    else if (a === "--update") o.update = true;
    else if (a === "--requests") o.requests = num(a, argv[++i], positiveInt);
    else if (a === "--rate") o.rate = num(a, argv[++i], (x) => x > 0);
    else if (a === "--window") o.window = num(a, argv[++i], positiveInt);
    else if (a === "--seed") o.seed = num(a, argv[++i], (x) => Number.isSafeInteger(x) && x >= 0);
    else if (a === "--cheat-rate") o.cheatRate = num(a, argv[++i], fraction);
    else if (a === "--revert-rate") o.revertRate = num(a, argv[++i], fraction);
    else if (a === "--timeout-min") o.timeoutMin = num(a, argv[++i], (x) => x > 0);
    else if (a === "--keep-logs") {
      const dir = argv[++i];
      if (!dir) throw new Error("load: --keep-logs needs a directory");
      o.keepLogs = dir;
    } else
      throw new Error(
        `load: unknown argument '${a}' (options: --requests N, --rate r, --window s, --seed n, --cheat-rate p, --revert-rate p, --timeout-min m, --keep-logs dir, --json, --update)`,
      );
  }
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const say = (line: string) => {
    if (!o.json) console.log(line);
  };
  const procs: Proc[] = [];
  /** With --keep-logs: every process's output so far, to <dir>/<label>.log. */
  const dumpLogs = () => {
    if (o.keepLogs === null) return;
    mkdirSync(o.keepLogs, { recursive: true });
    for (const p of [node, ...procs])
      writeFileSync(path.join(o.keepLogs, `${p.label.replace(/\W+/g, "-")}.log`), [...p.lines, ...p.stderr].join("\n"));
  };
  const dir = mkdtempSync(path.join(tmpdir(), "referee-load-"));
  const nodePort = await freePort();
  say(`starting hardhat node on port ${nodePort}`);
  const node = await startHardhatNode(nodePort);
  const counter = new RpcCounter(nodePort);
  const proxyPort = await counter.listen();
  const rpc = (label: string) => counter.urlFor(proxyPort, label);
  const chain = ["--deployments", dir];
  const setupEnv = { REFEREE_RPC_URL: rpc("setup") };
  const provider = new JsonRpcProvider(rpc("driver"), undefined, { staticNetwork: true, cacheTimeout: -1 });
  try {
    await initHasher();
    await runReferee(
      "deploy",
      ["deploy", "--account", "0", "--challenge-window", String(o.window), "--clock", "600", ...chain],
      setupEnv,
    );
    await runReferee("register", ["register", MODEL, "--account", "0", ...chain], setupEnv);
    // 3: the requester; 4, 5: honest operators; 6: the cheater; 7, 8: challengers.
    for (const a of ["4", "5", "6", "7", "8"])
      await runReferee(`faucet ${a}`, ["faucet", "--account", a, ...chain], setupEnv);
    // The requester pays for callback gas too (perCallbackGas): up to 200k units a request.
    const requesterTokens = String(1_000_000 + o.requests * 250_000);
    await runReferee("faucet 3", ["faucet", "--account", "3", "--amount", requesterTokens, ...chain], setupEnv);
    const record = readDeployment(dir, "localhost");
    const account = (i: number) =>
      HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
    const consumer = await new FlakyConsumer__factory(account(0)).deploy(o.seed, Math.round(o.revertRate * 1e6));
    await consumer.waitForDeployment();
    const requester = new NonceManager(account(3));
    const d = connectDeployment(record, requester);

    const agent = (label: string, args: string[]) => {
      const env = { REFEREE_RPC_URL: rpc(label) };
      const p = startReferee(label, [...args, MODEL, "--poll", "500", "--json", ...chain], env);
      procs.push(p);
      return p;
    };
    // Stake for many open claims: the window holds rate × window claims at once.
    const stakeClaims = String(Math.min(o.requests, Math.ceil(o.rate * o.window * 1.5)));
    const operators = [
      agent("operator A", ["operator", "--account", "4", "--stake-claims", stakeClaims]),
      agent("operator B", ["operator", "--account", "5", "--stake-claims", stakeClaims]),
      agent("cheater", [
        "operator",
        "--account",
        "6",
        "--stake-claims",
        stakeClaims,
        "--cheat-rate",
        String(o.cheatRate),
        "--cheat-seed",
        String(o.seed),
      ]),
    ];
    agent("challenger X", ["challenger", "--account", "7"]);
    agent("challenger Y", ["challenger", "--account", "8"]);
    for (const p of procs) await p.waitForEvent((e) => e.event === "started", 180_000, `${p.label} to start`);
    say(
      `deployed (window ${o.window} s); 3 operators (one cheating on ${o.cheatRate * 100}% of its claims), 2 challengers; sending ${o.requests} requests at ${o.rate}/s`,
    );

    // The requests: seeded inputs; half call the flaky consumer back; 3% expire in 2 s.
    const model = new ModelRun(compileModel(readFileSync(MODEL), {}));
    const rnd = mulberry32(o.seed ^ 0x10ad);
    const uniform = () => rnd() / 2 ** 32;
    await (await d.token.approve(await d.coordinator.getAddress(), MaxUint256)).wait();
    const inputs = new Map<bigint, string>();
    const consumerAddress = await consumer.getAddress();
    const t0 = Date.now();
    for (let i = 0; i < o.requests; i++) {
      const due = t0 + (i * 1000) / o.rate;
      if (Date.now() < due) await sleep(due - Date.now());
      const input = f32Bytes(randomInputs(model.model.program.inputs, o.seed * 1_000_003 + i));
      const withConsumer = uniform() < 0.5;
      // Chain time runs ahead of the wall clock (a dev chain mining several blocks a second adds
      // 1 s per block): deadlines are set from the latest block, a refused short one sent again longer.
      const expiring = uniform() < 0.03;
      const gas = withConsumer ? 200_000 : 0;
      const fee = await d.coordinator.quoteFee(model.modelId, gas);
      let id: bigint | undefined;
      for (let ttl = expiring ? 5 : 3600; id === undefined; ttl *= 2) {
        const now = (await provider.getBlock("latest"))!.timestamp;
        try {
          const receipt = await (
            await d.coordinator.request(
              model.modelId,
              input,
              fee,
              withConsumer ? consumerAddress : ZeroAddress,
              gas,
              now + ttl,
            )
          ).wait();
          id = receipt!.logs.map((l) => d.coordinator.interface.parseLog(l)).find((l) => l?.name === "Requested")?.args
            .requestId as bigint;
        } catch (e) {
          if (!String(e).includes("Coordinator_DeadlineInPast") || ttl > 600) throw e;
          requester.reset(); // whether the refused transaction used its nonce: the node knows
        }
      }
      inputs.set(id, input);
    }
    const sentS = (Date.now() - t0) / 1000;
    say(`${o.requests} requests sent in ${sentS.toFixed(1)} s; waiting for every one to settle`);

    // Settle: refund what expired unserved; done when every request is final or refunded.
    const giveUp = t0 + o.timeoutMin * 60_000;
    let lastReport = 0;
    let settledAt = 0;
    for (;;) {
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const counts = new Map<bigint, number>();
      for (const id of inputs.keys()) {
        const r = await d.coordinator.getRequest(id);
        counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
        if (r.status === RequestStatus.Open && r.deadline < now)
          await (await d.coordinator.refund(id)).wait().catch(() => requester.reset()); // raced: next pass
      }
      const settled = (counts.get(RequestStatus.Finalized) ?? 0) + (counts.get(RequestStatus.Refunded) ?? 0);
      if (Date.now() - lastReport > 15_000 || settled === o.requests) {
        lastReport = Date.now();
        dumpLogs();
        say(
          `  ${Math.round((Date.now() - t0) / 1000)} s: ${counts.get(RequestStatus.Finalized) ?? 0} finalized, ${counts.get(RequestStatus.Refunded) ?? 0} refunded, ${counts.get(RequestStatus.Claimed) ?? 0} claimed, ${counts.get(RequestStatus.Open) ?? 0} open`,
        );
      }
      if (settled === o.requests) {
        settledAt = Date.now();
        break;
      }
      if (Date.now() > giveUp) break;
      // A block a second, as a real chain makes them: Hardhat's automine makes one only per
      // transaction, so with nothing sent the last claims' windows would never close on-chain.
      for (let i = 0; i < 2; i++) {
        await provider.send("evm_mine", []);
        await sleep(1000);
      }
    }
    const requesterCredit = await d.coordinator.payoutOf(await requester.getAddress());
    if (requesterCredit > 0n) await (await d.coordinator.withdraw()).wait();

    // Let the agents' loops finish their games and withdrawals, then stop them.
    await sleep(5_000);
    const checks: LoadChecks = await checkLoad({
      d: connectDeployment(record, provider),
      fromBlock: record.fromBlock,
      model,
      inputs,
      consumer,
      participants: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => account(i).address),
      cheaterLog: operators[2].events(),
      waitForPayouts: 60_000,
    });
    const alive = procs.map((p) => ({ label: p.label, running: p.running }));
    const exits: { label: string; code: number | null }[] = [];
    for (const p of procs) exits.push({ label: p.label, code: await p.kill("SIGTERM") });
    const crashed = procs.filter((p, i) => !alive[i].running || exits[i].code !== 0).map((p) => p.label);

    // Figures.
    const rpcs = counter.byClient();
    const agentCalls = procs.reduce((a, p) => a + (rpcs[p.label]?.calls ?? 0), 0);
    const wallS = ((settledAt || Date.now()) - t0) / 1000;
    const problems = [...checks.problems];
    if (settledAt === 0) problems.push(`not every request settled within ${o.timeoutMin} min`);
    for (const [i, p] of procs.entries())
      if (crashed.includes(p.label))
        problems.push(
          `${p.label} ${alive[i].running ? `exited with ${exits[i].code} on SIGTERM` : "died during the run"}:\n${p.tail(5)}`,
        );
    const summary: LoadSummary = {
      requests: o.requests,
      ok: problems.length === 0,
      problems,
      finalized: checks.finalized,
      refunded: checks.refunded,
      claims: checks.claims,
      wrongClaims: checks.wrongClaims,
      wrongRejected: checks.wrongRejected,
      cheaterClaims: checks.cheaterClaims,
      games: checks.games,
      callbacks: checks.callbacks,
      supply: { minted: String(checks.minted), burned: String(checks.burned), accounted: String(checks.accounted) },
      agents: exits.map((e, i) => ({ ...e, aliveAtEnd: alive[i].running })),
      agentErrors: Object.fromEntries(
        procs.map((p) => [
          p.label,
          {
            failedPasses: p.events().filter((e) => e.event === "error").length,
            refused: p.events().filter((e) => e.event === "refused").length,
            race: p.events().filter((e) => e.event === "race").length,
            itemFailed: p.events().filter((e) => e.event === "item-failed" || e.event === "abandoned").length,
          },
        ]),
      ),
      latencySeconds: checks.latency,
      wallSeconds: Math.round(wallS),
      sendSeconds: Math.round(sentS),
      windowSeconds: o.window,
      finalizedPerMinute: Math.round((checks.finalized / (wallS / 60)) * 10) / 10,
      rpc: {
        agentCalls,
        agentCallsPerRequest: Math.round((agentCalls / o.requests) * 10) / 10,
        driverCalls: rpcs.driver?.calls ?? 0,
        byAgent: Object.fromEntries(procs.map((p) => [p.label, rpcs[p.label]?.calls ?? 0])),
        topMethods: Object.entries(
          procs.reduce<Record<string, number>>((acc, p) => {
            for (const [m, n] of Object.entries(rpcs[p.label]?.methods ?? {})) acc[m] = (acc[m] ?? 0) + n;
            return acc;
          }, {}),
        )
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6),
      },
      run: {
        rate: o.rate,
        seed: o.seed,
        cheatRate: o.cheatRate,
        revertRate: o.revertRate,
        date: new Date().toISOString().slice(0, 10),
      },
    };
    if (o.update) {
      const root = path.join(__dirname, "..");
      writeFileSync(path.join(root, LOAD_DATA), JSON.stringify(summary, null, 2) + "\n");
      updateBlock(path.join(root, LOAD_DOC.file), LOAD_DOC.name, LOAD_DOC.command, renderLoad(summary));
      say(`summary written to ${LOAD_DATA}, and its table to ${LOAD_DOC.file}`);
    }
    if (o.json) console.log(JSON.stringify(summary));
    else {
      const rows = loadRows(summary);
      console.log("");
      console.log(table(rows, ""));
      console.log("");
      console.log(problems.length === 0 ? "all checks passed" : `FAILED:\n  ${problems.join("\n  ")}`);
    }
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    for (const p of procs) await p.kill("SIGTERM");
    dumpLogs();
    provider.destroy();
    await counter.close();
    await node.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
