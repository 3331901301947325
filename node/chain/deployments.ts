// deployments/<network>.json: the addresses of a deployment, written once deployed and read
// by agents joining later (multi-process runs over `localhost` or an RPC URL).
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import type { Deployment, DeployOptions } from "./deploy";

export interface DeploymentRecord {
  network: string;
  chainId: number;
  /** The block the deployment started in: agents scan events from here. */
  fromBlock: number;
  addresses: { token: string; registry: string; staking: string; coordinator: string; game: string; verifier: string };
  options: Omit<DeployOptions, "claimBond" | "challengerBond" | "fees"> & {
    claimBond: string;
    challengerBond: string;
    fees: { base: string; perMillionSteps: string; perCallbackGas: string };
  };
}

export async function recordOf(d: Deployment, network: string, chainId: number): Promise<DeploymentRecord> {
  const o = d.options;
  return {
    network,
    chainId,
    fromBlock: d.fromBlock,
    addresses: {
      token: await d.token.getAddress(),
      registry: await d.registry.getAddress(),
      staking: await d.staking.getAddress(),
      coordinator: await d.coordinator.getAddress(),
      game: await d.game.getAddress(),
      verifier: d.verifier,
    },
    options: {
      ...o,
      claimBond: String(o.claimBond),
      challengerBond: String(o.challengerBond),
      fees: { base: String(o.fees.base), perMillionSteps: String(o.fees.perMillionSteps), perCallbackGas: String(o.fees.perCallbackGas) },
    },
  };
}

export function writeDeployment(dir: string, r: DeploymentRecord): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.network}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  return file;
}

export function readDeployment(dir: string, network: string): DeploymentRecord {
  return JSON.parse(readFileSync(join(dir, `${network}.json`), "utf8")) as DeploymentRecord;
}
