// contracts/RefereeConsumer.sol, the base a dApp inherits, through its smallest complete
// example (contracts/examples/Classifier.sol) on the real Coordinator (toy verifier), and
// contracts/lib/LibBinary32.sol's readers against TypeScript's own binary32 (DataView).
// Run: npx hardhat test test/consumer.test.ts
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { initHasher } from "../node/commit";
import { argmax as referenceArgmax } from "../node/reference/metrics";
import type { Binary32Harness } from "../typechain-types";
import {
  CallbackStatus,
  DEFAULTS,
  RequestStatus,
  deployProtocol,
  makeClaim,
  makeRequest,
  registerScenario,
  stakeAll,
} from "./helpers/protocol-fixture";
import { ToyModel, ToyScenario } from "./helpers/toy-trace";

// ---- binary32 in TypeScript: the reference the library is checked against

const box = new DataView(new ArrayBuffer(4));

/** The number a binary32 bit pattern holds (DataView: IEEE 754 binary32, big-endian). */
function valueOf(bits: number): number {
  box.setUint32(0, bits);
  return box.getFloat32(0);
}

/** Output bytes as the Coordinator delivers them: each pattern big-endian, concatenated. */
function bytesOf(bits: readonly number[]): string {
  const out = new Uint8Array(4 * bits.length);
  const dv = new DataView(out.buffer);
  bits.forEach((b, i) => dv.setUint32(4 * i, b));
  return ethers.hexlify(out);
}

/** numpy's sort order: −inf < … < −0 = +0 < … < +inf < NaN, all NaNs equal. */
function referenceCompare(a: number, b: number): bigint {
  const [x, y] = [valueOf(a), valueOf(b)];
  const [nx, ny] = [Number.isNaN(x), Number.isNaN(y)];
  if (nx || ny) return nx && ny ? 0n : nx ? 1n : -1n;
  return x < y ? -1n : x > y ? 1n : 0n;
}

const EDGE = {
  "+0": 0x00000000,
  "-0": 0x80000000,
  "min subnormal": 0x00000001,
  "-min subnormal": 0x80000001,
  "max subnormal": 0x007fffff,
  "min normal": 0x00800000,
  "0.5": 0x3f000000,
  "1": 0x3f800000,
  "-1": 0xbf800000,
  "1 + ulp": 0x3f800001,
  "max finite": 0x7f7fffff,
  "-max finite": 0xff7fffff,
  "+inf": 0x7f800000,
  "-inf": 0xff800000,
  "quiet NaN": 0x7fc00000,
  "-NaN": 0xffc00000,
  "signalling NaN": 0x7f800001,
  "NaN, all payload": 0x7fffffff,
} as const;
const EDGE_BITS: number[] = Object.values(EDGE);

