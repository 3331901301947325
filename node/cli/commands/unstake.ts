// referee unstake: start unbonding free stake, or withdraw unbonded stake after the delay.
import type { ParsedArgs } from "../args";
import { chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { RefereeError } from "../../errors";

export async function unstake(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const sender = await senderOf(args, c, d);
  const me = sender.address;
  const json = args.has("json");
  if (args.has("withdraw")) {
    const [amount, readyAt] = await chainCall(() => d.staking.unbondingOf(me));
    await chainCall(() => sender.send(() => d.staking.withdraw.populateTransaction()));
    ctx.out(
      json
        ? JSON.stringify({ withdrawn: String(amount), readyAt: Number(readyAt) }) + "\n"
        : `withdrew ${amount} unbonded stake\n`,
    );
    return;
  }
  const [bonded, locked] = await chainCall(() => Promise.all([d.staking.bondedOf(me), d.staking.lockedOf(me)]));
  const free = bonded - locked;
  const amount = args.has("amount") ? BigInt(args.int("amount")!) : free;
  if (amount === 0n)
    throw new RefereeError(
      "USAGE",
      `no free stake to unbond (bonded ${bonded}, locked behind pending claims ${locked})`,
    );
  await chainCall(() => sender.send(() => d.staking.requestUnbond.populateTransaction(amount)));
  const [unbonding, readyAt] = await chainCall(() => d.staking.unbondingOf(me));
  if (json) ctx.out(JSON.stringify({ unbonding: String(unbonding), readyAt: Number(readyAt) }) + "\n");
  else
    ctx.out(
      `unbonding ${unbonding} (free stake left ${free - amount}); withdraw with referee unstake --withdraw after ${new Date(Number(readyAt) * 1000).toISOString()}\n`,
    );
}
