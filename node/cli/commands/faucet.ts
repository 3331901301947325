// referee faucet: mint TestToken on a development deployment.
import { isAddress } from "ethers";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";

export async function faucet(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const amount = BigInt(args.int("amount", 1_000_000)!);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const sender = await senderOf(args, c, d);
  const to = args.get("to") ?? sender.address;
  if (!isAddress(to)) throw usageError(`--to expects an address, got '${to}'`);
  await chainCall(() => sender.send(() => d.token.mint.populateTransaction(to, amount)));
  const balance = await chainCall(() => d.token.balanceOf(to));
  if (args.has("json")) ctx.out(JSON.stringify({ to, minted: String(amount), balance: String(balance) }) + "\n");
  else ctx.out(`minted ${amount} test tokens to ${to}: balance ${balance}\n`);
}
