// The deployment's token as the chain commands show it, and their amount options.
import { type AmountInput, type TokenInfo, parseAmountInput, tokenInfo } from "../chain/amounts";
import type { Deployment } from "../chain/deploy";
import type { ParsedArgs } from "./args";
import { chainCall } from "./chain";
import type { CommandContext } from "./command";

/** The token's symbol and decimals; a token lacking them is noted once (not in --json output). */
export async function tokenOf(d: Deployment, args: ParsedArgs, ctx: CommandContext): Promise<TokenInfo> {
  const t = await chainCall(() => tokenInfo(d.token));
  if (t.note !== null && !args.has("json")) ctx.out(`note: ${t.note}\n`);
  return t;
}

/** An amount option's syntax, checked before any chain work; undefined when absent. */
export function amountOption(args: ParsedArgs, name: string): AmountInput | undefined {
  const v = args.get(name);
  return v === undefined ? undefined : parseAmountInput(`--${name}`, v);
}
