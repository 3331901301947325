// Preflight: before a command or an agent starts sending, check that its account holds ETH
// for gas and the tokens its work will lock (a fee, a stake, a bond). Without this an
// operator with no tokens fails its stake transaction on every pass, forever.
import { type Provider, formatUnits } from "ethers";
import { RefereeError } from "../errors";
import { type TokenInfo, formatAmount } from "./amounts";
import type { Deployment } from "./deploy";
import { formatEth } from "./errors";
import { withRetry } from "./retry";

/** Every transaction's intrinsic gas: an account that cannot pay it can send nothing. */
export const MIN_TX_GAS = 21_000n;

export interface FundingNeed {
  /** Who the account is, for the message: "operator", "requester", … */
  role: string;
  address: string;
  /** Tokens the work needs on the account (0n: none). */
  tokens: bigint;
  /** What the tokens are for: "stake for 3 claims", "the fee". */
  tokensFor: string;
}

/** One shortfall: what is missing, with the hint that fixes it. */
export interface Shortfall {
  kind: "eth" | "tokens";
  message: string;
}

/** Whether `to` can get tokens from `referee faucet`: the deployment's token mints to anyone (TestToken). */
async function mintable(d: Deployment, to: string): Promise<boolean> {
  try {
    await d.token.mint.staticCall(to, 0n, { from: to });
    return true;
  } catch {
    return false;
  }
}

/** The account's shortfalls (none: it can start); the caller decides which are fatal. */
export async function fundingShortfalls(
  d: Deployment,
  provider: Provider,
  need: FundingNeed,
  token: TokenInfo,
): Promise<Shortfall[]> {
  const out: Shortfall[] = [];
  const { role, address } = need;
  const [eth, fee] = await Promise.all([
    withRetry(() => provider.getBalance(address)),
    withRetry(() => provider.getFeeData()),
  ]);
  const perGas = fee.maxFeePerGas ?? fee.gasPrice ?? 0n;
  const minEth = perGas * MIN_TX_GAS;
  // A chain with free gas (perGas 0) needs no ETH.
  if (eth < minEth) {
    out.push({
      kind: "eth",
      message: `${role} ${address} has ${formatEth(eth)} ETH; a transaction needs at least ${formatEth(minEth)} ETH (${MIN_TX_GAS} gas at ${formatUnits(perGas, "gwei")} gwei): send it ETH`,
    });
  }
  if (need.tokens > 0n) {
    const balance = await withRetry(() => d.token.balanceOf(address));
    if (balance < need.tokens) {
      const hint = (await mintable(d, address))
        ? `run referee faucet --to ${address}`
        : `send it ${token.symbol} (token ${token.address})`;
      out.push({
        kind: "tokens",
        message: `${role} ${address} has ${formatAmount(balance, token)}; ${need.tokensFor} needs ${formatAmount(need.tokens, token)}: ${hint}`,
      });
    }
  }
  return out;
}

/** Throws one line naming every shortfall, or returns when the account is funded. */
export async function requireFunding(
  d: Deployment,
  provider: Provider,
  need: FundingNeed,
  token: TokenInfo,
): Promise<void> {
  const short = await fundingShortfalls(d, provider, need, token);
  if (short.length > 0) throw new RefereeError("CHAIN", short.map((s) => s.message).join("; "));
}
