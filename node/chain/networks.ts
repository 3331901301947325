// The chains Referee names: the public testnets and L2s `hardhat.config.ts` defines from
// environment variables, and the name a deployment record on each chain gets by default.
// No ethers here: hardhat.config.ts imports it, and so does the CLI's --help path.

export interface PublicNetwork {
  /** Hardhat network name, and the default name of the chain's deployment record. */
  name: string;
  chainId: number;
  /** Prefix of its environment variables: `<PREFIX>_RPC_URL`, `<PREFIX>_PRIVATE_KEY`. */
  envPrefix: string;
  /** A mainnet holds real value: no mintable test token is deployed there. */
  mainnet: boolean;
}

// Every chain here runs the Cancun opcodes the contracts use (TSTORE/TLOAD, MCOPY): Ethereum
// since Dencun, OP Stack chains (Optimism, Base) since Ecotone, Arbitrum since ArbOS 20.
export const PUBLIC_NETWORKS: readonly PublicNetwork[] = [
  { name: "sepolia", chainId: 11155111, envPrefix: "SEPOLIA", mainnet: false },
  { name: "base-sepolia", chainId: 84532, envPrefix: "BASE_SEPOLIA", mainnet: false },
  { name: "arbitrum-sepolia", chainId: 421614, envPrefix: "ARBITRUM_SEPOLIA", mainnet: false },
  { name: "optimism-sepolia", chainId: 11155420, envPrefix: "OPTIMISM_SEPOLIA", mainnet: false },
  { name: "mainnet", chainId: 1, envPrefix: "MAINNET", mainnet: true },
  { name: "base", chainId: 8453, envPrefix: "BASE", mainnet: true },
  { name: "arbitrum", chainId: 42161, envPrefix: "ARBITRUM", mainnet: true },
  { name: "optimism", chainId: 10, envPrefix: "OPTIMISM", mainnet: true },
];

/** Chain ids of development chains (`npx hardhat node`, Ganache): every restart reuses them. */
export const DEV_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

/** The default record name on a chain: `localhost` on a dev chain, the public name, else `chain-<id>`. */
export function defaultNetworkName(chainId: number): string {
  if (DEV_CHAIN_IDS.has(chainId)) return "localhost";
  return PUBLIC_NETWORKS.find((n) => n.chainId === chainId)?.name ?? `chain-${chainId}`;
}

export function isMainnet(chainId: number): boolean {
  return PUBLIC_NETWORKS.some((n) => n.chainId === chainId && n.mainnet);
}

export interface NetworkEnv {
  url: string;
  /** The deployer key: `<PREFIX>_PRIVATE_KEY`, else REFEREE_PRIVATE_KEY; absent = read-only. */
  key?: string;
}

/**
 * The public networks whose `<PREFIX>_RPC_URL` is set in `env`, with their deployer key.
 * A network without its URL is simply not defined, so nothing needs any variable set.
 */
export function configuredNetworks(
  env: Record<string, string | undefined>,
): { network: PublicNetwork; env: NetworkEnv }[] {
  const out: { network: PublicNetwork; env: NetworkEnv }[] = [];
  for (const network of PUBLIC_NETWORKS) {
    const url = env[`${network.envPrefix}_RPC_URL`]?.trim();
    if (!url) continue;
    const key = env[`${network.envPrefix}_PRIVATE_KEY`]?.trim() || env.REFEREE_PRIVATE_KEY?.trim() || undefined;
    out.push({ network, env: { url, key } });
  }
  return out;
}
