// referee unstake: start unbonding free stake, or withdraw unbonded stake after the delay.
import type { ParsedArgs } from "../args";
import { chainCall, connect, deploymentOf, senderOf } from "../chain";
import type { CommandContext } from "../command";
import { RefereeError } from "../../errors";
import { formatAmount, toUnits } from "../../chain/amounts";
import { amountOption, tokenOf } from "../token";

export async function unstake(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const amountArg = amountOption(args, "amount");
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const sender = await senderOf(args, c, d);
  const token = await tokenOf(d, args, ctx);
  const fmt = (units: bigint) => formatAmount(units, token);
  const me = sender.address;
  const json = args.has("json");
  if (args.has("withdraw")) {
    const [amount, readyAt] = await chainCall(() => d.staking.unbondingOf(me));
    await chainCall(() => sender.send(() => d.staking.withdraw.populateTransaction()));
    ctx.out(
      json
        ? JSON.stringify({ withdrawn: String(amount), readyAt: Number(readyAt) }) + "\n"
        : `withdrew ${fmt(amount)} unbonded stake\n`,
    );
    return;
  }
  const [bonded, locked] = await chainCall(() => Promise.all([d.staking.bondedOf(me), d.staking.lockedOf(me)]));
  const free = bonded - locked;
  const amount = amountArg === undefined ? free : toUnits("--amount", amountArg, token);
  if (amount === 0n)
    throw new RefereeError(
      "USAGE",
      `no free stake to unbond (bonded ${fmt(bonded)}, locked behind pending claims ${fmt(locked)})`,
    );
  await chainCall(() => sender.send(() => d.staking.requestUnbond.populateTransaction(amount)));
  const [unbonding, readyAt] = await chainCall(() => d.staking.unbondingOf(me));
  if (json) ctx.out(JSON.stringify({ unbonding: String(unbonding), readyAt: Number(readyAt) }) + "\n");
  else
    ctx.out(
      `unbonding ${fmt(unbonding)} (free stake left ${fmt(free - amount)}); withdraw with referee unstake --withdraw after ${new Date(Number(readyAt) * 1000).toISOString()}\n`,
    );
}
