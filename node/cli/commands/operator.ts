// referee operator: the operator agent's loop on a deployment (node/agents/operator.ts).
import { Operator, TokenPerGas, parseTokenPerGas, refuseUnclaimable } from "../../agents/operator";
import { OnSlash, StakeKeeper } from "../../agents/stake-policy";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import type { CommandContext } from "../command";
import { agentSetup, logStarted, runAgents } from "../agent-loop";
import { chainCall } from "../chain";
import { requireFunding } from "../../chain/funding";
import { type AmountInput, toUnits } from "../../chain/amounts";
import { amountOption, tokenOf } from "../token";

/** --cheat-rate p (a fraction in [0, 1]) and its --cheat-seed, checked before any chain work. */
function cheatRateOf(args: ParsedArgs): { cheatRate: number; cheatSeed: number } | null {
  const v = args.get("cheat-rate");
  if (v === undefined) {
    if (args.has("cheat-seed")) throw usageError("--cheat-seed goes with --cheat-rate");
    return null;
  }
  const rate = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || !(rate >= 0 && rate <= 1))
    throw usageError(`--cheat-rate expects a fraction between 0 and 1, got '${v}'`);
  if (args.has("cheat-at")) throw usageError("--cheat-at and --cheat-rate exclude each other");
  return { cheatRate: rate, cheatSeed: args.int("cheat-seed", 1)! };
}

/** --min-fee-per-gas units (token units per gas, a decimal), checked before any chain work. */
function minFeePerGasOf(args: ParsedArgs): { minFeePerGas: TokenPerGas } | null {
  const v = args.get("min-fee-per-gas");
  if (v === undefined) return null;
  const price = parseTokenPerGas(v);
  if (price === null)
    throw usageError(`--min-fee-per-gas expects token units per gas (a decimal such as 0.5), got '${v}'`);
  return { minFeePerGas: price };
}

/** A token amount option in base units (a non-negative integer, any size). */
/** --on-slash, --topup-cap and --min-fee: syntax checked before any chain work. */
function policyOf(args: ParsedArgs): {
  onSlash: OnSlash;
  topupCap: AmountInput | undefined;
  minFee: AmountInput | undefined;
} {
  const onSlash = args.get("on-slash") ?? "topup";
  if (onSlash !== "stop" && onSlash !== "topup") throw usageError(`--on-slash expects stop or topup, got '${onSlash}'`);
  const topupCap = amountOption(args, "topup-cap");
  if (topupCap !== undefined && onSlash === "stop") throw usageError("--topup-cap goes with --on-slash topup");
  return { onSlash, topupCap, minFee: amountOption(args, "min-fee") };
}

export async function operator(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const cheatAt = args.int("cheat-at");
  const rate = cheatRateOf(args);
  const pricing = minFeePerGasOf(args);
  const claims = args.int("stake-claims", 3)!;
  const policyArgs = policyOf(args);
  const cheating = cheatAt !== undefined || rate !== null;
  const name = cheating ? "cheating operator" : "operator";
  const setup = await agentSetup(args, ctx, {
    name,
    side: "claimer",
    // Before the registry check: a model no claim can carry is refused whatever its state.
    check: (m) => refuseUnclaimable(m.label, Operator.outputBytesOf(m.model)),
  });
  const { c, d, models, sender, log } = setup;
  const token = await tokenOf(d, args, ctx);
  const policy = {
    onSlash: policyArgs.onSlash,
    topupCap: policyArgs.topupCap === undefined ? null : toUnits("--topup-cap", policyArgs.topupCap, token),
    minFee: policyArgs.minFee === undefined ? undefined : toUnits("--min-fee", policyArgs.minFee, token),
  };
  // Fail fast with a funding hint: without ETH or the tokens to stake, every pass would fail.
  const bonded = await chainCall(() => d.staking.bondedOf(sender.address));
  const stakeNeed = d.options.claimBond * BigInt(claims) - bonded;
  const tokensFor = `stake for ${claims} open claim${claims === 1 ? "" : "s"}`;
  const need = { role: "operator", address: sender.address, tokens: stakeNeed > 0n ? stakeNeed : 0n, tokensFor };
  await chainCall(() => requireFunding(d, c.provider, need, token));
  const agents = models.map(({ label, model }) => {
    const agent = new Operator(name, d, sender, model, log, {
      autoWithdraw: true,
      modelLabel: label,
      ...(cheatAt === undefined ? {} : { cheatAt, cheatOutput: 1 }),
      ...(rate ?? {}),
      ...(pricing ?? {}),
      ...(policy.minFee === undefined ? {} : { minFee: policy.minFee }),
    });
    agent.sharedAccount = models.length > 1;
    agent.progress = (label, work) => ctx.progress.phase(label, work).value;
    return agent;
  });
  const keeper = new StakeKeeper(agents, { claims, onSlash: policy.onSlash, topupCap: policy.topupCap }, log);
  logStarted(
    setup,
    name,
    "serves",
    `${cheatAt === undefined ? "" : `; CHEATING from step ${cheatAt}`}${rate === null ? "" : `; CHEATING on ${rate.cheatRate * 100}% of requests (seed ${rate.cheatSeed})`}`,
    {
      cheatAt,
      ...(rate ?? {}),
      ...(pricing === null ? {} : { minFeePerGas: args.get("min-fee-per-gas") }),
      ...(policy.minFee === undefined ? {} : { minFee: String(policy.minFee) }),
      onSlash: policy.onSlash,
      topupCap: policy.topupCap === null ? null : String(policy.topupCap),
      maxFeeGwei: args.get("max-fee-gwei") ?? null,
    },
  );
  await runAgents(
    setup,
    agents,
    async () => {
      await keeper.tick();
      for (const agent of agents) await agent.tick();
    },
    {
      name,
      // Stopped by the policy: done once no claim is pending and no game open.
      done: () => {
        if (!keeper.drained) return false;
        log(`${name} stopped after a slash: no claim pending, no game open`, { event: "drained", agent: name });
        return true;
      },
    },
  );
}
