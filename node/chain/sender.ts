// Sends one account's transactions in order: its own nonce counter (several txs in flight
// never collide, a restarted agent re-reads the chain's count), reverts decoded by name
// before anything is broadcast, and transient RPC failures retried without ever sending a
// second transaction for one intent: a key-holding signer's signed bytes are re-broadcast
// as they are (same hash), so a retry after a lost reply cannot double-spend a nonce.
// A transaction not mined in time is replaced (same nonce, bumped fees, up to a cap:
// txmgr.ts), so an agent's move is never stuck behind a fee the chain outgrew.
import { BaseWallet, Interface, Signer, TransactionReceipt, TransactionRequest, keccak256 } from "ethers";
import { ChainError, decodeRevert } from "./errors";
import { RetryOptions, withRetry } from "./retry";
import {
  FeeCapReached,
  Fees,
  TXMGR_DEFAULTS,
  TxManagerOptions,
  bumpedFees,
  describeFees,
  feeCeiling,
  gwei,
  initialFees,
  nonceAlreadyUsed,
  suggestedFees,
} from "./txmgr";

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
  /** Fee bumping, timeouts and the fee cap (txmgr.ts). */
  readonly txOptions: TxManagerOptions;
  /** Replacements sent for stuck transactions (a metric). */
  replacements = 0;

  constructor(
    readonly signer: Signer,
    readonly address: string,
    private readonly interfaces: readonly Interface[],
    private readonly retry: Partial<RetryOptions> = {},
    txOptions: Partial<TxManagerOptions> = {},
  ) {
    this.txOptions = { ...TXMGR_DEFAULTS, ...txOptions };
    if (this.txOptions.bumpPercent < TXMGR_DEFAULTS.bumpPercent)
      throw new RangeError(`a fee bump below ${TXMGR_DEFAULTS.bumpPercent}% is refused by nodes as a replacement`);
  }

  static async of(
    signer: Signer,
    interfaces: readonly Interface[],
    retry: Partial<RetryOptions> = {},
    txOptions: Partial<TxManagerOptions> = {},
  ): Promise<TxSender> {
    return new TxSender(signer, await signer.getAddress(), interfaces, retry, txOptions);
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
    // Fees the caller set are kept; else the node's suggestion, clamped to the cap.
    let fees: Fees | null = null;
    if (request.maxFeePerGas == null && request.gasPrice == null) {
      const suggested = await withRetry(() => suggestedFees(provider), this.retry);
      fees = initialFees(suggested, this.txOptions.maxFeePerGas);
      if (feeCeiling(fees) < feeCeiling(suggested))
        this.txOptions.log?.(
          `nonce ${nonce}: the node suggests ${gwei(feeCeiling(suggested))} gwei per gas; offering the cap ${gwei(feeCeiling(fees))} gwei`,
          { event: "fee-clamped", nonce, suggestedGwei: gwei(feeCeiling(suggested)), capGwei: gwei(feeCeiling(fees)) },
        );
    }
    let hash: string;
    try {
      hash = await this.publish({ ...request, ...fees });
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
    let mined: { hash: string; receipt: TransactionReceipt };
    try {
      // Caller-set fees are not ours to bump: only waited for.
      mined = await this.mine(request, fees, hash);
    } catch (e) {
      // Stuck at the cap or past the timeout: the nonce may still be taken later, or not.
      this.nextNonce = null;
      throw e;
    }
    const receipt = mined.receipt;
    this.gasUsed += receipt.gasUsed;
    if (receipt.status !== 1) throw await this.revertedOnChain(request, mined.hash, receipt);
    return { hash: mined.hash, receipt, gasUsed: receipt.gasUsed };
  }

  /** Broadcasts `request` (nonce and fees set): a key-holding signer's bytes, else through the signer. */
  private async publish(request: TransactionRequest): Promise<string> {
    return this.signer instanceof BaseWallet
      ? this.broadcastSigned(this.signer, request)
      : (await this.signer.sendTransaction(request)).hash;
  }

  /**
   * Waits for the transaction sent as `first` at `fees`; each time `resubmitAfterMs` passes
   * without a receipt, replaces it (same nonce, bumped fees). Resolves with whichever of the
   * versions was mined.
   */
  private async mine(
    request: TransactionRequest,
    feesOrNull: Fees | null,
    first: string,
  ): Promise<{ hash: string; receipt: TransactionReceipt }> {
    const o = this.txOptions;
    const provider = this.signer.provider!;
    const nonce = Number(request.nonce);
    const hashes = [first];
    const t0 = Date.now();
    for (let fees = feesOrNull; ;) {
      const deadline = t0 + o.timeoutMs;
      const found = await this.pollReceipt(
        hashes,
        fees === null ? deadline : Math.min(deadline, Date.now() + o.resubmitAfterMs),
      );
      if (found) return found;
      if (Date.now() >= deadline || fees === null)
        throw new ChainError(
          `transaction nonce ${nonce} not mined within ${o.timeoutMs / 1000} s (${hashes.length} version${hashes.length === 1 ? "" : "s"} sent${fees === null ? "" : `, the last at ${describeFees(fees)}`})`,
          null,
          [],
          null,
        );
      const now = await withRetry(() => suggestedFees(provider), this.retry);
      const next = bumpedFees(fees, now, o.bumpPercent, o.maxFeePerGas);
      if (next === null) {
        o.log?.(
          `nonce ${nonce}: stuck at ${describeFees(fees)}; the fee cap ${gwei(o.maxFeePerGas!)} gwei stops bumping`,
          {
            event: "fee-cap",
            nonce,
            hash: hashes[hashes.length - 1],
            capGwei: gwei(o.maxFeePerGas!),
          },
        );
        throw new FeeCapReached(
          `transaction nonce ${nonce} not mined at ${describeFees(fees)}: a ${o.bumpPercent}% bump would exceed the fee cap of ${gwei(o.maxFeePerGas!)} gwei (raise --max-fee-gwei, or wait for lower fees)`,
        );
      }
      let hash: string;
      try {
        hash = await this.publish({ ...request, ...next });
      } catch (e) {
        // One of the versions already mined: its receipt is found on the next look.
        if (nonceAlreadyUsed(e)) continue;
        throw e;
      }
      this.replacements++;
      o.log?.(
        `nonce ${nonce}: not mined after ${Math.round((Date.now() - t0) / 1000)} s at ${describeFees(fees)}; replaced by ${hash.slice(0, 10)}… at ${describeFees(next)}`,
        {
          event: "tx-replaced",
          nonce,
          replaced: hashes[hashes.length - 1],
          hash,
          maxFeeGwei: gwei(feeCeiling(next)),
          previousMaxFeeGwei: gwei(feeCeiling(fees)),
        },
      );
      hashes.push(hash);
      fees = next;
    }
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

  /**
   * Polls for the receipt of any of `hashes` (versions of one nonce; not every provider
   * implements waitForTransaction, Hardhat's among them) until `deadline` (epoch ms): null then.
   */
  private async pollReceipt(
    hashes: readonly string[],
    deadline: number,
  ): Promise<{ hash: string; receipt: TransactionReceipt } | null> {
    const provider = this.signer.provider!;
    for (let pause = 20; ; pause = Math.min(1_000, pause * 2)) {
      for (const hash of hashes) {
        const receipt = await withRetry(() => provider.getTransactionReceipt(hash), this.retry);
        if (receipt) return { hash, receipt };
      }
      if (Date.now() >= deadline) return null;
      await new Promise((res) => setTimeout(res, Math.min(pause, Math.max(1, deadline - Date.now()))));
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
