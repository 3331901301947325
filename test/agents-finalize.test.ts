// The operator's finalize path and pass loop under load (found by `npm run load`): a finalize
// whose consumer callback reverts must not stall the others (explicit gas limit, not an
// estimate), a claim or finalize race skips only its item, and a request whose fee does not
// pay for the operator's gas is declined (issue 10 item 9). In-process Hardhat chain, real
// contracts and hello_deepa.
import { expect } from "chai";
import hre from "hardhat";
import { readFileSync } from "fs";
import { takeSnapshot, time, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { HELLO_DEEPA } from "../node/agents/demo";
import { ModelRun } from "../node/agents/model-run";
import { Operator, OperatorOptions, gasCost, parseTokenPerGas } from "../node/agents/operator";
import { claimGasBound } from "../node/chain/claim-gas";
import { claimedOutputOf } from "../node/chain/claims";
import { Deployment, deployReferee } from "../node/chain/deploy";
import { CALLBACK_GAS_MARGIN, finalizeGasLimit } from "../node/chain/finalize-gas";
import { TxSender } from "../node/chain/sender";
import { CallbackStatus, RequestStatus } from "../node/chain/status";
import { compileModel } from "../node/compiler/compile";
import { initHasher } from "../node/commit";
import { FlakyConsumer__factory, MockConsumer__factory } from "../typechain-types";

/** The output bytes of request `id`'s claim (the chain keeps their hash; the bytes are in its event). */
async function outputOf(d: Deployment, id: bigint): Promise<string> {
  return claimedOutputOf(d, hre.ethers.provider, (await d.coordinator.getRequest(id)).claimId);
}

/**
 * Runs `rival` once, the first time `op` estimates a reveal (`claim`): "before" the estimate
 * (the dry run is refused) or "after" it (the sent transaction reverts on-chain). Returns
 * whether it ran.
 */
function raceRevealEstimate(
  d: Deployment,
  op: Operator,
  when: "before" | "after",
  rival: () => Promise<unknown>,
): () => boolean {
  const signer = op.sender.signer;
  const realEstimate = signer.estimateGas.bind(signer);
  const reveal = d.coordinator.interface.getFunction("claim").selector;
  let raced = false;
  signer.estimateGas = async (tx) => {
    const first = !raced && typeof tx.data === "string" && tx.data.startsWith(reveal);
    if (first) raced = true;
    if (first && when === "before") await rival();
    const gas = await realEstimate(tx);
    if (first && when === "after") await rival();
    return gas;
  };
  return () => raced;
}

interface World {
  d: Deployment;
  lines: string[];
  operator(name: string, who: HardhatEthersSigner, options?: OperatorOptions): Promise<Operator>;
  /** A request on input value `valueHex` calling `consumer` back with `gas`. */
  request(valueHex: string, consumer?: string, gas?: number): Promise<bigint>;
  events(event: string): Record<string, unknown>[];
}

describe("agents: finalize under load, races, unprofitable requests", function () {
  this.timeout(180_000);
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
    for (const s of signers.slice(2, 6)) await (await d.token.mint(s.address, 100_000_000n)).wait();
    await (await d.token.connect(requester).approve(d.coordinator, hre.ethers.MaxUint256)).wait();
    const lines: string[] = [];
    const fields: Record<string, unknown>[] = [];
    const log = (l: string, f?: Record<string, unknown>) => {
      lines.push(l);
      if (f) fields.push(f);
    };
    const n = model.model.program.inputs.reduce((acc, i) => acc + i.dims.reduce((x, y) => x * y, 1), 0);
    return {
      d,
      lines,
      operator: async (name, who, options = {}) => {
        const op = new Operator(name, d, await TxSender.of(who, d.interfaces), model, log, options);
        await op.stake(d.options.claimBond * 4n);
        return op;
      },
      request: async (valueHex, consumer = hre.ethers.ZeroAddress, gas = 0) => {
        const fee = await d.coordinator.quoteFee(model.modelId, gas);
        const deadline = (await time.latest()) + 3600;
        await (
          await d.coordinator
            .connect(requester)
            .request(model.modelId, "0x" + valueHex.repeat(n), fee, consumer, gas, deadline)
        ).wait();
        return d.coordinator.requestCount();
      },
      events: (event) => fields.filter((f) => f.event === event),
    };
  }

  it("requests whose callbacks revert, then another: all finalized in one pass, the callbacks retryable", async () => {
    const w = await world();
    const { d } = w;
    // Reverts on every request. Hardhat estimates the second such finalize in a row above the
    // 2^24 transaction gas cap ("missing revert data" on `hardhat node`): the load test's stall.
    const flaky = await new FlakyConsumer__factory(signers[0]).deploy(1, 1_000_000);
    const accepting = await new FlakyConsumer__factory(signers[0]).deploy(1, 0);
    const reverting = [
      await w.request("3e800000", await flaky.getAddress(), 200_000),
      await w.request("3e000000", await flaky.getAddress(), 200_000),
    ];
    const after = await w.request("3f000000", await accepting.getAddress(), 200_000);
    const op = await w.operator("op", signers[3]);
    await op.tick(); // claims all three
    await time.increase(d.options.challengeWindow + 1);
    await op.tick(); // one pass finalizes all three
    for (const id of reverting) {
      const r = await d.coordinator.getRequest(id);
      expect(r.status, w.lines.join("\n")).to.equal(RequestStatus.Finalized);
      expect(r.callbackStatus, "the consumer refused: its retry path is open").to.equal(CallbackStatus.Failed);
    }
    const last = await d.coordinator.getRequest(after);
    expect(last.status, w.lines.join("\n")).to.equal(RequestStatus.Finalized);
    expect(last.callbackStatus).to.equal(CallbackStatus.Delivered);
    expect(w.events("finalized").map((e) => e.requestId)).to.deep.equal([...reverting, after].map(String));
    expect(w.events("item-failed"), "no item failed").to.deep.equal([]);
    // The protocol's retry path (§5.5): anyone may call retryCallback; this consumer still refuses.
    const output = await outputOf(d, reverting[1]);
    await expect(d.coordinator.retryCallback(reverting[1], output, { gasLimit: finalizeGasLimit(200_000n, 4) }))
      .to.emit(d.coordinator, "CallbackFailed")
      .withArgs(reverting[1], await flaky.getAddress());
  });

  it("finalize's gas limit holds for a callback that burns the largest limit; the formula's margin is the contract's", async () => {
    const w = await world();
    const { d } = w;
    expect(await d.coordinator.CALLBACK_GAS_MARGIN()).to.equal(CALLBACK_GAS_MARGIN);
    const burner = await new MockConsumer__factory(signers[0]).deploy();
    await (await burner.setMode(2)).wait(); // BurnGas: uses all it is given
    const max = Number(await d.coordinator.MAX_CALLBACK_GAS());
    const id = await w.request("3f000000", await burner.getAddress(), max);
    const op = await w.operator("op", signers[3]);
    await op.tick();
    await time.increase(d.options.challengeWindow + 1);
    await op.tick();
    const r = await d.coordinator.getRequest(id);
    expect(r.status, w.lines.join("\n")).to.equal(RequestStatus.Finalized);
    expect(r.callbackStatus, "the callback ran out of its own gas, not the transaction").to.equal(
      CallbackStatus.Failed,
    );
    const [fin] = w.events("finalized");
    expect(BigInt(fin.gasLimit as number)).to.equal(finalizeGasLimit(BigInt(max), 4));
    expect(fin.gas, "the limit is an upper bound of what finalize used").to.be.below(fin.gasLimit as number);
    // The consumer now accepts: the retry delivers with the same limit.
    await (await burner.setMode(0)).wait();
    const output = await outputOf(d, id);
    await expect(d.coordinator.retryCallback(id, output, { gasLimit: finalizeGasLimit(BigInt(max), 4) })).to.emit(
      d.coordinator,
      "CallbackDelivered",
    );
  });

  it("a claim race lost skips only that request, logged as outraced, not retried", async () => {
    const w = await world();
    const { d } = w;
    const contested = await w.request("3e800000");
    const other = await w.request("3f000000");
    const a = await w.operator("A", signers[3]);
    const b = await w.operator("B", signers[4]);
    // B claims `contested` between A's dry run of its reveal (claim) and A's send.
    const raced = raceRevealEstimate(d, a, "after", () => b.serve(contested));
    await a.tick();
    expect(raced(), "the race was run").to.equal(true);
    // The reveal was mined and reverted: a race lost, logged once as such, not a failure.
    const races = w.events("outraced");
    expect(races, w.lines.join("\n")).to.have.length(1);
    expect(races[0]).to.include({ agent: "A", requestId: String(contested) });
    expect(w.events("item-failed").concat(w.events("refused"), w.events("race"))).to.deep.equal([]);
    const claimOf = async (id: bigint) =>
      (await d.coordinator.getClaim((await d.coordinator.getRequest(id)).claimId)).operator;
    expect(await claimOf(contested)).to.equal(b.address);
    expect(await claimOf(other), "the pass went on to the next request").to.equal(a.address);
    await a.tick();
    expect(w.events("outraced"), "the lost request is not tried again").to.have.length(1);
  });

  it("a reveal refused at its dry run because a rival's landed first is outraced, not a refusal", async () => {
    const w = await world();
    const { d } = w;
    const contested = await w.request("3e800000");
    const a = await w.operator("A", signers[3]);
    const b = await w.operator("B", signers[4]);
    // A has committed; B's whole claim lands before A's reveal is estimated.
    const raced = raceRevealEstimate(d, a, "before", () => b.serve(contested));
    await a.tick();
    expect(raced(), "the race was run").to.equal(true);
    expect(w.events("outraced"), w.lines.join("\n")).to.have.length(1);
    expect(w.events("outraced")[0]).to.include({ agent: "A", requestId: String(contested) });
    expect(w.events("refused"), "not logged as a refusal").to.deep.equal([]);
    await a.tick();
    expect(w.events("outraced"), "not tried again").to.have.length(1);
  });

  it("a finalize race lost (someone else finalized first) skips only that request", async () => {
    const w = await world();
    const { d } = w;
    const first = await w.request("3e800000");
    const second = await w.request("3f000000");
    const a = await w.operator("A", signers[3]);
    await a.tick();
    await time.increase(d.options.challengeWindow + 1);
    // Anyone may finalize: a keeper does so for `first` between A's dry run and A's send.
    const provider = a.sender.signer.provider!;
    const realCall = provider.call.bind(provider);
    const selector = d.coordinator.interface.getFunction("finalize").selector;
    let raced = false;
    provider.call = async (tx) => {
      const out = await realCall(tx);
      if (!raced && typeof tx.data === "string" && tx.data.startsWith(selector)) {
        raced = true;
        await (
          await d.coordinator.connect(signers[5]).finalize(first, await outputOf(d, first), { gasLimit: 1_000_000 })
        ).wait();
      }
      return out;
    };
    try {
      await a.tick();
    } finally {
      provider.call = realCall;
    }
    expect(w.events("race"), w.lines.join("\n")).to.have.length(1);
    expect(w.events("race")[0]).to.include({ requestId: String(first), error: "Coordinator_RequestNotClaimed" });
    expect((await d.coordinator.getRequest(second)).status, "the pass went on").to.equal(RequestStatus.Finalized);
  });

  it("--min-fee-per-gas: a request whose fee covers claim + finalize gas is served, one below cost declined once", async () => {
    const w = await world();
    const { d } = w;
    const consumer = await new MockConsumer__factory(signers[0]).deploy();
    // Default schedule: one token unit per callback gas, so the largest callback pays 1M on top.
    expect(d.options.fees.perCallbackGas).to.be.greaterThan(0n);
    const cheap = await w.request("3e800000"); // no callback: base + steps fee only
    const max = Number(await d.coordinator.MAX_CALLBACK_GAS());
    const rich = await w.request("3f000000", await consumer.getAddress(), max);
    const richFee = (await d.coordinator.getRequest(rich)).fee;
    const cheapFee = (await d.coordinator.getRequest(cheap)).fee;
    // A price at which the rich request's fee covers the gas and the cheap one's does not.
    const price = parseTokenPerGas("0.5")!;
    const op = await w.operator("op", signers[3], { minFeePerGas: price });
    await op.tick();
    expect((await d.coordinator.getRequest(rich)).status, w.lines.join("\n")).to.equal(RequestStatus.Claimed);
    expect((await d.coordinator.getRequest(cheap)).status).to.equal(RequestStatus.Open);
    const declined = w.events("unprofitable");
    expect(declined).to.have.length(1);
    expect(declined[0]).to.include({ requestId: String(cheap), fee: String(cheapFee) });
    expect(BigInt(declined[0].cost as string)).to.be.greaterThan(cheapFee);
    // The cost is the claim's gas plus finalize's limit with the callback's, at the price.
    const [claimed] = w.events("claimed");
    const claimGas = BigInt(claimed.commitGas as number) + BigInt(claimed.gas as number);
    // The first decision used the bound (a reveal cannot be dry-run before its commit is mined).
    expect(claimGasBound(4), "the bound covers commit + reveal").to.be.at.least(claimGas);
    expect(claimGasBound(4), "and is not far above").to.be.below((claimGas * 3n) / 2n);
    const richCost = gasCost(claimGasBound(4) + finalizeGasLimit(BigInt(max), 4), price);
    expect(richFee >= richCost, `${richFee} covers ${richCost}`).to.equal(true);
    await op.tick();
    expect(w.events("unprofitable"), "declined once").to.have.length(1);
    // Without a price every request is served.
    const free = await w.operator("free", signers[4]);
    await free.tick();
    expect((await d.coordinator.getRequest(cheap)).status).to.equal(RequestStatus.Claimed);
  });

  it("parseTokenPerGas and gasCost: decimals, rounding up, refusals", () => {
    expect(parseTokenPerGas("2")).to.deep.equal({ numerator: 2n, denominator: 1n });
    expect(parseTokenPerGas("0.0005")).to.deep.equal({ numerator: 5n, denominator: 10_000n });
    for (const bad of ["", "-1", "1e3", ".5", "1.", "abc"]) expect(parseTokenPerGas(bad), bad).to.equal(null);
    expect(gasCost(3n, { numerator: 1n, denominator: 2n })).to.equal(2n);
    expect(gasCost(4n, { numerator: 1n, denominator: 2n })).to.equal(2n);
  });
});
