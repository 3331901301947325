// docs/CLIENT.md's example: a dApp's backend asks a Referee deployment for a verified
// inference and prints the result. Against the README's local chain (`npx hardhat node`,
// `referee deploy`, `referee register`, an operator running):
//
//   npx ts-node --transpile-only scripts/example-client.ts <modelId> [--account 3] [--deployments dir]
//
// It signs with $REFEREE_PRIVATE_KEY, else Hardhat's development account --account (default 3),
// talks to $REFEREE_RPC_URL (default http://127.0.0.1:8545) and reads <dir>/localhost.json
// (default ./deployments), the record `referee deploy` wrote.
// In a dApp's own project the import is `from "referee"`; test/client.test.ts runs `main`.
import { readFileSync } from "fs";
import { join } from "path";
import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";
import type { Signer } from "ethers";
import { RefereeClient } from "../node/client";
import type { DeploymentRecord, InputArray, RequestInputs, VerifiedResult } from "../node/client";

export interface ExampleOptions {
  signer: Signer;
  deployment: DeploymentRecord;
  modelId: string;
  /** Default: a 0/1 pattern per input, valid for float, integer and bool inputs alike (put your data here). */
  inputs?: RequestInputs;
  /** Pause between reads of new blocks while waiting, ms. */
  pollMs?: number;
  log?: (line: string) => void;
}

export async function main(o: ExampleOptions): Promise<VerifiedResult> {
  const log = o.log ?? console.log;
  const client = await RefereeClient.connect(o.signer, o.deployment, { pollMs: o.pollMs });

  // What the model takes and returns, as registered on-chain.
  const spec = await client.modelSpec(o.modelId);
  for (const s of spec.inputs) log(`input  ${s.name} ${s.dims.join("x")}`);
  for (const s of spec.outputs) log(`output ${s.name} ${s.dims.join("x")}`);
  const inputs: RequestInputs =
    o.inputs ??
    spec.inputs.map((s): InputArray => {
      const n = s.dims.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: n }, (_, i) => i % 2);
    });

  const { fee, steps, inputBytes } = await client.quote(o.modelId);
  log(`fee ${fee} token units for ${steps} steps; ${inputBytes} input bytes`);

  // Approves the fee if needed, deadline one hour from now (by the later of chain and clock).
  const sent = await client.request(o.modelId, inputs, { ttl: 3600 });
  log(`request #${sent.requestId} sent in block ${sent.receipt.blockNumber}; waiting for its verified result…`);

  const result = await client.waitForResult(sent.requestId, {
    timeoutMs: 3_600_000,
    onClaim: (c) =>
      log(
        `claim #${c.claimId} by ${c.operator}: final at ${new Date(c.challengeDeadline * 1000).toISOString()} unless disputed`,
      ),
  });
  log(`final: claim #${result.claimId}, finalized at ${new Date(result.finalizedAt * 1000).toISOString()}`);
  for (const t of result.outputs) log(`${t.name} [${t.dims.join("x")}] = [${Array.from(t.data).join(", ")}]`);
  log(`callback: ${result.callback.status}`);
  return result;
}

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

if (require.main === module) {
  const modelId = process.argv[2];
  const provider = new JsonRpcProvider(process.env.REFEREE_RPC_URL ?? "http://127.0.0.1:8545");
  const key = process.env.REFEREE_PRIVATE_KEY;
  const signer = key
    ? new Wallet(key, provider)
    : HDNodeWallet.fromPhrase(
        "test test test test test test test test test test test junk",
        undefined,
        `m/44'/60'/0'/0/${argOf("account") ?? "3"}`,
      ).connect(provider);
  const deployment = JSON.parse(
    readFileSync(join(argOf("deployments") ?? "deployments", "localhost.json"), "utf8"),
  ) as DeploymentRecord;
  if (modelId === undefined || !/^0x[0-9a-fA-F]{64}$/.test(modelId)) {
    console.error("usage: scripts/example-client.ts <modelId> [--account i] [--deployments dir]");
    process.exitCode = 2;
  } else
    main({ signer, deployment, modelId })
      .catch((e: unknown) => {
        console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
      })
      .finally(() => provider.destroy());
}
