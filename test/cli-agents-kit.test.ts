// `referee operator` with the kit's options, through main() against Hardhat's in-process chain
// served over JSON-RPC (the same server `npx hardhat node` runs): an encrypted keystore as the
// key (and a wrong password as one line), two models from one account, --metrics-port, and a
// model too big to claim refused at start.
import { expect } from "chai";
import hre from "hardhat";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onnx } from "onnx-proto";
import { HDNodeWallet, encryptKeystoreJsonSync } from "ethers";
import { takeSnapshot, time, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { connectDeployment, readDeployment } from "../node/chain/deploy";
import { RequestStatus } from "../node/chain/status";
import { claimGasBound } from "../node/chain/claim-gas";
import { compileModel } from "../node/compiler/compile";
import { DEV_MNEMONIC } from "../node/cli/chain";
import { KEYSTORE_PASSWORD_ENV } from "../node/cli/keystore";
import { lastJson, referee } from "./helpers/cli";
import { parseMetrics } from "./helpers/metrics";
import { HELLO_DEEPA } from "./helpers/models";
import { freePort, startReferee, waitUntil } from "../scripts/lib/processes";

const TOKEN_MLP = path.join(__dirname, "fixtures", "token_mlp.onnx");

/** A one-Relu ONNX model on a [1, n] input: its output is 4n bytes. */
function reluModel(n: number): Uint8Array {
  const tensor = (name: string) => ({
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: n }] } },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      node: [{ opType: "Relu", name: "r", input: ["x"], output: ["y"] }],
      input: [tensor("x")],
      output: [tensor("y")],
    },
  }).finish();
}

function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp, code = 2): void {
  expect(r.code, r.stderr).to.equal(code);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^referee: error: /);
  expect(lines[0]).to.match(pattern);
}

