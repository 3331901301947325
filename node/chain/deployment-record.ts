// deployments/<network>.json: what a deployment is, written once deployed and read by every
// process joining later. It names its chain (found by chain id), the block its deployment
// ended in (to tell a restarted dev chain, which reuses the chain id and even the addresses,
// from the one deployed to) and each contract's address and ABI, so a dApp or an explorer
// needs nothing but the record.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { isAddress } from "ethers";
import type { JsonFragment } from "ethers";
import { RefereeError } from "../errors";
import { factories } from "./factories";

/** The format written now; records without `format` are the first one (no ABIs, no deploy block). */
export const RECORD_FORMAT = "referee-deployment-2";
export const RECORD_FORMAT_V1 = "referee-deployment-1";

export const CONTRACT_NAMES = ["token", "registry", "staking", "coordinator", "game", "verifier"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface BlockRef {
  number: number;
  hash: string;
}

export interface DeploymentRecord {
  format: typeof RECORD_FORMAT | typeof RECORD_FORMAT_V1;
  network: string;
  chainId: number;
  /** The block the deployment started in: agents scan events from here. */
  fromBlock: number;
  /** The block of the deployment's last transaction (absent in format 1 records). */
  deployBlock?: BlockRef;
  addresses: Record<ContractName, string>;
  /** The deployment's parameters, amounts as decimal strings (token units). */
  options: {
    degree: number;
    clockSeconds: number;
    challengeWindow: number;
    unbondingDelay: number;
    maxCallbackGas: number;
    claimBond: string;
    challengerBond: string;
    challengerReward: string;
    fees: { base: string; perMillionSteps: string; perCallbackGas: string };
  };
  /** Each contract's ABI (format 1 records are read with the ABIs this package ships). */
  abis: Record<ContractName, JsonFragment[]>;
}

/**
 * The ABI a record carries for each contract: the protocol's own contracts in full, the token
 * as ERC20 metadata (it may be any ERC20) and the verifier by its interface (it may be another
 * implementation of it).
 */
export function recordAbis(): Record<ContractName, JsonFragment[]> {
  const f = factories();
  const abi = (a: readonly unknown[]) => a as JsonFragment[];
  return {
    token: abi(f.IERC20Metadata__factory.abi),
    registry: abi(f.ModelRegistry__factory.abi),
    staking: abi(f.Staking__factory.abi),
    coordinator: abi(f.Coordinator__factory.abi),
    game: abi(f.DisputeGame__factory.abi),
    verifier: abi(f.IOneStepVerifier__factory.abi),
  };
}

export function recordFile(dir: string, network: string): string {
  return join(dir, `${network}.json`);
}

export function writeDeployment(dir: string, r: DeploymentRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = recordFile(dir, r.network);
  writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}

/** Checks a parsed JSON value is a record (format 1 or 2); format 1 gets the shipped ABIs. */
export function parseRecord(value: unknown, file: string): DeploymentRecord {
  const bad = (what: string) => new RefereeError("USAGE", `${file} is not a Referee deployment record: ${what}`);
  if (typeof value !== "object" || value === null) throw bad("not a JSON object");
  const r = value as Partial<DeploymentRecord> & { format?: unknown };
  const format = r.format ?? RECORD_FORMAT_V1;
  if (format !== RECORD_FORMAT && format !== RECORD_FORMAT_V1)
    throw bad(`unknown format ${JSON.stringify(format)} (this version reads ${RECORD_FORMAT} and older)`);
  if (typeof r.network !== "string") throw bad("no network name");
  if (!Number.isSafeInteger(r.chainId)) throw bad("no chainId");
  if (!Number.isSafeInteger(r.fromBlock)) throw bad("no fromBlock");
  if (typeof r.options !== "object" || r.options === null) throw bad("no options");
  for (const name of CONTRACT_NAMES) {
    const a = r.addresses?.[name];
    if (typeof a !== "string" || !isAddress(a)) throw bad(`addresses.${name} is not an address`);
  }
  if (format === RECORD_FORMAT) {
    const b = r.deployBlock;
    if (!b || !Number.isSafeInteger(b.number) || !/^0x[0-9a-fA-F]{64}$/.test(String(b.hash)))
      throw bad("deployBlock is not { number, hash }");
    for (const name of CONTRACT_NAMES)
      if (!Array.isArray(r.abis?.[name])) throw bad(`abis.${name} is not an ABI array`);
  }
  return { ...(r as DeploymentRecord), format, abis: r.abis ?? recordAbis() };
}

export function readRecordFile(file: string): DeploymentRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new RefereeError("USAGE", `cannot read deployment record ${file}: ${(e as Error).message}`, e);
  }
  return parseRecord(value, file);
}

export function readDeployment(dir: string, network: string): DeploymentRecord {
  return readRecordFile(recordFile(dir, network));
}

/** Every record in `dir` for chain `chainId` (files that are not records are skipped), by name. */
export function recordsForChain(dir: string, chainId: number): { file: string; record: DeploymentRecord }[] {
  if (!existsSync(dir)) return [];
  const out: { file: string; record: DeploymentRecord }[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".json")) continue;
    const file = join(dir, name);
    try {
      const record = readRecordFile(file);
      if (record.chainId === chainId) out.push({ file, record });
    } catch {
      // Another JSON file in the folder is not ours to judge: only records take part.
    }
  }
  return out;
}
