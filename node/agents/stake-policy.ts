// What an operator does with its stake, and after a slash: keeps enough bonded for its open
// claims; when a claim of its account is rejected (its bond slashed), either stops taking new
// requests (still defending its games and finalizing its claims) or tops the stake up again,
// spending at most a cap on top-ups. Each slash and each decision is one explicit log line,
// so an operator never quietly loses more than it chose to.
import { formatAmount } from "../chain/amounts";
import { EventCursor } from "../chain/logs";
import { withRetry } from "../chain/retry";
import type { Log } from "./log";
import type { Operator } from "./operator";

export type OnSlash = "stop" | "topup";

export interface StakePolicy {
  /** Keep enough stake bonded for this many open claims. */
  claims: number;
  /** After a slash: stop serving new requests, or top the stake up again. */
  onSlash: OnSlash;
  /** The most token units all top-ups after the first stake may add (topup only); null: no cap. */
  topupCap: bigint | null;
}

/** One account's stake, kept by policy for the operators (one per model) it serves. */
export class StakeKeeper {
  /** Why new requests are no longer served; null while they are. */
  stopped: string | null = null;
  /** Stake added after the first top-up of this process: what the cap bounds. */
  toppedUp = 0n;
  /** Claims of ours seen slashed (a metric). */
  slashes = 0;
  private firstPass = true;
  private cursor: EventCursor<{ args: { claimId: bigint; slashed: bigint } }> | null = null;
  private readonly seen = new Set<bigint>();

  constructor(
    private readonly operators: readonly Operator[],
    private readonly policy: StakePolicy,
    private readonly log: Log,
  ) {
    if (operators.length === 0) throw new RangeError("StakeKeeper: no operator");
  }

  private get lead(): Operator {
    return this.operators[0];
  }

  /**
   * Once per pass, before the operators' own: reads the account's newly rejected claims, logs
   * each slash with the decision the policy takes, then keeps the stake topped up unless stopped.
   */
  async tick(): Promise<void> {
    const op = this.lead;
    const { d, address } = op;
    const provider = op.sender.signer.provider;
    if (provider === null) throw new RangeError(`${op.name}: the agent's signer has no provider`);
    if (this.cursor === null) {
      // Slashes before this start were dealt with by the process that saw them: only new ones count.
      const from = (await withRetry(() => provider.getBlockNumber())) + 1;
      this.cursor = new EventCursor(
        provider,
        (a, b) => d.coordinator.queryFilter(d.coordinator.filters.ClaimRejected(undefined, undefined, address), a, b),
        Math.max(from, d.fromBlock),
      );
    }
    for (const e of await this.cursor.next()) {
      if (this.seen.has(e.args.claimId)) continue; // the cursor's reorg overlap
      this.seen.add(e.args.claimId);
      await this.onSlashed(e.args.claimId, e.args.slashed);
    }
    if (this.stopped !== null) return;
    const need = d.options.claimBond * BigInt(this.policy.claims);
    if (!this.firstPass && this.policy.topupCap !== null) {
      const bonded = await withRetry(() => d.staking.bondedOf(address));
      const missing = need > bonded ? need - bonded : 0n;
      if (this.toppedUp + missing > this.policy.topupCap) {
        const t = await this.lead.tokenInfo();
        this.stop(
          `top-up cap reached: ${formatAmount(missing, t)} more would bring top-ups to ${formatAmount(this.toppedUp + missing, t)}, over --topup-cap ${formatAmount(this.policy.topupCap, t)}; no new claims`,
          { toppedUp: String(this.toppedUp), missing: String(missing) },
        );
        return;
      }
    }
    const added = await op.ensureStake(this.policy.claims);
    if (!this.firstPass) this.toppedUp += added;
    this.firstPass = false;
  }

  private async onSlashed(claimId: bigint, slashed: bigint): Promise<void> {
    const { d, address } = this.lead;
    this.slashes++;
    const t = await this.lead.tokenInfo();
    const bonded = await withRetry(() => d.staking.bondedOf(address));
    const target = d.options.claimBond * BigInt(this.policy.claims);
    const head = `claim #${claimId} slashed −${formatAmount(slashed, t)}; stake ${formatAmount(bonded, t)}`;
    const fields = {
      event: "slashed",
      agent: this.lead.name,
      claimId: String(claimId),
      slashed: String(slashed),
      bonded: String(bonded),
      policy: this.policy.onSlash,
    };
    if (this.policy.onSlash === "stop") {
      this.log(`${head}; --on-slash stop: no new claims (open games are still defended)`, fields);
      this.stop(`claim #${claimId} was slashed and --on-slash is stop`, {});
      return;
    }
    const cap = this.policy.topupCap === null ? "no cap" : `cap ${formatAmount(this.policy.topupCap, t)}`;
    const used = this.toppedUp === 0n ? "" : `, ${formatAmount(this.toppedUp, t)} used`;
    const action =
      bonded >= target ? `enough for ${this.policy.claims} claims` : `topping up to ${formatAmount(target, t)}`;
    this.log(`${head}; ${action} (${cap}${used})`, { ...fields, target: String(target) });
  }

  private stop(reason: string, fields: Record<string, string>): void {
    if (this.stopped !== null) return;
    this.stopped = reason;
    for (const op of this.operators) op.acceptingRequests = false;
    this.log(`${this.lead.name} stops serving new requests: ${reason}`, {
      event: "stopped-serving",
      agent: this.lead.name,
      reason,
      ...fields,
    });
  }

  /** Whether a stopped account has nothing left to do: no claim pending, no game open, no run unclaimed. */
  get drained(): boolean {
    return this.stopped !== null && this.operators.every((op) => op.pendingWork === 0);
  }
}
