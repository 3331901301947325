// What the chain commands share: the RPC connection (checked before use, so a wrong URL is
// one clear line), the account (a key from the environment, or a Hardhat dev account on a
// dev chain), the recorded deployment, the model an agent serves, and agent logs.
import { HDNodeWallet, JsonRpcProvider, Network, Wallet } from "ethers";
import * as path from "path";
import { existsSync } from "fs";
import { RefereeError } from "../errors";
import type { Deployment, DeploymentRecord } from "../chain/deploy";
import { connectDeployment } from "../chain/deploy";
import { readRecordFile, recordFile, recordsForChain } from "../chain/deployment-record";
import { DEV_CHAIN_IDS, defaultNetworkName } from "../chain/networks";
import { staleReason } from "../chain/record-check";
import { ChainError, shortMessageOf } from "../chain/errors";
import { TxSender } from "../chain/sender";
import { ModelRun } from "../agents/model-run";
import { Log, humanLog, jsonLog } from "../agents/log";
import { initHasher } from "../commit";
import type { ParsedArgs } from "./args";
import { DEFAULT_RPC } from "./chain-options";
import { usageError } from "./args";
import type { CommandContext } from "./command";
import { compileWithProgress, readModel, threadsOf } from "./model";

/** Hardhat's well-known development mnemonic: its accounts are funded on `npx hardhat node`. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The deployment record a connection found for its chain, or why it has none usable. */
export type ResolvedRecord = { record: DeploymentRecord; file: string } | { error: RefereeError };

export interface ChainConnection {
  provider: JsonRpcProvider;
  chainId: number;
  url: string;
  /** The record name `deploy` writes: --network, else the chain's default name (localhost, sepolia, chain-<id>…). */
  network: string;
  deploymentsDir: string;
  /** Resolved and checked against the chain by connect(); deploymentOf() reports its error. */
  resolved?: ResolvedRecord;
}

/** One JSON-RPC call with a timeout, so an unreachable node is an error, not a hang. */
async function probeChainId(url: string): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new RefereeError(
      "CHAIN",
      `cannot reach the JSON-RPC node at ${url} (${cause}); is it running? (npx hardhat node)`,
      e,
    );
  }
  const body = (await res.json().catch(() => null)) as { result?: string } | null;
  if (!res.ok || !body?.result)
    throw new RefereeError("CHAIN", `${url} did not answer eth_chainId (HTTP ${res.status})`);
  return Number(BigInt(body.result));
}

export async function connect(args: ParsedArgs): Promise<ChainConnection> {
  const url = args.get("rpc") ?? process.env.REFEREE_RPC_URL ?? DEFAULT_RPC;
  const chainId = await probeChainId(url);
  const provider = new JsonRpcProvider(url, Network.from(chainId), {
    staticNetwork: true,
    polling: true,
    pollingInterval: 250,
    cacheTimeout: -1,
  });
  const explicit = args.get("network");
  const deploymentsDir = path.resolve(args.get("deployments") ?? "deployments");
  const resolved = await resolveRecord(provider, { chainId, url, deploymentsDir, explicit });
  // What `deploy` writes: never another live record of the chain that happened to be found.
  const network = explicit ?? defaultNetworkName(chainId);
  return { provider, chainId, url, network, deploymentsDir, resolved };
}

/** A path as the user would type it: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/**
 * The record for the connected chain: deployments/<--network>.json if named, else the chain's
 * default name (localhost, sepolia, chain-<id>…) if that file is for this chain, else the one
 * record for this chain id. Then checked against the chain itself (code at its addresses, its
 * deployment block's hash), since a restarted dev chain has the same chain id.
 */
