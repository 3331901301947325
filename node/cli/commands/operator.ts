// referee operator: the operator agent's loop on a deployment (node/agents/operator.ts).
import { Operator, TokenPerGas, parseTokenPerGas } from "../../agents/operator";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import type { CommandContext } from "../command";
import { agentSetup, runLoop } from "../agent-loop";
import { chainCall } from "../chain";
import { requireFunding } from "../../chain/funding";
import { tokenOf } from "../token";

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

export async function operator(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const cheatAt = args.int("cheat-at");
  const rate = cheatRateOf(args);
  const pricing = minFeePerGasOf(args);
  const claims = args.int("stake-claims", 3)!;
  const { c, d, model, sender, log, loop } = await agentSetup(args, ctx);
  // Fail fast with a funding hint: without ETH or the tokens to stake, every pass would fail.
  const bonded = await chainCall(() => d.staking.bondedOf(sender.address));
  const stakeNeed = d.options.claimBond * BigInt(claims) - bonded;
  const tokensFor = `stake for ${claims} open claim${claims === 1 ? "" : "s"}`;
  const need = { role: "operator", address: sender.address, tokens: stakeNeed > 0n ? stakeNeed : 0n, tokensFor };
  await chainCall(async () => requireFunding(d, c.provider, need, await tokenOf(d, args, ctx)));
  const cheating = cheatAt !== undefined || rate !== null;
  const name = cheating ? "cheating operator" : "operator";
  const agent = new Operator(name, d, sender, model, log, {
    autoWithdraw: true,
    ...(cheatAt === undefined ? {} : { cheatAt, cheatOutput: 1 }),
    ...(rate ?? {}),
    ...(pricing ?? {}),
  });
  agent.progress = (label, work) => ctx.progress.phase(label, work).value;
  log(
    `${name} ${sender.address} serves model ${model.modelId} (N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})${cheatAt === undefined ? "" : `; CHEATING from step ${cheatAt}`}${rate === null ? "" : `; CHEATING on ${rate.cheatRate * 100}% of requests (seed ${rate.cheatSeed})`}`,
    {
      event: "started",
      agent: name,
      address: sender.address,
      modelId: model.modelId,
      steps: Number(model.parts.steps),
      network: c.network,
      cheatAt,
      ...(rate ?? {}),
      ...(pricing === null ? {} : { minFeePerGas: args.get("min-fee-per-gas") }),
    },
  );
  await runLoop(
    async () => {
      await agent.ensureStake(claims);
      await agent.tick();
    },
    { ...loop, name },
  );
}
