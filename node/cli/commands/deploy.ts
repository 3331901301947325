// referee deploy: the protocol on the chain behind --rpc, its record in deployments/<network>.json.
import { isAddress } from "ethers";
import { DEPLOY_DEFAULTS, DeployOptions, deployReferee, recordOf, writeDeployment } from "../../chain/deploy";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, signerOf } from "../chain";
import type { CommandContext } from "../command";

function addressArg(args: ParsedArgs, name: string): string | undefined {
  const v = args.get(name);
  if (v !== undefined && !isAddress(v)) throw usageError(`--${name} expects an address, got '${v}'`);
  return v;
}

export async function deploy(args: ParsedArgs, ctx: CommandContext): Promise<void> {
  const overrides: Partial<DeployOptions> = {};
  const degree = args.int("degree");
  if (degree !== undefined) {
    if (degree < 2 || degree > 1024)
      throw usageError(`--degree must be between 2 and 1024 (DisputeGame's bounds), got ${degree}`);
    overrides.degree = degree;
  }
  const window = args.int("challenge-window");
  if (window !== undefined) overrides.challengeWindow = window;
  const clock = args.int("clock");
  if (clock !== undefined) overrides.clockSeconds = clock;
  const claimBond = args.int("claim-bond");
  if (claimBond !== undefined) overrides.claimBond = BigInt(claimBond);
  const challengerBond = args.int("challenger-bond");
  if (challengerBond !== undefined) overrides.challengerBond = BigInt(challengerBond);
  const token = addressArg(args, "token");
  const treasuryArg = addressArg(args, "treasury");

  const c = await connect(args);
  const signer = signerOf(args, c);
  const treasury = treasuryArg ?? signer.address;
  const json = args.has("json");
  const say = (line: string) => {
    if (!json) ctx.out(line + "\n");
  };
  say(`deploying to ${c.url} (chain ${c.chainId}) from ${signer.address}`);
  const { value: d, ms } = await ctx.progress.phaseAsync("deploying", () =>
    chainCall(() => deployReferee(signer, treasury, overrides, { token }, (what) => say(`  ${what}`))),
  );
  const record = await recordOf(d, c.network, c.chainId);
  const file = writeDeployment(c.deploymentsDir, record);
  if (json) {
    ctx.out(JSON.stringify({ file, gasUsed: String(d.gasUsed), ms: Math.round(ms), ...record }) + "\n");
    return;
  }
  const o = d.options;
  say(`deployed in ${(ms / 1000).toFixed(1)} s, ${d.gasUsed} gas`);
  for (const [k, v] of Object.entries(record.addresses)) say(`  ${k.padEnd(12)}${v}`);
  say(
    `parameters: degree ${o.degree}, challenge window ${o.challengeWindow} s, clock ${o.clockSeconds} s, claim bond ${o.claimBond}, challenger bond ${o.challengerBond} (defaults: ${DEPLOY_DEFAULTS.challengeWindow} s window)`,
  );
  say(`record written to ${file}`);
}