async function resolveRecord(
  provider: JsonRpcProvider,
  c: { chainId: number; url: string; deploymentsDir: string; explicit: string | undefined },
): Promise<ResolvedRecord> {
  const dir = c.deploymentsDir;
  let file: string;
  let record: DeploymentRecord;
  try {
    if (c.explicit !== undefined) {
      file = recordFile(dir, c.explicit);
      if (!existsSync(file))
        return { error: new RefereeError("USAGE", `no deployment record ${shown(file)}: run referee deploy first`) };
      record = readRecordFile(file);
    } else {
      const name = defaultNetworkName(c.chainId);
      const found = recordsForChain(dir, c.chainId);
      const chosen =
        found.find((f) => path.basename(f.file) === `${name}.json`) ?? (found.length === 1 ? found[0] : null);
      if (chosen) ({ file, record } = chosen);
      else if (found.length > 1)
        return {
          error: new RefereeError(
            "USAGE",
            `${found.length} deployment records for chain ${c.chainId} in ${shown(dir)} (${found.map((f) => path.basename(f.file, ".json")).join(", ")}): pick one with --network <name>`,
          ),
        };
      else if (existsSync(recordFile(dir, name))) {
        // A record under the chain's name, for another chain id: reported below.
        file = recordFile(dir, name);
        record = readRecordFile(file);
      } else
        return {
          error: new RefereeError(
            "USAGE",
            `no deployment record ${shown(recordFile(dir, name))}: run referee deploy first (no record in ${shown(dir)} is for chain ${c.chainId}; or pass --network / --deployments)`,
          ),
        };
    }
  } catch (e) {
    return { error: asCliError(e) };
  }
  if (record.chainId !== c.chainId)
    return {
      error: new RefereeError(
        "CHAIN",
        `${shown(file)} is for chain ${record.chainId}, but ${c.url} is chain ${c.chainId}: a restarted dev node needs referee deploy again`,
      ),
    };
  let reason: string | null;
  try {
    reason = await staleReason(provider, record);
  } catch (e) {
    return { error: asCliError(e) };
  }
  if (reason !== null)
    return {
      error: new RefereeError(
        "CHAIN",
        `${shown(file)} is stale: ${reason} on chain ${c.chainId} (${c.url}); the chain was restarted or reset since that deployment: run referee deploy again`,
      ),
    };
  return { record, file };
}

export function signerOf(args: ParsedArgs, c: ChainConnection): Wallet | HDNodeWallet {
  const account = args.int("account");
  if (account !== undefined) {
    if (!DEV_CHAIN_IDS.has(c.chainId))
      throw usageError(
        `--account uses Hardhat's development keys: refused on chain ${c.chainId}; set REFEREE_PRIVATE_KEY`,
      );
    return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${account}`).connect(c.provider);
  }
  const key = process.env.REFEREE_PRIVATE_KEY;
  if (!key) throw usageError("no account: set REFEREE_PRIVATE_KEY (or, on a dev chain, pass --account i)");
  try {
    return new Wallet(key, c.provider);
  } catch (e) {
    throw usageError(`REFEREE_PRIVATE_KEY is not a private key (${(e as Error).message.split(" (")[0]})`);
  }
}

export function deploymentOf(c: ChainConnection): { record: DeploymentRecord; deployment: Deployment } {
  const resolved = c.resolved;
  if (resolved === undefined) throw new Error("deploymentOf: the connection was not made by connect()");
  if ("error" in resolved) throw resolved.error;
  return { record: resolved.record, deployment: connectDeployment(resolved.record, c.provider) };
}

export async function senderOf(args: ParsedArgs, c: ChainConnection, d: Deployment): Promise<TxSender> {
  return TxSender.of(signerOf(args, c), d.interfaces);
}

/** The model file (the first positional) compiled with --shape and committed to: its parts and id. */
export async function committedModel(
  args: ParsedArgs,
  ctx: CommandContext,
): Promise<{ file: string; model: ModelRun }> {
  await initHasher();
  const loaded = readModel(args.positionals[0]);
  const { compiled } = compileWithProgress(loaded, args, ctx.progress);
  return {
    file: loaded.path,
    model: ctx.progress.phase("committing to the model", () => new ModelRun(compiled, { threads: threadsOf(args) }))
      .value,
  };
}

/** Refuses a model this deployment's registry does not know. */
export async function requireRegistered(d: Deployment, model: ModelRun, file: string): Promise<void> {
  if (!(await chainCall(() => d.registry.isRegistered(model.modelId)))) {
    throw new RefereeError(
      "USAGE",
      `model ${path.basename(file)} (id ${model.modelId}) is not registered in this deployment: run referee register ${file} first`,
    );
  }
}

/** The model an agent serves: compiled, committed to, and registered in this deployment. */
export async function servedModel(args: ParsedArgs, ctx: CommandContext, d: Deployment): Promise<ModelRun> {
  const { file, model } = await committedModel(args, ctx);
  await requireRegistered(d, model, file);
  return model;
}

export function logOf(args: ParsedArgs, ctx: CommandContext): Log {
  const write = (line: string) => ctx.out(line + "\n");
  return args.has("json") ? jsonLog(write) : humanLog(write);
}

/** Runs a chain call, turning a named revert or RPC failure into one CLI error line. */
export async function chainCall<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asCliError(e);
  }
}

export function asCliError(e: unknown): RefereeError {
  // Before the RefereeError case: a ChainError is one, but a named revert reads better prefixed.
  if (e instanceof ChainError)
    return new RefereeError("CHAIN", e.errorName ? `the contract refused: ${e.shortMessage}` : e.shortMessage, e);
  if (e instanceof RefereeError) return e;
  return new RefereeError("CHAIN", shortMessageOf(e), e);
}