describe("cli: operator kit (keystore, several models, metrics, claim size)", function () {
  this.timeout(300_000);
  let dir: string;
  let url: string;
  let server: { close(): Promise<void> };
  let snapshot: SnapshotRestorer;
  const key = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/7");
  const saved = { password: process.env[KEYSTORE_PASSWORD_ENV], key: process.env.REFEREE_PRIVATE_KEY };

  before(async () => {
    snapshot = await takeSnapshot();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "referee-kit-"));
    const s = (await hre.run("node:create-server", {
      hostname: "127.0.0.1",
      port: 0,
      provider: hre.network.provider,
    })) as { listen(): Promise<{ port: number }>; close(): Promise<void> };
    url = `http://127.0.0.1:${(await s.listen()).port}`;
    server = s;
    const chain = ["--rpc", url, "--deployments", dir];
    for (const args of [
      ["deploy", "--account", "0", ...chain],
      ["register", HELLO_DEEPA, "--account", "0", ...chain],
      ["register", TOKEN_MLP, "--account", "0", ...chain],
      ["faucet", "--account", "7", ...chain],
      ["faucet", "--account", "2", ...chain],
      ["faucet", "--account", "3", ...chain],
    ]) {
      const r = await referee(...args);
      expect(r.code, `${args[0]}: ${r.stderr}`).to.equal(0);
    }
    // A cheap scrypt: the format is what matters here, not the cost of guessing.
    fs.writeFileSync(
      path.join(dir, "key.json"),
      encryptKeystoreJsonSync({ address: key.address, privateKey: key.privateKey }, "correct horse", {
        scrypt: { N: 1 << 10 },
      }),
    );
    fs.writeFileSync(path.join(dir, "password.txt"), "correct horse\n");
  });

  after(async () => {
    for (const [k, v] of [
      [KEYSTORE_PASSWORD_ENV, saved.password],
      ["REFEREE_PRIVATE_KEY", saved.key],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await server?.close();
    await snapshot?.restore();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const chain = () => ["--rpc", url, "--deployments", dir];

  it("a wrong keystore password, or none, is one line naming the problem", async () => {
    process.env[KEYSTORE_PASSWORD_ENV] = "wrong";
    expectOneLineError(
      await referee("operator", HELLO_DEEPA, "--keystore", path.join(dir, "key.json"), "--once", ...chain()),
      /keystore .*key\.json: wrong password \(from REFEREE_KEYSTORE_PASSWORD or --keystore-password-file\)$/,
    );
    delete process.env[KEYSTORE_PASSWORD_ENV];
    expectOneLineError(
      await referee("operator", HELLO_DEEPA, "--keystore", path.join(dir, "key.json"), "--once", ...chain()),
      /--keystore needs its password: set REFEREE_KEYSTORE_PASSWORD or pass --keystore-password-file$/,
    );
    expectOneLineError(
      await referee("operator", HELLO_DEEPA, "--keystore", path.join(dir, "key.json"), "--account", "1", ...chain()),
      /--keystore and --account exclude each other$/,
    );
    expectOneLineError(
      await referee("operator", HELLO_DEEPA, "--on-slash", "panic", ...chain()),
      /--on-slash expects stop or topup, got 'panic'$/,
    );
  });

  it("one operator process serves two models from a keystore key, with metrics on a port", async () => {
    const record = readDeployment(dir, "localhost");
    const d = connectDeployment(record, hre.ethers.provider);
    const requester = (await hre.ethers.getSigners())[2];
    const ids = (await d.registry.queryFilter(d.registry.filters.ModelRegistered())).map((e) => e.args.modelId);
    expect(ids).to.have.length(2);
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    // token_mlp's inputs: 8 token ids and 8 mask values (0 is valid for both).
    const fee = await d.coordinator.quoteFee(ids[1], 0);
    await (
      await d.coordinator
        .connect(requester)
        .request(ids[1], "0x" + "00000000".repeat(16), fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + 3600)
    ).wait();
    const requestId = await d.coordinator.requestCount();
    const r = await referee(
      "operator",
      HELLO_DEEPA,
      "--model",
      TOKEN_MLP,
      "--keystore",
      path.join(dir, "key.json"),
      "--keystore-password-file",
      path.join(dir, "password.txt"),
      "--metrics-port",
      "0",
      "--max-fee-gwei",
      "500",
      "--on-slash",
      "stop",
      "--min-fee",
      "1",
      "--once",
      "--json",
      ...chain(),
    );
    expect(r.code, r.stderr).to.equal(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const started = events.filter((e) => e.event === "started");
    expect(started.map((e) => e.model)).to.deep.equal(["hello_deepa.onnx", "token_mlp.onnx"]);
    for (const e of started) {
      expect(e.address).to.equal(key.address);
      expect(e.onSlash).to.equal("stop");
      expect(e.maxFeeGwei).to.equal("500");
    }
    expect(events.find((e) => e.event === "metrics")?.port).to.be.a("number");
    expect(events.some((e) => e.event === "staked")).to.equal(true);
    const req = await d.coordinator.getRequest(requestId);
    expect(req.status, "served in the one pass").to.equal(RequestStatus.Claimed);
    expect((await d.coordinator.getClaim(req.claimId)).operator).to.equal(key.address);
    expect(lastJson(r).event).to.equal("stopped");
  });

  it("a running operator process's metrics, scraped while it serves: claims, stake, balances; SIGTERM stops it cleanly", async () => {
    const d = connectDeployment(readDeployment(dir, "localhost"), hre.ethers.provider);
    const operatorAddress = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3").address;
    const port = await freePort();
    const p = startReferee(
      "operator",
      [
        "operator",
        HELLO_DEEPA,
        "--account",
        "3",
        "--metrics-port",
        String(port),
        "--poll",
        "200",
        "--json",
        ...chain(),
      ],
      {},
    );
    try {
      await p.waitForEvent((e) => e.event === "metrics", 120_000, "the metrics server");
      const scrape = async () => parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      await p.waitForEvent((e) => e.event === "staked", 60_000, "the first stake");
      const requester = (await hre.ethers.getSigners())[2];
      const [helloId] = (await d.registry.queryFilter(d.registry.filters.ModelRegistered())).map((e) => e.args.modelId);
      const fee = await d.coordinator.quoteFee(helloId, 0);
      const n = compileModel(fs.readFileSync(HELLO_DEEPA), {}).program.inputs.reduce(
        (acc, i) => acc + i.dims.reduce((x, y) => x * y, 1),
        0,
      );
      await (
        await d.coordinator
          .connect(requester)
          .request(helloId, "0x" + "3e800000".repeat(n), fee, hre.ethers.ZeroAddress, 0, (await time.latest()) + 3600)
      ).wait();
      await p.waitForEvent((e) => e.event === "claimed", 60_000, "the claim");
      // Gauges are read after each pass: wait for the pass after the claim.
      let m = await scrape();
      await waitUntil(
        async () => {
          m = await scrape();
          return m.get("referee_claims_made_total") === 1 && m.get("referee_token_balance") !== undefined;
        },
        30_000,
        "metrics after the claim",
      );
      const bond = d.options.claimBond;
      expect(m.get("referee_stake_bonded")).to.equal(Number(3n * bond));
      expect(m.get("referee_token_balance")).to.equal(Number(await d.token.balanceOf(operatorAddress)));
      expect(m.get("referee_eth_balance_wei")).to.be.greaterThan(0);
      expect(m.get("referee_games_open")).to.equal(0);
      expect(m.get("referee_claims_slashed_total")).to.equal(0);
      expect(m.get("referee_rpc_errors_total")).to.equal(0);
      expect(m.get("referee_up")).to.equal(1);
      p.child.kill("SIGTERM");
      expect(await p.exited, p.tail()).to.equal(0);
      expect(p.events().some((e) => e.event === "stopped")).to.equal(true);
    } finally {
      await p.kill();
    }
  });

  it("a model whose output no claim can carry is refused at start, before any registration check", async () => {
    const file = path.join(dir, "big.onnx");
    fs.writeFileSync(file, reluModel(104_500));
    expectOneLineError(
      await referee("operator", file, "--account", "3", "--once", ...chain()),
      new RegExp(
        `^referee: error: model big\\.onnx cannot be served: its output is 418000 bytes, a claim of it needs up to ${claimGasBound(418_000)} gas, over the 16777216 gas cap of one transaction \\(EIP-7825\\); outputs up to \\d+ bytes fit$`,
      ),
    );
  });

  it("help lists the kit's options", async () => {
    const op = (await referee("operator", "--help")).stdout;
    for (const o of [
      "--keystore <file>",
      "--model <file.onnx> ...",
      "--metrics-port <p>",
      "--max-fee-gwei <g>",
      "--min-fee <n>",
      "--on-slash <stop|topup>",
      "--topup-cap <n>",
    ])
      expect(op).to.include(o);
    const ch = (await referee("challenger", "--help")).stdout;
    expect(ch).to.include("--metrics-port <p>");
    expect(ch).to.not.include("--on-slash");
  });
});
