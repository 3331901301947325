// Token amounts as people write and read them: exact bigints in base units on the chain,
// "1.5 REFT" on screen, "0.01" or "1500" on the command line (scaled by the token's decimals()).
import { formatUnits, parseUnits } from "ethers";
import { RefereeError } from "../errors";
import { isTransient, withRetry } from "./retry";

/** What the user wrote, checked for syntax before any chain work: base units, or tokens to scale. */
export type AmountInput = { units: bigint } | { tokens: string; symbol: string | null; text: string };

/** The token's display facts, read once per command. */
export interface TokenInfo {
  address: string;
  /** The token's symbol(), or "tokens" when it has none. */
  symbol: string;
  /** The token's decimals(); null when it has none (amounts are then shown and taken in base units). */
  decimals: number | null;
  /** Why a fallback is in use, for the user; null when the token has both symbol() and decimals(). */
  note: string | null;
}

const UNITS = /^(\d+)\s*units?$/i;
const TOKENS = /^(\d+\.\d*|\.\d+|\d+)\s*([A-Za-z][A-Za-z0-9]*)?$/;

/**
 * An amount option's text. A plain integer is in base units (as before tokens had decimals on
 * screen), as is an integer suffixed `units`; a number with a decimal point, or suffixed with
 * the token's symbol, is in whole tokens: `0.01`, `1.5REFT`, `2 REFT`.
 */
export function parseAmountInput(option: string, text: string): AmountInput {
  const t = text.trim().replace(/_/g, "");
  if (/^\d+$/.test(t)) return { units: BigInt(t) };
  const u = UNITS.exec(t);
  if (u) return { units: BigInt(u[1]) };
  if (/^0x/i.test(t)) throw new RefereeError("USAGE", `${option} expects a decimal amount, got '${text}'`);
  if (/^[\d.]+e[+-]?\d+$/i.test(t))
    throw new RefereeError(
      "USAGE",
      `${option} '${text}': write the digits (1000000000000000000) or tokens (1.5), not an exponent`,
    );
  const m = TOKENS.exec(t);
  if (m && (m[1].includes(".") || m[2] !== undefined)) return { tokens: m[1], symbol: m[2] ?? null, text };
  throw new RefereeError(
    "USAGE",
    `${option} expects an amount: base units (1500 or 1500units) or tokens (0.01, 2REFT), got '${text}'`,
  );
}

/** The amount in base units, scaled by the token's decimals when given in tokens. */
export function toUnits(option: string, a: AmountInput, token: TokenInfo): bigint {
  if ("units" in a) return a.units;
  const written = a.text;
  if (a.symbol !== null && a.symbol.toLowerCase() !== token.symbol.toLowerCase())
    throw new RefereeError("USAGE", `${option} '${written}': this deployment's token is ${token.symbol}`);
  if (token.decimals === null)
    throw new RefereeError(
      "USAGE",
      `${option} '${written}': token ${token.address} has no decimals(), give the amount in base units (e.g. 1500units)`,
    );
  try {
    return parseUnits(a.tokens.startsWith(".") ? `0${a.tokens}` : a.tokens, token.decimals);
  } catch {
    throw new RefereeError(
      "USAGE",
      `${option} '${written}': ${token.symbol} has ${token.decimals} decimals, the amount has more`,
    );
  }
}

/** Base units for display: "1.5 REFT", with the units too when the decimal form is long ("… (1000 units)"). */
export function formatAmount(units: bigint, token: TokenInfo): string {
  if (token.decimals === null) return `${units} units of ${token.symbol}`;
  const text = formatUnits(units, token.decimals).replace(/\.0$/, "");
  const fraction = text.split(".")[1] ?? "";
  return fraction.length > 6 ? `${text} ${token.symbol} (${units} units)` : `${text} ${token.symbol}`;
}

/** The ERC20 calls read here: symbol() and decimals() are optional in ERC20, so either may revert. */
export interface TokenLike {
  getAddress(): Promise<string>;
  symbol(): Promise<string>;
  decimals(): Promise<bigint>;
}

/** A call the token does not implement (a revert, or no return data); a connection failure propagates. */
function absent(e: unknown): null {
  if (isTransient(e)) throw e;
  return null;
}

/** Reads a token's symbol() and decimals(), falling back (with a note) when it lacks them. */
export async function tokenInfo(token: TokenLike): Promise<TokenInfo> {
  const address = await token.getAddress();
  const [symbol, decimals] = await Promise.all([
    withRetry(() => token.symbol()).then((s) => (/^[A-Za-z0-9$._-]{1,16}$/.test(s) ? s : null), absent),
    withRetry(() => token.decimals()).then((d) => (d <= 77n ? Number(d) : null), absent),
  ]);
  const missing = [symbol === null ? "symbol()" : null, decimals === null ? "decimals()" : null].filter(Boolean);
  return {
    address,
    symbol: symbol ?? "tokens",
    decimals,
    note:
      missing.length === 0
        ? null
        : `token ${address} has no usable ${missing.join(" or ")}${decimals === null ? ": amounts are in its base units" : ""}`,
  };
}
