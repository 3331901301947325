// The transaction manager on Hardhat's in-process chain with automine off: a transaction whose
// fee the chain outgrew (a block mined at a far higher base fee) is replaced with the same
// nonce and fees bumped by at least 10%, and mined; with a fee cap that a bump would cross,
// bumping stops with a clear error instead.
import { expect } from "chai";
import hre from "hardhat";
import { BrowserProvider, HDNodeWallet, toQuantity } from "ethers";
import { takeSnapshot, type SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { TestToken__factory } from "../typechain-types";
import { TxSender } from "../node/chain/sender";
import { FeeCapReached, TxManagerOptions, bumpedFees, initialFees } from "../node/chain/txmgr";
import { protocolInterfaces } from "../node/chain/deploy";
import { DEV_MNEMONIC } from "../node/cli/chain";

const rpc = (method: string, params: unknown[] = []) => hre.network.provider.send(method, params);

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The hashes of the transactions waiting in the mempool (those too cheap for the next block too). */
async function pendingHashes(): Promise<string[]> {
  return ((await rpc("eth_pendingTransactions")) as { hash: string }[]).map((t) => t.hash);
}

describe("chain: transaction manager (stuck transactions replaced with bumped fees, up to a cap)", function () {
  this.timeout(120_000);
  let snapshot: SnapshotRestorer;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    for (const h of await pendingHashes()) await rpc("hardhat_dropTransaction", [h]);
    await rpc("evm_setAutomine", [true]);
    await snapshot.restore();
  });

  async function setup(i: number, o: Partial<TxManagerOptions>) {
    const provider = new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
    const w = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
    const token = await new TestToken__factory(w).deploy();
    await token.waitForDeployment();
    const events: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const sender = await TxSender.of(
      w,
      protocolInterfaces(),
      { baseMs: 1 },
      {
        resubmitAfterMs: 1_000,
        timeoutMs: 60_000,
        ...o,
        log: (line, fields = {}) => {
          lines.push(line);
          events.push(fields);
        },
      },
    );
    return { provider, w, token, sender, events, lines };
  }

  /** Starts a send with automine off and returns it once its first version waits in the mempool. */
  async function stuckSend(s: Awaited<ReturnType<typeof setup>>) {
    await rpc("evm_setAutomine", [false]);
    const sent = s.sender.send(() => s.token.mint.populateTransaction(s.w.address, 5n));
    sent.catch(() => undefined); // awaited by the test
    await waitFor("the first version in the mempool", async () => (await pendingHashes()).length === 1);
    const [hash] = await pendingHashes();
    const first = (await s.provider.getTransaction(hash))!;
    // A block it cannot enter: the base fee far above its maxFeePerGas.
    await rpc("hardhat_setNextBlockBaseFeePerGas", [toQuantity(first.maxFeePerGas! * 10n)]);
    await rpc("evm_mine");
    expect(await s.provider.getTransactionReceipt(hash), "not mined at its fee").to.equal(null);
    return { sent, first };
  }

  it("a stuck transaction is replaced with the same nonce and fees bumped ≥ 10%, and mined", async () => {
    const s = await setup(16, {});
    const { sent, first } = await stuckSend(s);
    await waitFor("a replacement", () => s.events.some((e) => e.event === "tx-replaced"));
    await rpc("evm_mine");
    const result = await sent;
    expect(result.hash, "the replacement was mined, not the first version").to.not.equal(first.hash);
    const mined = (await s.provider.getTransaction(result.hash))!;
    expect(mined.nonce, "same nonce").to.equal(first.nonce);
    expect(mined.maxFeePerGas! * 100n >= first.maxFeePerGas! * 110n, "maxFeePerGas +10% at least").to.equal(true);
    expect(mined.maxPriorityFeePerGas! * 100n >= first.maxPriorityFeePerGas! * 110n, "tip +10% at least").to.equal(
      true,
    );
    expect(result.receipt.status).to.equal(1);
    expect(await s.token.balanceOf(s.w.address)).to.equal(5n);
    expect(s.sender.replacements).to.be.greaterThanOrEqual(1);
    const replaced = s.events.find((e) => e.event === "tx-replaced")!;
    expect(replaced.replaced).to.equal(first.hash);
    expect(s.lines.join("\n")).to.match(new RegExp(`nonce ${first.nonce}: not mined after \\d+ s at maxFeePerGas`));
    // The next send takes the next nonce.
    await rpc("evm_setAutomine", [true]);
    const next = await s.sender.send(() => s.token.mint.populateTransaction(s.w.address, 1n));
    expect((await s.provider.getTransaction(next.hash))!.nonce).to.equal(first.nonce + 1);
  });

  it("a bump past the fee cap is not sent: the send fails with a clear error naming the cap", async () => {
    const probe = new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
    const suggested = (await probe.getFeeData()).maxFeePerGas!;
    // Room for the first offer, not for a 10% bump of it.
    const cap = (suggested * 105n) / 100n;
    const s = await setup(17, { maxFeePerGas: cap });
    const { sent, first } = await stuckSend(s);
    const err = await sent.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FeeCapReached);
    expect((err as Error).message).to.match(
      new RegExp(
        `^transaction nonce ${first.nonce} not mined at maxFeePerGas .* gwei: a 10% bump would exceed the fee cap of [0-9.]+ gwei`,
      ),
    );
    expect(s.events.some((e) => e.event === "fee-cap")).to.equal(true);
    // At most one replacement, clamped to the cap (when the first offer was under 1/1.1 of it).
    const waiting = await pendingHashes();
    expect(waiting).to.have.length(1);
    const last = (await s.provider.getTransaction(waiting[0]))!;
    expect(last.nonce).to.equal(first.nonce);
    expect(last.maxFeePerGas! <= cap, "never above the cap").to.equal(true);
    expect(s.events.filter((e) => e.event === "tx-replaced").length).to.be.lessThanOrEqual(1);
  });

  it("fee arithmetic: bumps follow the replacement rule or the node's new suggestion, capped", () => {
    const old = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n };
    expect(bumpedFees(old, old, 10n, null)).to.deep.equal({ maxFeePerGas: 110n, maxPriorityFeePerGas: 11n });
    // The chain now asks more than +10%: the suggestion wins.
    expect(bumpedFees(old, { maxFeePerGas: 300n, maxPriorityFeePerGas: 2n }, 10n, null)).to.deep.equal({
      maxFeePerGas: 300n,
      maxPriorityFeePerGas: 11n,
    });
    // Capped: clamped while the minimal bump fits, refused once it does not.
    expect(bumpedFees(old, { maxFeePerGas: 300n, maxPriorityFeePerGas: 2n }, 10n, 150n)).to.deep.equal({
      maxFeePerGas: 150n,
      maxPriorityFeePerGas: 11n,
    });
    expect(bumpedFees({ maxFeePerGas: 150n, maxPriorityFeePerGas: 11n }, old, 10n, 150n)).to.equal(null);
    expect(bumpedFees({ gasPrice: 7n }, { gasPrice: 1n }, 10n, null)).to.deep.equal({ gasPrice: 8n });
    expect(initialFees({ maxFeePerGas: 500n, maxPriorityFeePerGas: 600n }, 400n)).to.deep.equal({
      maxFeePerGas: 400n,
      maxPriorityFeePerGas: 400n,
    });
  });
});
