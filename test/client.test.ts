// The client SDK (node/client) against the real protocol on Hardhat's in-process chain: a
// request with typed-array inputs (int64 token ids, a bool mask) served by a real operator
// agent, the verified result read from events and decoded equal to the model's own run; the
// consumer callback's outcome (delivered, failed with the consumer's error); expiry, refund,
// timeout and abort; bad inputs refused in one line before anything is sent; and the
// runnable example of docs/CLIENT.md.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import { join } from "path";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ModelRun } from "../node/agents/model-run";
import { Challenger } from "../node/agents/challenger";
import { Operator } from "../node/agents/operator";
import { Deployment, DeploymentRecord, deployReferee, recordOf } from "../node/chain/deploy";
import { f32Values } from "../node/chain/encoding";
import { TxSender } from "../node/chain/sender";
import { GameStatus, RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { RefereeClient, RefereeError, RequestWaitError, type VerifiedResult } from "../node/client";
import { FlakyConsumer__factory, MockConsumer__factory } from "../typechain-types";
import { main as runExample } from "../scripts/example-client";

const TOKEN_MLP = join(__dirname, "fixtures", "token_mlp.onnx");
const TOKENS = Int32Array.from([3, 17, 49, 0, 22, 8, 41, 5]);
const MASK = Uint8Array.from([1, 1, 0, 1, 1, 1, 0, 1]);

/** The error `p` rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("client: the dApp SDK on a real chain with a real operator", function () {
  this.timeout(180_000);
  let model: ModelRun;
  let d: Deployment;
  let record: DeploymentRecord;
  let requester: HardhatEthersSigner;
  let operator: Operator;
  let client: RefereeClient;
  const log: string[] = [];

  before(async () => {
    await initHasher();
    model = new ModelRun(compileModel(readFileSync(TOKEN_MLP)));
    const [deployer, treasury, publisher, req, op] = await hre.ethers.getSigners();
    requester = req;
    d = await deployReferee(deployer, treasury.address);
    await (await d.registry.connect(publisher).register(model.parts, "token_mlp", "file:token_mlp.onnx")).wait();
    for (const s of [req, op]) await (await d.token.mint(s.address, 1_000_000_000n)).wait();
    operator = new Operator("operator", d, await TxSender.of(op, d.interfaces), model, (l) => log.push(l));
    await operator.stake(d.options.claimBond * 4n);
    record = await recordOf(d, "hardhat", Number((await hre.ethers.provider.getNetwork()).chainId));
    client = await RefereeClient.connect(requester, record, {
      pollMs: 20,
      consumerInterfaces: [FlakyConsumer__factory.createInterface()],
    });
    await client.useCompiledModel(model.modelId, model.model.program);
  });

  /** Runs the operator until `waiting` settles: it claims, the window passes, it finalizes. */
  async function serve<T>(waiting: Promise<T>): Promise<T> {
    let settled = false;
    const p = waiting.finally(() => (settled = true));
    p.catch(() => undefined);
    for (let pass = 0; !settled && pass < 50; pass++) {
      await operator.tick();
      const n = await d.coordinator.requestCount();
      for (let id = 1n; id <= n; id++)
        if ((await d.coordinator.getRequest(id)).status === RequestStatus.Claimed) {
          await time.increase(d.options.challengeWindow);
          break;
        }
      await new Promise((r) => setTimeout(r, 30));
    }
    return p;
  }

  it("requests with int64 and bool typed arrays and resolves with the operator's verified output", async () => {
    const sent = await client.request(model.modelId, { tokens: TOKENS, mask: MASK });
    // §5.1: token id 3 travels as binary32 3.0 (0x40400000), big-endian; the mask's 1 as 1.0.
    expect(sent.input.slice(2, 10)).to.equal("40400000");
    expect(sent.input.slice(2 + 64, 2 + 72)).to.equal("3f800000");
    expect((sent.input.length - 2) / 2).to.equal(4 * 16);
    const claims: bigint[] = [];
    const result = await serve(client.waitForResult(sent.requestId, { onClaim: (c) => claims.push(c.claimId) }));

    const expected = model.run(sent.input).output;
    expect(result.output).to.equal(expected);
    expect(result.outputs).to.have.length(1);
    expect(result.outputs[0].name).to.equal("logits");
    expect(result.outputs[0].dims).to.deep.equal([1, 4]);
    expect(Array.from(result.outputs[0].data)).to.deep.equal(Array.from(f32Values(expected)));
    expect(claims).to.deep.equal([result.claimId]);
    const claim = await d.coordinator.getClaim(result.claimId);
    expect(result.finalFrom).to.equal(Number(claim.challengeDeadline));
    expect(result.finalizedAt).to.be.at.least(result.finalFrom);
    expect(result.operator).to.equal(operator.address);
    expect(result.callback).to.deep.equal({ status: "NotRequested" });

    const s = await client.status(sent.requestId);
    expect(s.state).to.equal("Finalized");
    expect(s.callback).to.equal("NotRequested");
    expect(s.claim?.state).to.equal("Finalized");
    expect(s.fee).to.equal(sent.fee);

    // A request final long ago resolves the same, from its logs.
    const again = await client.waitForResult(sent.requestId);
    expect(again.output).to.equal(expected);
    expect(again.finalizedAt).to.equal(result.finalizedAt);
  });

  it("reads names and dims from the registration when it has no compiled model", async () => {
    const reader = await RefereeClient.connect(hre.ethers.provider, { coordinator: record.addresses.coordinator });
    const spec = await reader.modelSpec(model.modelId);
    expect(spec.source).to.equal("registration");
    expect(spec.inputs.map((s) => [s.name, s.dims])).to.deep.equal([
      ["tokens", [1, 8]],
      ["mask", [1, 8]],
    ]);
    expect(spec.outputs).to.deep.equal([{ name: "logits", dims: [1, 4] }]);
    const q = await reader.quote(model.modelId, { callbackGasLimit: 1000 });
    expect(q.fee).to.equal(await d.coordinator.quoteFee(model.modelId, 1000));
    expect(q.inputBytes).to.equal(64);
    // Without element types the array's own type is checked: a BigInt64Array of token ids works.
    const bytes = await reader.encodeInputs(model.modelId, [BigInt64Array.from(TOKENS, BigInt), MASK]);
    expect(bytes).to.equal(await client.encodeInputs(model.modelId, { tokens: TOKENS, mask: MASK }));
    const err = await rejection(reader.request(model.modelId, [TOKENS, MASK]));
    expect(err.message).to.equal("this client was built from a provider: requests need a signer");
  });

  it("waits past a wrong claim that loses its game to the honest result", async () => {
    const [, , , , , cheatSigner, challengerSigner] = await hre.ethers.getSigners();
    for (const s of [cheatSigner, challengerSigner]) await (await d.token.mint(s.address, 1_000_000_000n)).wait();
    const quiet = () => undefined;
    const steps = Number(model.parts.steps);
    const cheater = new Operator("cheater", d, await TxSender.of(cheatSigner, d.interfaces), model, quiet, {
      cheatAt: Math.floor(steps / 2),
      cheatOutput: 1,
    });
    await cheater.stake(d.options.claimBond * 2n);
    const challenger = new Challenger("challenger", d, await TxSender.of(challengerSigner, d.interfaces), model, quiet);

    const sent = await client.request(model.modelId, [TOKENS, MASK]);
    const claims: { claimId: bigint; operator: string; output: string }[] = [];
    const waiting = client.waitForResult(sent.requestId, { onClaim: (c) => claims.push(c) });
    await cheater.tick();
    await challenger.tick();
    const cheatClaim = (await d.coordinator.getRequest(sent.requestId)).claimId;
    const gameId = await d.game.gameOf(cheatClaim, challenger.address);
    expect(gameId).to.not.equal(0n);
    for (let pass = 0; (await d.game.getGame(gameId)).status < GameStatus.ChallengerWon; pass++) {
      if (pass > 100) throw new Error("the game does not end");
      await cheater.tick();
      await challenger.tick();
    }
    expect((await d.game.getGame(gameId)).status).to.equal(GameStatus.ChallengerWon);
    const result = await serve(waiting);

    const honest = model.run(sent.input).output;
    expect(result.output).to.equal(honest);
    expect(result.operator).to.equal(operator.address);
    expect(claims.map((c) => c.operator)).to.deep.equal([cheater.address, operator.address]);
    expect(claims[0].output).to.not.equal(honest);
    expect(claims[0].claimId).to.equal(cheatClaim);
  });

  it("reports the consumer callback: delivered, or failed with the consumer's error", async () => {
    const mock = await new MockConsumer__factory(requester).deploy();
    const flaky = await new FlakyConsumer__factory(requester).deploy(1, 1_000_000); // refuses every request
    const ok = await client.request(model.modelId, [TOKENS, MASK], { consumer: await mock.getAddress() });
    const bad = await client.request(model.modelId, [TOKENS, MASK], {
      consumer: await flaky.getAddress(),
      callbackGasLimit: 100_000,
    });
    const [delivered, failed] = await serve(
      Promise.all([client.waitForResult(ok.requestId), client.waitForResult(bad.requestId)]),
    );
    expect(delivered.callback).to.deep.equal({ status: "Delivered", consumer: await mock.getAddress() });
    expect(await mock.calls()).to.equal(1n);
    expect(await mock.lastOutput()).to.equal(delivered.output);
    expect(failed.callback.status).to.equal("Failed");
    expect((failed.callback as { reason: string }).reason).to.equal(
      `reverted with FlakyConsumer_Refused(requestId: ${bad.requestId})`,
    );
    expect((await client.status(bad.requestId)).callback).to.equal("Failed");
    const burner = await new MockConsumer__factory(requester).deploy();
    await (await burner.setMode(2)).wait(); // BurnGas
    const burnt = await client.request(model.modelId, [TOKENS, MASK], {
      consumer: await burner.getAddress(),
      callbackGasLimit: 50_000,
    });
    const out = await serve(client.waitForResult(burnt.requestId));
    expect(out.callback).to.deep.equal({
      status: "Failed",
      consumer: await burner.getAddress(),
      reason: "ran out of its 50000 gas",
    });
  });

  it("rejects an expired request, then a refunded one, with a clear error", async () => {
    const sent = await client.request(model.modelId, [TOKENS, MASK], { ttl: 60 });
    const waiting = rejection(client.waitForResult(sent.requestId));
    await time.increase(120); // no operator runs: the deadline passes unclaimed
    const expired = (await waiting) as RequestWaitError;
    expect(expired).to.be.instanceOf(RequestWaitError);
    expect(expired.reason).to.equal("expired");
    expect(expired.message).to.match(
      new RegExp(`^request #${sent.requestId} expired at \\S+Z with no claim standing: refund\\(${sent.requestId}\\)`),
    );
    expect((await client.status(sent.requestId)).expired).to.equal(true);
    await (await d.coordinator.refund(sent.requestId)).wait();
    const refunded = (await rejection(client.waitForResult(sent.requestId))) as RequestWaitError;
    expect(refunded.reason).to.equal("refunded");
    expect(refunded.message).to.contain(`request #${sent.requestId} was refunded`);
    expect(refunded.message).to.contain(`the fee ${sent.fee} was credited back to ${requester.address}`);
    expect((await client.status(sent.requestId)).state).to.equal("Refunded");
  });

  it("gives up on a timeout and on an abort signal", async () => {
    const sent = await client.request(model.modelId, [TOKENS, MASK]);
    const timedOut = (await rejection(client.waitForResult(sent.requestId, { timeoutMs: 100 }))) as RequestWaitError;
    expect(timedOut.reason).to.equal("timeout");
    expect(timedOut.message).to.match(/has no verified result after 0\.1 s \(no claim yet, claims accepted until/);
    const abort = new AbortController();
    const waiting = client.waitForResult(sent.requestId, { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    const aborted = (await rejection(waiting)) as RequestWaitError;
    expect(aborted.reason).to.equal("aborted");
    expect(aborted.message).to.equal(`waiting for request #${sent.requestId} was aborted`);
    // Aborted while its first reads are in flight: the next pause ends it at once.
    const early = new AbortController();
    const inFlight = rejection(client.waitForResult(sent.requestId, { signal: early.signal, pollMs: 60_000 }));
    early.abort();
    expect(((await inFlight) as RequestWaitError).reason).to.equal("aborted");
    await serve(client.waitForResult(sent.requestId)); // served, so later tests start clean
  });

  it("refuses bad inputs in one line before sending anything", async () => {
    const before = await d.coordinator.requestCount();
    const cases: [Parameters<RefereeClient["request"]>[1], string][] = [
      [[TOKENS.subarray(1), MASK], "input 'tokens' has 7 elements, expected 8 (dims 1x8)"],
      [
        [Float32Array.from(TOKENS), MASK],
        "input 'tokens' is int64: pass an Int32Array, a BigInt64Array or a Uint8Array, got a Float32Array",
      ],
      [[TOKENS, Int32Array.from(MASK)], "input 'mask' is bool: pass a Uint8Array of 0 and 1, got a Int32Array"],
      [
        [TOKENS, Uint8Array.from([2, 1, 1, 1, 1, 1, 1, 1])],
        "input 'mask' (bool) element 0 is 2: expected 0 or 1 (false or true)",
      ],
      [[TOKENS], "the model has 2 inputs ('tokens', 'mask'), got 1 arrays"],
      [{ tokens: TOKENS, mask: MASK, extra: MASK }, "unknown input name 'extra' (model inputs: 'tokens', 'mask')"],
      [
        [Int32Array.from([1 << 25, 0, 0, 0, 0, 0, 0, 0]), MASK],
        "input 'tokens' (int64) element 0 is 33554432: expected an integer in [-16777216, 16777216] (integers beyond ±2^24 are not exact in binary32)",
      ],
    ];
    for (const [inputs, message] of cases) {
      const err = await rejection(client.request(model.modelId, inputs));
      expect(err).to.be.instanceOf(RefereeError);
      expect(err.message).to.equal(message);
      expect(err.message).to.not.contain("\n");
    }
    const fee = await d.coordinator.quoteFee(model.modelId, 0);
    const low = await rejection(client.request(model.modelId, [TOKENS, MASK], { fee: fee - 1n }));
    expect(low.message).to.equal(`fee ${fee - 1n} is below the coordinator's quote ${fee}`);
    const pauper = (await hre.ethers.getSigners())[9];
    const poor = await RefereeClient.connect(pauper, record);
    expect((await rejection(poor.request(model.modelId, [TOKENS, MASK]))).message).to.equal(
      `${pauper.address} holds 0 token units, the fee is ${fee}`,
    );
    const ttl = await rejection(client.request(model.modelId, [TOKENS, MASK], { ttl: 0 }));
    expect(ttl.message).to.equal("ttl must be a positive whole number of seconds, got 0");
    expect(await d.coordinator.requestCount()).to.equal(before);
  });

  it("refuses a stale deployment record and one of another chain", async () => {
    const stale = {
      ...record,
      addresses: { ...record.addresses, coordinator: hre.ethers.Wallet.createRandom().address },
    };
    expect((await rejection(RefereeClient.connect(requester, stale))).message).to.match(
      /^no contract at the coordinator address 0x[0-9a-fA-F]{40} on chain \d+: the deployment record is stale/,
    );
    expect((await rejection(RefereeClient.connect(requester, { ...record, chainId: 1 }))).message).to.match(
      /^the deployment record is for chain 1, but the provider is on chain \d+$/,
    );
  });

  it("runs docs/CLIENT.md's example (scripts/example-client.ts)", async () => {
    const lines: string[] = [];
    const result: VerifiedResult = await serve(
      runExample({
        signer: requester,
        deployment: record,
        modelId: model.modelId,
        inputs: { tokens: TOKENS, mask: MASK },
        pollMs: 20,
        log: (l) => lines.push(l),
      }),
    );
    const expected = Array.from(f32Values(model.run(await client.encodeInputs(model.modelId, [TOKENS, MASK])).output));
    expect(Array.from(result.outputs[0].data)).to.deep.equal(expected);
    expect(lines).to.include("input  tokens 1x8");
    expect(lines.some((l) => /^claim #\d+ by 0x[0-9a-fA-F]{40}: final at \S+Z unless disputed$/.test(l))).to.equal(
      true,
    );
    expect(lines).to.include(`logits [1x4] = [${expected.join(", ")}]`);
    expect(lines.at(-1)).to.equal("callback: NotRequested");
  });
});
