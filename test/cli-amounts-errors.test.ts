// Issue 14's amounts and errors as a user meets them: the real `referee` bin against
// `hardhat node`. Amounts beyond 2^53 and in tokens (decimals), amounts printed with the
// token's symbol, reverts with named arguments (enum names, ISO dates), an account with no
// ETH given the node's reason, agents and requesters without funds stopped with a faucet
// hint, and a short --ttl on an idle dev chain (whose latest block lags the wall clock while
// its next block leads it).
import { expect } from "chai";
import { spawn } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";
import { onnx } from "onnx-proto";
import { connectDeployment, readDeployment } from "../node/chain/deploy";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { Proc, ROOT, freePort, startHardhatNode } from "../scripts/lib/processes";
import { HELLO_DEEPA } from "./helpers/models";

const BIN = path.join(ROOT, "bin", "referee.js");
/** A key Hardhat never funded: 0 ETH, 0 tokens. */
const EMPTY_KEY = "0x0123456789012345678901234567890123456789012345678901234567890123";
const EMPTY = new Wallet(EMPTY_KEY).address;
const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("cli: amounts in tokens and errors with their causes (issue 14), bin/referee.js on hardhat node", function () {
  this.timeout(300_000);
  let node: Proc;
  let url: string;
  let dir: string;
  let provider: JsonRpcProvider;

  /** bin/referee.js in a child process (async: the test's own RPC calls go on meanwhile). */
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args, "--deployments", dir], {
        cwd: ROOT,
        env: { ...process.env, REFEREE_RPC_URL: url, REFEREE_PRIVATE_KEY: "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
      child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  const ok = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
    const r = await run(args, env);
    expect(r.code, `referee ${args.join(" ")}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  /** A failure: exit code 1 or 2 and exactly one stderr line matching `pattern`. */
  const fails = async (args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<string> => {
    const r = await run(args, env);
    expect(r.code, r.stdout + r.stderr).to.be.oneOf([1, 2]);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(pattern);
    return lines[0];
  };
  /** A one-op model (Relu on a 2x2 input) not registered yet, written to the test's directory. */
  const reluModel = (): string => {
    const t = (name: string) => ({
      name,
      type: {
        tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: 2 }] } },
      },
    });
    const file = path.join(dir, "relu.onnx");
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: { name: "g", node: [{ opType: "Relu", input: ["x"], output: ["y"] }], input: [t("x")], output: [t("y")] },
    }).finish();
    writeFileSync(file, bytes);
    return file;
  };
  const address = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).address;

  before(async () => {
    url = `http://127.0.0.1:${await freePort()}`;
    node = await startHardhatNode(Number(url.split(":")[2]));
    dir = mkdtempSync(path.join(tmpdir(), "referee-amounts-"));
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    // 1 REFT = 10^18 base units: a claim bond past 2^53, given in base units, and a
    // challenger bond in tokens.
    const out = await ok([
      "deploy",
      "--account",
      "0",
      "--claim-bond",
      "1000000000000000000",
      "--challenger-bond",
      "0.4",
    ]);
    expect(out).to.match(/claim bond 1 REFT, challenger bond 0\.4 REFT/);
    await ok(["register", HELLO_DEEPA, "--account", "0"]);
  });

  after(async () => {
    provider?.destroy();
    if (node) await node.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("amounts: past 2^53 in base units, decimals and symbols in tokens, printed with the symbol", async () => {
    const record = readDeployment(dir, "localhost");
    expect(record.options.claimBond).to.equal("1000000000000000000");
    expect(record.options.challengerBond).to.equal("400000000000000000");
    const d = connectDeployment(record, provider);

    expect(await ok(["faucet", "--account", "3", "--amount", "2.5REFT"])).to.match(
      new RegExp(`^minted 2\\.5 REFT to ${address(3)}: balance 2\\.5 REFT\\n$`),
    );
    const json = JSON.parse(await ok(["faucet", "--account", "3", "--amount", "0.5", "--json"])) as Record<
      string,
      string
    >;
    expect(json).to.include({ minted: "500000000000000000", balance: "3000000000000000000" });
    expect(await d.token.balanceOf(address(3))).to.equal(3n * 10n ** 18n);

    const sent = await ok(["request", HELLO_DEEPA, "--random-seed", "1", "--account", "3", "--fee", "0.01"]);
    expect(sent).to.match(/^request #1 sent: fee 0\.01 REFT, /);
    expect((await d.coordinator.getRequest(1n)).fee).to.equal(10n ** 16n);
    expect(await ok(["status", "1"])).to.match(/fee 0\.01 REFT, claims accepted until/);

    await fails(
      ["faucet", "--account", "3", "--amount", "1 ETH"],
      /--amount '1 ETH': this deployment's token is REFT$/,
    );
    await fails(
      ["faucet", "--account", "3", "--amount", "0.0000000000000000001"],
      /REFT has 18 decimals, the amount has more$/,
    );
    await fails(["faucet", "--account", "3", "--amount", "1e18"], /--amount '1e18': write the digits/);
    await fails(["faucet", "--account", "3", "--amount", "-5"], /--amount expects an amount: base units/);
    await fails(
      ["request", HELLO_DEEPA, "--random-seed", "1", "--account", "3", "--fee", "1units"],
      /--fee 0\.000000000000000001 REFT \(1 units\) is below the coordinator's quote 0\.0000000000000001 REFT \(100 units\)$/,
    );
  });

  it("reverts: arguments named, enums by name, timestamps as ISO dates", async () => {
    const deadline = (await connectDeployment(readDeployment(dir, "localhost"), provider).coordinator.getRequest(1n))
      .deadline;
    const iso = new Date(Number(deadline) * 1000).toISOString().replace(".000Z", "Z");
    await fails(
      ["refund", "1", "--account", "3"],
      new RegExp(`the contract refused: Coordinator_DeadlineNotPassed\\(requestId: 1, deadline: ${iso}\\)$`),
    );
    await fails(
      ["retry-callback", "1", "--account", "3"],
      /the contract refused: Coordinator_CallbackNotRetryable\(requestId: 1, status: None\)$/,
    );
    await fails(
      ["request", HELLO_DEEPA, "--random-seed", "1", "--account", "3", "--ttl", "0"],
      new RegExp(`the contract refused: Coordinator_DeadlineInPast\\(deadline: ${ISO}, timestamp: ${ISO}\\)$`),
    );
  });

  it("an account with no ETH: the node's reason (insufficient funds), not 'could not coalesce error'", async () => {
    const line = await fails(["faucet"], /insufficient funds: /, { REFEREE_PRIVATE_KEY: EMPTY_KEY });
    expect(line).to.match(
      new RegExp(`^referee: error: insufficient funds: ${EMPTY} has 0 ETH, needs 0\\.\\d+ ETH \\(gas limit`),
    );
    expect(line).to.not.match(/coalesce/);
  });

  it("preflight: operator, challenger, requester and registrant without funds stop at once with a hint", async () => {
    // Account 8 has ETH (a dev account) but no tokens: stake for 3 claims is 3 REFT.
    const t0 = Date.now();
    await fails(
      ["operator", HELLO_DEEPA, "--account", "8"],
      new RegExp(
        `^referee: error: operator ${address(8)} has 0 REFT; stake for 3 open claims needs 3 REFT: run referee faucet --to ${address(8)}$`,
      ),
    );
    expect(Date.now() - t0, "stopped at once, not retrying").to.be.below(60_000);
    await fails(
      ["request", HELLO_DEEPA, "--random-seed", "1", "--account", "8", "--fee", "0.01"],
      /requester 0x[0-9a-fA-F]{40} has 0 REFT; the fee needs 0\.01 REFT: run referee faucet --to 0x/,
    );
    // A challenger with ETH but no tokens runs on (it may be resuming games it has bonded),
    // saying once that it cannot open new ones and how to fix that.
    const events = (await ok(["challenger", HELLO_DEEPA, "--once", "--account", "9", "--json"]))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; message?: string });
    expect(events.filter((e) => e.event === "underfunded").map((e) => e.message)).to.deep.equal([
      `challenger: cannot open new games: challenger ${address(9)} has 0 REFT; a challenge's bond needs 0.4 REFT: run referee faucet --to ${address(9)}`,
    ]);
    expect(events.map((e) => e.event)).to.include("stopped");
    // No ETH at all: named before anything is sent.
    const noEth = { REFEREE_PRIVATE_KEY: EMPTY_KEY };
    await fails(
      ["request", HELLO_DEEPA, "--random-seed", "1", "--fee", "0.01"],
      new RegExp(
        `requester ${EMPTY} has 0 ETH; a transaction needs at least 0\\.\\d+ ETH \\(21000 gas at [\\d.]+ gwei\\): send it ETH; requester ${EMPTY} has 0 REFT`,
      ),
      noEth,
    );
    await fails(
      ["register", reluModel()],
      new RegExp(`^referee: error: registrant ${EMPTY} has 0 ETH; a transaction needs at least`),
      noEth,
    );
    await fails(
      ["challenger", HELLO_DEEPA, "--once"],
      new RegExp(`^referee: error: challenger ${EMPTY} has 0 ETH`),
      noEth,
    );
  });

  it("--ttl 2 on an idle dev chain: the deadline counts from the next block's time, not the lagging latest one", async () => {
    // Idle, the chain's latest block falls behind the wall clock (a deadline from it is past
    // at once), while Hardhat stamps the next block ahead of the wall clock by the seconds it
    // gained mining faster than a block a second (the deploy): a deadline from the wall clock
    // alone is past too. The pending block's time bounds both.
    const lagging = async () => (await provider.getBlock("latest"))!.timestamp < Math.floor(Date.now() / 1000) - 3;
    const t0 = Date.now();
    while (!(await lagging())) {
      if (Date.now() - t0 > 120_000) throw new Error("the chain's latest block never fell behind the wall clock");
      await new Promise((r) => setTimeout(r, 500));
    }
    const latest = (await provider.getBlock("latest"))!.timestamp;
    // Account 3 approved the coordinator already (request #1): this sends the request alone.
    const out = JSON.parse(
      (await ok(["request", HELLO_DEEPA, "--random-seed", "2", "--account", "3", "--ttl", "2", "--json"])).trim(),
    ) as { requestId: string; deadline: number };
    expect(out.deadline, "counted from the wall clock, past the lagging block's time + ttl").to.be.above(latest + 3);
    const r = await connectDeployment(readDeployment(dir, "localhost"), provider).coordinator.getRequest(
      BigInt(out.requestId),
    );
    expect(r.status).to.equal(1n);
  });
});
