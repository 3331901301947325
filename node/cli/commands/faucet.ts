// referee faucet: mint TestToken on a development deployment.
import { isAddress } from "ethers";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { formatAmount, toUnits } from "../../chain/amounts";
import { amountOption, tokenOf } from "../token";

/** The default mint, in base units (what --amount meant before amounts took decimals). */
const DEFAULT_MINT = 1_000_000n;

export async function faucet(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const amountArg = amountOption(args, "amount");
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const token = await tokenOf(d, args, ctx);
  const amount = amountArg === undefined ? DEFAULT_MINT : toUnits("--amount", amountArg, token);
  const sender = await senderOf(args, c, d);
  const to = args.get("to") ?? sender.address;
  if (!isAddress(to)) throw usageError(`--to expects an address, got '${to}'`);
  await chainCall(() => sender.send(() => d.token.mint.populateTransaction(to, amount)));
  const balance = await chainCall(() => d.token.balanceOf(to));
  if (args.has("json")) ctx.out(JSON.stringify({ to, minted: String(amount), balance: String(balance) }) + "\n");
  else ctx.out(`minted ${formatAmount(amount, token)} to ${to}: balance ${formatAmount(balance, token)}\n`);
}
