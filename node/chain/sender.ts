// Sends one account's transactions in order: its own nonce counter (several txs in flight
// never collide, a restarted agent re-reads the chain's count), reverts decoded by name
// before anything is broadcast, and transient RPC failures retried without ever sending a
// second transaction for one intent: a key-holding signer's signed bytes are re-broadcast
// as they are (same hash), so a retry after a lost reply cannot double-spend a nonce.
import { BaseWallet, Interface, Signer, TransactionReceipt, TransactionRequest, keccak256 } from "ethers";
import { ChainError, decodeRevert } from "./errors";
import { RetryOptions, withRetry } from "./retry";

export interface SentTx {
  hash: string;
  receipt: TransactionReceipt;
  gasUsed: bigint;
}

/** A transaction mined but reverted: named after the error its replay on the mined state gives, if any. */
export class RevertedOnChain extends ChainError {
  constructor(shortMessage: string, errorName: string | null, args: readonly unknown[], cause: unknown) {
    super(shortMessage, errorName, args, cause);
    this.name = "RevertedOnChain";
  }
}

export class TxSender {
  /** Gas of every transaction sent through this sender. */
  gasUsed = 0n;
  private nextNonce: number | null = null;
  /** Sends are serialized: nonces are handed out in the order intents arrive. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly signer: Signer,
    readonly address: string,
    private readonly interfaces: readonly Interface[],
    private readonly retry: Partial<RetryOptions> = {},
  ) {}

  static async of(
    signer: Signer,
    interfaces: readonly Interface[],
    retry: Partial<RetryOptions> = {},
  ): Promise<TxSender> {
    return new TxSender(signer, await signer.getAddress(), interfaces, retry);
  }

  /** Forget the local nonce: the next send reads the chain's pending count. */
  resetNonce(): void {
    this.nextNonce = null;
  }

  /** Sends the transaction `populate` builds once it is this sender's turn, and waits for it. */
  send(populate: () => Promise<TransactionRequest>): Promise<SentTx> {
    const run = this.queue.then(() => this.sendNow(populate));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(populate: () => Promise<TransactionRequest>): Promise<SentTx> {
    const provider = this.signer.provider;
    if (!provider) throw new Error("the signer has no provider");
    const tx = { ...(await populate()), from: this.address };
    // A call that would revert is refused here, by its error's name, with no nonce spent.
    let gasLimit: bigint;
    try {
      if (tx.gasLimit != null) {
        // The caller knows the limit (finalize: node/chain/finalize-gas.ts) where an estimate
        // is unreliable: a dry run at that limit still names a revert before anything is sent.
        gasLimit = BigInt(tx.gasLimit);
        await withRetry(() => provider.call(tx), this.retry);
      } else {
        // 20% headroom: state may move between the estimate and inclusion.
        gasLimit = ((await withRetry(() => this.signer.estimateGas(tx), this.retry)) * 12n) / 10n;
      }
    } catch (e) {
      throw decodeRevert(e, this.interfaces);
    }
    if (this.nextNonce === null)
      this.nextNonce = await withRetry(() => provider.getTransactionCount(this.address, "pending"), this.retry);
    const nonce = this.nextNonce;
    const request: TransactionRequest = { ...tx, nonce, gasLimit };
    let hash: string;
    try {
      hash =
        this.signer instanceof BaseWallet
          ? await this.broadcastSigned(this.signer, request)
          : (await this.signer.sendTransaction(request)).hash;
    } catch (e) {
      // Unknown whether the nonce was used (another process on this key?): re-read it next time.
      this.nextNonce = null;
      const err = decodeRevert(e, this.interfaces);
      // A named revert after a clean dry run (Hardhat mines it and reports it here): a race.
      if (err.errorName !== null)
        throw new RevertedOnChain(
          `transaction reverted when sent (state changed after its dry run): ${err.shortMessage}`,
          err.errorName,
          err.args,
          e,
        );
      throw err;
    }
    this.nextNonce = nonce + 1;
    const receipt = await this.receiptOf(hash);
    this.gasUsed += receipt.gasUsed;
    if (receipt.status !== 1) throw await this.revertedOnChain(request, hash, receipt);
    return { hash, receipt, gasUsed: receipt.gasUsed };
  }

  /**
   * A transaction that passed its dry run and reverted when mined: the state changed in
   * between (another account's transaction came first, a race). The same call replayed on the
   * state after its block names the error when it can.
   */
  private async revertedOnChain(
    request: TransactionRequest,
    hash: string,
    receipt: TransactionReceipt,
  ): Promise<RevertedOnChain> {
    const provider = this.signer.provider!;
    let replayed: ChainError | null = null;
    try {
      await withRetry(() => provider.call({ ...request, nonce: undefined, blockTag: receipt.blockNumber }), this.retry);
    } catch (e) {
      replayed = decodeRevert(e, this.interfaces);
    }
    const name = replayed?.errorName ?? null;
    return new RevertedOnChain(
      `transaction ${hash} reverted on-chain (state changed after its dry run)${name === null ? "" : `: ${replayed!.shortMessage}`}`,
      name,
      replayed?.args ?? [],
      receipt,
    );
  }

  /** Polls for the receipt (not every provider implements waitForTransaction, Hardhat's among them). */
  private async receiptOf(hash: string, timeoutMs = 120_000): Promise<TransactionReceipt> {
    const provider = this.signer.provider!;
    const t0 = Date.now();
    for (let pause = 20; ; pause = Math.min(1_000, pause * 2)) {
      const r = await withRetry(() => provider.getTransactionReceipt(hash), this.retry);
      if (r) return r;
      if (Date.now() - t0 > timeoutMs)
        throw new ChainError(`transaction ${hash} not mined within ${timeoutMs / 1000} s`, null, [], null);
      await new Promise((res) => setTimeout(res, pause));
    }
  }

  private async broadcastSigned(wallet: BaseWallet, request: TransactionRequest): Promise<string> {
    const provider = wallet.provider!;
    const populated = await withRetry(() => wallet.populateTransaction(request), this.retry);
    const raw = await wallet.signTransaction(populated);
    const hash = keccak256(raw);
    await withRetry(async () => {
      try {
        await provider.broadcastTransaction(raw);
      } catch (e) {
        // A retry after a lost reply: the node already has these very bytes.
        if (await provider.getTransaction(hash).catch(() => null)) return;
        throw e;
      }
    }, this.retry);
    return hash;
  }
}
