// TxSender on Hardhat's in-process chain: nonces handed out in order for concurrent sends,
// a lost broadcast reply retried without a second transaction, reverts refused by name
// before any nonce is spent.
import { expect } from "chai";
import hre from "hardhat";
import { BrowserProvider, HDNodeWallet, makeError } from "ethers";
import { TestToken__factory } from "../typechain-types";
import { ChainError } from "../node/chain/errors";
import { TxSender } from "../node/chain/sender";
import { protocolInterfaces } from "../node/chain/deploy";
import { DEV_MNEMONIC } from "../node/cli/chain";

/** A provider whose next `failures` broadcasts fail: before reaching the node, or after (reply lost). */
class LossyProvider extends BrowserProvider {
  failures = 0;
  lose: "request" | "reply" = "reply";
  broadcasts = 0;
  override async broadcastTransaction(raw: string) {
    this.broadcasts++;
    const fail = this.failures > 0;
    if (fail) this.failures--;
    if (fail && this.lose === "request") throw makeError("connection refused", "NETWORK_ERROR", { event: "broadcast" });
    const r = await super.broadcastTransaction(raw);
    if (fail) throw makeError("connection reset after send", "NETWORK_ERROR", { event: "broadcast" });
    return r;
  }
}

describe("chain: TxSender (nonces, retried broadcasts, named reverts)", () => {
  const wallet = (provider: BrowserProvider, i: number) =>
    HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);

  async function setup(i: number) {
    const provider = new LossyProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
    const w = wallet(provider, i);
    const token = await new TestToken__factory(w).deploy();
    await token.waitForDeployment();
    const sender = await TxSender.of(w, protocolInterfaces(), { baseMs: 1 });
    return { provider, w, token, sender };
  }

  it("concurrent sends get consecutive nonces and all land", async () => {
    const { w, token, sender, provider } = await setup(11);
    const n0 = await provider.getTransactionCount(w.address);
    const sent = await Promise.all(
      [1n, 2n, 3n, 4n, 5n].map((k) => sender.send(() => token.mint.populateTransaction(w.address, k))),
    );
    const nonces = await Promise.all(sent.map(async (s) => (await provider.getTransaction(s.hash))!.nonce));
    expect(nonces).to.deep.equal([n0, n0 + 1, n0 + 2, n0 + 3, n0 + 4]);
    expect(await token.balanceOf(w.address)).to.equal(15n);
    expect(sender.gasUsed).to.equal(sent.reduce((a, s) => a + s.gasUsed, 0n));
  });

  for (const lose of ["request", "reply"] as const) {
    it(`a broadcast whose ${lose} is lost is retried with the same bytes: one transaction, one nonce`, async () => {
      const { w, token, sender, provider } = await setup(lose === "request" ? 12 : 15);
      const n0 = await provider.getTransactionCount(w.address);
      provider.failures = 2;
      provider.lose = lose;
      provider.broadcasts = 0;
      const s = await sender.send(() => token.mint.populateTransaction(w.address, 7n));
      // A lost request is sent again; a lost reply is found on the node by its hash.
      expect(provider.broadcasts, "broadcasts over the wire").to.equal(lose === "request" ? 3 : 1);
      expect(await provider.getTransactionCount(w.address), "one transaction on chain").to.equal(n0 + 1);
      expect(await token.balanceOf(w.address)).to.equal(7n);
      expect(s.receipt.status).to.equal(1);
    });
  }

  it("a call that would revert is refused by its error's name, and spends no nonce", async () => {
    const { w, token, sender, provider } = await setup(13);
    const n0 = await provider.getTransactionCount(w.address);
    const other = wallet(provider, 14).address;
    const err = await sender
      .send(() => token.transfer.populateTransaction(other, 1n))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(ChainError);
    expect((err as ChainError).errorName).to.equal("ERC20InsufficientBalance");
    expect(await provider.getTransactionCount(w.address)).to.equal(n0);
    await sender.send(() => token.mint.populateTransaction(w.address, 1n));
    expect(await provider.getTransactionCount(w.address), "the next send uses the unspent nonce").to.equal(n0 + 1);
  });
});
