// referee deploy: the protocol on the chain behind --rpc, its record in deployments/<network>.json.
import { isAddress } from "ethers";
import { type AmountInput, type TokenInfo, formatAmount, toUnits, tokenInfo } from "../../chain/amounts";
import { DEPLOY_DEFAULTS, DeployOptions, deployReferee, recordOf, writeDeployment } from "../../chain/deploy";
import { factories } from "../../chain/factories";
import type { ParsedArgs } from "../args";
import { usageError } from "../args";
import { chainCall, connect, signerOf } from "../chain";
import type { CommandContext } from "../command";
import { amountOption } from "../token";

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
  const bonds: [keyof DeployOptions & ("claimBond" | "challengerBond"), string, AmountInput | undefined][] = [
    ["claimBond", "--claim-bond", amountOption(args, "claim-bond")],
    ["challengerBond", "--challenger-bond", amountOption(args, "challenger-bond")],
  ];
  let token = addressArg(args, "token");
  const treasuryArg = addressArg(args, "treasury");

  const c = await connect(args);
  const signer = signerOf(args, c);
  const treasury = treasuryArg ?? signer.address;
  const json = args.has("json");
  const say = (line: string) => {
    if (!json) ctx.out(line + "\n");
  };
  say(`deploying to ${c.url} (chain ${c.chainId}) from ${signer.address}`);
  // Bonds in tokens need the token's decimals first: deploy the TestToken ahead of the rest
  // (deployReferee then reuses it, as it would an existing --token).
  let preGas = 0n;
  if (bonds.some(([, , a]) => a !== undefined && !("units" in a))) {
    if (token === undefined) {
      say("  TestToken");
      const t = await chainCall(async () => {
        const deployed = await new (factories().TestToken__factory)(signer).deploy();
        preGas += (await deployed.deploymentTransaction()!.wait())!.gasUsed;
        return deployed;
      });
      token = await t.getAddress();
    }
  }
  const info: TokenInfo | null =
    token === undefined
      ? null
      : await chainCall(() => tokenInfo(factories().TestToken__factory.connect(token, c.provider)));
  for (const [key, option, a] of bonds) {
    // Tokens were given only if a token is known by now (deployed above, or --token).
    if (a !== undefined) overrides[key] = "units" in a ? a.units : toUnits(option, a, info!);
  }
  const { value: d, ms } = await ctx.progress.phaseAsync("deploying", () =>
    chainCall(() => deployReferee(signer, treasury, overrides, { token }, (what) => say(`  ${what}`))),
  );
  const gasUsed = d.gasUsed + preGas;
  const record = await recordOf(d, c.network, c.chainId);
  const file = writeDeployment(c.deploymentsDir, record);
  if (json) {
    // The record without its ABIs (~63 KB, and the same for every deployment): they are in the file.
    const { abis: _abis, ...summary } = record;
    ctx.out(JSON.stringify({ file, gasUsed: String(gasUsed), ms: Math.round(ms), ...summary }) + "\n");
    return;
  }
  const o = d.options;
  const t = info ?? (await chainCall(() => tokenInfo(d.token)));
  if (t.note !== null) say(`note: ${t.note}`);
  say(`deployed in ${(ms / 1000).toFixed(1)} s, ${gasUsed} gas`);
  for (const [k, v] of Object.entries(record.addresses)) say(`  ${k.padEnd(12)}${v}`);
  say(
    `parameters: degree ${o.degree}, challenge window ${o.challengeWindow} s, clock ${o.clockSeconds} s, claim bond ${formatAmount(o.claimBond, t)}, challenger bond ${formatAmount(o.challengerBond, t)} (defaults: ${DEPLOY_DEFAULTS.challengeWindow} s window)`,
  );
  say(`record written to ${file}`);
}