describe("RefereeConsumer and LibBinary32", function () {
  let s: ToyScenario;

  before(async () => {
    await initHasher();
    // Five class scores (activation slot 3) after a one-value "score": argmax over [1, 6).
    s = new ToyModel({ steps: 1000, probsValues: 5 }).scenario(3);
  });

  const SCORES_FROM = 1;
  const CLASSES = 5;

  /** The verified output's label and confidence, computed here from the claimed bytes. */
  function expectedResult(output: string, confidenceBits: number) {
    const values = ethers.getBytes(output);
    const dv = new DataView(values.buffer, values.byteOffset);
    const scores = Array.from({ length: CLASSES }, (_, i) => dv.getFloat32(4 * (SCORES_FROM + i)));
    const label = referenceArgmax(scores);
    return { label: BigInt(label), confident: scores[label] > valueOf(confidenceBits) };
  }

  async function deployed() {
    const p = await deployProtocol();
    await registerScenario(p, s);
    await stakeAll(p);
    const payer = p.actors.requester;
    const output = ethers.getBytes(s.honest.claim.output);
    // The confidence threshold: the mean of the class scores, so the test knows both sides exist.
    const dv = new DataView(output.buffer, output.byteOffset);
    const mean = Array.from({ length: CLASSES }, (_, i) => dv.getFloat32(4 * (SCORES_FROM + i))).reduce(
      (a, b) => a + b / CLASSES,
      0,
    );
    box.setFloat32(0, mean);
    const confidenceBits = box.getUint32(0);
    const deploy = async (from: number) =>
      await ethers.deployContract("Classifier", [p.coordinator, s.modelId, from, CLASSES, confidenceBits]);
    const classifier = await deploy(SCORES_FROM);
    await p.token.connect(payer).approve(classifier, ethers.MaxUint256);
    const quote = await p.coordinator.quoteFee(s.modelId, await classifier.CALLBACK_GAS());
    return { p, payer, classifier, deploy, quote, confidenceBits };
  }

  async function requested() {
    const f = await deployed();
    await f.classifier.connect(f.payer).classify(s.input, f.quote);
    return { ...f, requestId: await f.p.coordinator.requestCount() };
  }

  async function claimed() {
    const f = await requested();
    await makeClaim(f.p, f.p.actors.operators[0], f.requestId, s.honest);
    await time.increase(DEFAULTS.challengeWindow);
    return f;
  }

  describe("requests", () => {
    it("binds the coordinator and reads its fee token", async () => {
      const { p, classifier } = await loadFixture(deployed);
      expect(await classifier.COORDINATOR()).to.equal(await p.coordinator.getAddress());
      expect(await classifier.FEE_TOKEN()).to.equal(await p.token.getAddress());
      const factory = await ethers.getContractFactory("Classifier");
      await expect(
        factory.deploy(ethers.ZeroAddress, s.modelId, SCORES_FROM, CLASSES, 0),
      ).to.be.revertedWithCustomError(classifier, "RefereeConsumer_ZeroCoordinator");
    });

    it("pays exactly the quote, approves nothing more, sets deadline = block time + ttl, records the request", async () => {
      const { p, payer, classifier, quote } = await loadFixture(deployed);
      const tx = classifier.connect(payer).classify(s.input, quote * 2n);
      await expect(tx).to.changeTokenBalances(p.token, [payer, classifier, p.coordinator], [-quote, 0n, quote]);
      const block = (await ethers.provider.getBlock((await (await tx).wait())!.blockNumber))!;
      const deadline = BigInt(block.timestamp) + (await classifier.TTL());
      const inputHash = ethers.keccak256(s.input);
      await expect(tx).to.emit(classifier, "InferenceRequested").withArgs(1n, s.modelId, inputHash, quote, deadline);
      const r = await p.coordinator.getRequest(1n);
      const me = await classifier.getAddress();
      expect([r.requester, r.consumer, r.fee, r.deadline, r.inputHash, r.callbackGasLimit]).to.deep.equal([
        me,
        me,
        quote,
        deadline,
        inputHash,
        await classifier.CALLBACK_GAS(),
      ]);
      expect(await classifier.pendingRequest(1n)).to.deep.equal([s.modelId, inputHash]);
      expect(await p.token.allowance(classifier, p.coordinator)).to.equal(0n);
      expect(await classifier.payerOf(1n)).to.equal(payer.address);
    });

    it("refuses a quote above the caller's maximum", async () => {
      const { p, payer, classifier, quote } = await loadFixture(deployed);
      await expect(classifier.connect(payer).classify(s.input, quote - 1n))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_FeeAboveMax")
        .withArgs(quote, quote - 1n);
      expect(await p.coordinator.requestCount()).to.equal(0n);
    });
  });

  describe("onInferenceResult", () => {
    it("a finalized claim reaches _fulfill once, through the real Coordinator", async () => {
      const { p, classifier, requestId, confidenceBits } = await loadFixture(claimed);
      const { label, confident } = expectedResult(s.honest.claim.output, confidenceBits);
      const tx = p.coordinator.finalize(requestId, s.honest.claim.output);
      await expect(tx)
        .to.emit(p.coordinator, "CallbackDelivered")
        .withArgs(requestId, await classifier.getAddress());
      await expect(tx).to.emit(classifier, "InferenceFulfilled").withArgs(requestId);
      await expect(tx).to.emit(classifier, "Classified").withArgs(requestId, label, confident);
      expect(label, "the toy scores pick a class other than the first").to.not.equal(0n);
      expect(await classifier.resultOf(requestId)).to.deep.equal([true, label, confident]);
      expect(await classifier.pendingRequest(requestId)).to.deep.equal([ethers.ZeroHash, ethers.ZeroHash]);
    });

    it("a callback from anyone but the coordinator reverts with the caller", async () => {
      const { p, classifier, requestId } = await loadFixture(claimed);
      const spoofer = p.actors.stranger;
      const own = [await classifier.getAddress(), ethers.keccak256(s.input)] as const;
      await expect(classifier.connect(spoofer).onInferenceResult(requestId, s.modelId, ...own, s.honest.claim.output))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_NotCoordinator")
        .withArgs(spoofer.address);
    });

    it("a replayed or unknown request id reverts, even from the coordinator", async () => {
      const { p, classifier, requestId } = await loadFixture(claimed);
      await p.coordinator.finalize(requestId, s.honest.claim.output);
      const coordinator = await ethers.getImpersonatedSigner(await p.coordinator.getAddress());
      await ethers.provider.send("hardhat_setBalance", [coordinator.address, "0xde0b6b3a7640000"]);
      const args = [
        s.modelId,
        await classifier.getAddress(),
        ethers.keccak256(s.input),
        s.honest.claim.output,
      ] as const;
      for (const id of [requestId, 999n])
        await expect(classifier.connect(coordinator).onInferenceResult(id, ...args))
          .to.be.revertedWithCustomError(classifier, "RefereeConsumer_UnknownRequest")
          .withArgs(id);
    });

    it("a pending id with another model, input or requester reverts, naming what was expected", async () => {
      const { p, payer, classifier, requestId } = await loadFixture(claimed);
      const coordinator = await ethers.getImpersonatedSigner(await p.coordinator.getAddress());
      await ethers.provider.send("hardhat_setBalance", [coordinator.address, "0xde0b6b3a7640000"]);
      const c = classifier.connect(coordinator);
      const [me, input, out] = [await classifier.getAddress(), ethers.keccak256(s.input), s.honest.claim.output];
      const other = ethers.keccak256("0x01");
      await expect(c.onInferenceResult(requestId, s.modelId, payer.address, input, out))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_NotOwnRequest")
        .withArgs(requestId, payer.address);
      await expect(c.onInferenceResult(requestId, other, me, input, out))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_WrongModel")
        .withArgs(requestId, s.modelId, other);
      await expect(c.onInferenceResult(requestId, s.modelId, me, other, out))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_WrongInput")
        .withArgs(requestId, input, other);
      expect((await classifier.resultOf(requestId)).done).to.equal(false);
    });

    it("someone else's request naming the consumer is refused: the callback fails, nothing is stored", async () => {
      const { p, classifier } = await loadFixture(deployed);
      const consumer = await classifier.getAddress();
      const id = await makeRequest(p, s, { consumer, gasLimit: Number(await classifier.CALLBACK_GAS()) });
      await makeClaim(p, p.actors.operators[0], id, s.honest);
      await time.increase(DEFAULTS.challengeWindow);
      await expect(p.coordinator.finalize(id, s.honest.claim.output))
        .to.emit(p.coordinator, "CallbackFailed")
        .withArgs(id, consumer);
      expect((await classifier.resultOf(id)).done).to.equal(false);
    });

    it("a _fulfill that reverts leaves the request pending (retryable), not half-done", async () => {
      const { p, payer, deploy, quote } = await loadFixture(deployed);
      // Scores said to start past the output's end: LibBinary32 reverts inside _fulfill.
      const broken = await deploy(7);
      await p.token.connect(payer).approve(broken, ethers.MaxUint256);
      await broken.connect(payer).classify(s.input, quote);
      await makeClaim(p, p.actors.operators[0], 1n, s.honest);
      await time.increase(DEFAULTS.challengeWindow);
      await expect(p.coordinator.finalize(1n, s.honest.claim.output)).to.emit(p.coordinator, "CallbackFailed");
      expect((await p.coordinator.getRequest(1n)).callbackStatus).to.equal(CallbackStatus.Failed);
      expect(await broken.pendingRequest(1n)).to.deep.equal([s.modelId, ethers.keccak256(s.input)]);
      await expect(p.coordinator.retryCallback(1n, s.honest.claim.output)).to.emit(p.coordinator, "CallbackFailed");
    });
  });

  describe("refunds", () => {
    it("a request no claim answered is refunded, cleared once, and its fee returned to its payer", async () => {
      const { p, payer, classifier, quote, requestId } = await loadFixture(requested);
      await expect(classifier.returnFee(requestId))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_NotRefunded")
        .withArgs(requestId, RequestStatus.Open);
      await time.increaseTo((await p.coordinator.getRequest(requestId)).deadline + 1n);
      await p.coordinator.refund(requestId);
      const tx = classifier.connect(p.actors.stranger).returnFee(requestId);
      await expect(tx).to.changeTokenBalances(p.token, [payer, p.coordinator, classifier], [quote, -quote, 0n]);
      await expect(tx).to.emit(classifier, "InferenceRefunded").withArgs(requestId, quote);
      await expect(tx).to.emit(classifier, "FeeReturned").withArgs(requestId, payer.address, quote);
      await expect(classifier.returnFee(requestId))
        .to.be.revertedWithCustomError(classifier, "RefereeConsumer_UnknownRequest")
        .withArgs(requestId);
    });
  });

  it("docs/CONSUMER.md shows the example contract this test runs, verbatim", () => {
    const root = join(__dirname, "..");
    const example = readFileSync(join(root, "contracts/examples/Classifier.sol"), "utf8");
    const doc = readFileSync(join(root, "docs/CONSUMER.md"), "utf8");
    expect(doc.includes("```solidity\n" + example + "```")).to.equal(true);
  });

  describe("LibBinary32 against TypeScript binary32", () => {
    async function harness(): Promise<Binary32Harness> {
      return await ethers.deployContract("Binary32Harness");
    }

    it("the TypeScript reference reads the edge values as Math.fround does", () => {
      expect(valueOf(EDGE["0.5"])).to.equal(Math.fround(0.5));
      expect(valueOf(EDGE["min subnormal"])).to.equal(Math.fround(2 ** -149));
      expect(valueOf(EDGE["max finite"])).to.equal(Math.fround(3.4028234663852886e38));
      expect(Object.is(valueOf(EDGE["-0"]), -0)).to.equal(true);
      expect(Number.isNaN(valueOf(EDGE["signalling NaN"]))).to.equal(true);
    });

    it("count and bitsAt read big-endian patterns exactly (NaN payloads kept) and name bad reads", async () => {
      const h = await loadFixture(harness);
      const out = bytesOf(EDGE_BITS);
      expect(await h.count(out)).to.equal(BigInt(EDGE_BITS.length));
      expect(await h.count("0x")).to.equal(0n);
      for (let i = 0; i < EDGE_BITS.length; i++) expect(await h.bitsAt(out, i)).to.equal(BigInt(EDGE_BITS[i]));
      await expect(h.bitsAt(out, EDGE_BITS.length))
        .to.be.revertedWithCustomError(h, "LibBinary32_IndexOutOfRange")
        .withArgs(EDGE_BITS.length, EDGE_BITS.length);
      await expect(h.count("0x0102030405")).to.be.revertedWithCustomError(h, "LibBinary32_BadLength").withArgs(5n);
    });

    it("compare is numpy's order on every pair of edge values (±0 equal, NaN above +inf, NaNs equal)", async () => {
      const h = await loadFixture(harness);
      const a = EDGE_BITS.flatMap((x) => EDGE_BITS.map(() => x));
      const b = EDGE_BITS.flatMap(() => EDGE_BITS);
      const got = await h.compareBatch(a, b);
      const want = a.map((x, i) => referenceCompare(x, b[i]));
      expect(got).to.deep.equal(want);
      // The cases the order has to define, spelled out.
      const pick = (x: number, y: number) => got[a.findIndex((v, i) => v === x && b[i] === y)];
      expect(pick(EDGE["-0"], EDGE["+0"])).to.equal(0n);
      expect(pick(EDGE["quiet NaN"], EDGE["+inf"])).to.equal(1n);
      expect(pick(EDGE["-NaN"], EDGE["signalling NaN"])).to.equal(0n);
      expect(pick(EDGE["-min subnormal"], EDGE["-0"])).to.equal(-1n);
      expect(pick(EDGE["1"], EDGE["1 + ulp"])).to.equal(-1n);
    });

    it("thresholds are IEEE > and ≥: NaN passes none, −0 = +0, subnormals and infinities ordered", async () => {
      const h = await loadFixture(harness);
      const out = bytesOf(EDGE_BITS);
      for (const t of EDGE_BITS) {
        const [above, atLeast] = await h.thresholds(out, t);
        const tv = valueOf(t);
        expect(above, `> ${t.toString(16)}`).to.deep.equal(EDGE_BITS.map((x) => valueOf(x) > tv));
        expect(atLeast, `>= ${t.toString(16)}`).to.deep.equal(EDGE_BITS.map((x) => valueOf(x) >= tv));
      }
    });

    it("argmax is the first maximum, the first NaN if any, as the reference's argmax", async () => {
      const h = await loadFixture(harness);
      const E = EDGE;
      const cases: { bits: number[]; want: number }[] = [
        { bits: [E["1"], E["1"]], want: 0 },
        { bits: [E["-0"], E["+0"]], want: 0 },
        { bits: [E["+0"], E["-0"], E["min subnormal"]], want: 2 },
        { bits: [E["-inf"], E["-inf"]], want: 0 },
        { bits: [E["1"], E["quiet NaN"], E["+inf"], E["-NaN"]], want: 1 },
        { bits: [E["-1"], E["max finite"], E["+inf"], E["+inf"]], want: 2 },
        { bits: [E["-max finite"], E["-1"], E["-min subnormal"]], want: 2 },
        { bits: [E["0.5"]], want: 0 },
      ];
      // Seeded random rows of edge values, lengths 1 to 9.
      let seed = 7;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      for (let r = 0; r < 40; r++) {
        const bits = Array.from({ length: 1 + (next() % 9) }, () => EDGE_BITS[next() % EDGE_BITS.length]);
        cases.push({ bits, want: referenceArgmax(bits.map(valueOf)) });
      }
      for (const c of cases) {
        expect(c.want, "the reference agrees with the spelled-out case").to.equal(referenceArgmax(c.bits.map(valueOf)));
        expect(await h.argmax(bytesOf(c.bits)), c.bits.map((b) => b.toString(16)).join(",")).to.equal(BigInt(c.want));
      }
      // A range within the output: indices relative to its start.
      const row = [E["+inf"], E["-1"], E["1"], E["1 + ulp"], E["quiet NaN"]];
      expect(await h.argmaxRange(bytesOf(row), 1, 3)).to.equal(2n);
      await expect(h.argmaxRange(bytesOf(row), 1, 0)).to.be.revertedWithCustomError(h, "LibBinary32_EmptyRange");
      await expect(h.argmax("0x")).to.be.revertedWithCustomError(h, "LibBinary32_EmptyRange");
      await expect(h.argmaxRange(bytesOf(row), 3, 3))
        .to.be.revertedWithCustomError(h, "LibBinary32_RangeOutOfBounds")
        .withArgs(3n, 3n, 5n);
      await expect(h.argmaxRange(bytesOf(row), ethers.MaxUint256, 2))
        .to.be.revertedWithCustomError(h, "LibBinary32_RangeOutOfBounds")
        .withArgs(ethers.MaxUint256, 2n, 5n);
    });
  });
});
