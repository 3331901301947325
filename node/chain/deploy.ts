// Deploys the protocol (token, registry, staking, coordinator, verifier, game) and wires it
// (no admin key is left in Staking), with any ethers signer: Hardhat's in-process chain, `localhost`, or an RPC URL.
// `connectDeployment` attaches to a recorded deployment (deployments/<network>.json, see
// deployment-record.ts for the record itself).
import type { ContractRunner, Interface, Signer } from "ethers";
import type { Coordinator, DisputeGame, ModelRegistry, Staking, TestToken } from "../../typechain-types";
import { RefereeError } from "../errors";
import { factories } from "./factories";
import { isMainnet } from "./networks";
import type { BlockRef, DeploymentRecord } from "./deployment-record";
import { RECORD_FORMAT, recordAbis } from "./deployment-record";

export type { BlockRef, DeploymentRecord } from "./deployment-record";
export { readDeployment, writeDeployment } from "./deployment-record";

export interface DeployOptions {
  degree: number;
  clockSeconds: number;
  challengeWindow: number;
  claimBond: bigint;
  challengerBond: bigint;
  /** Paid to a winning challenger on top of its bond; at most 10% of claimBond (DisputeGame refuses more). */
  challengerReward: bigint;
  unbondingDelay: number;
  maxCallbackGas: number;
  fees: { base: bigint; perMillionSteps: bigint; perCallbackGas: bigint };
}

export const DEPLOY_DEFAULTS: DeployOptions = {
  degree: 8,
  clockSeconds: 3600,
  challengeWindow: 600,
  claimBond: 1_000n,
  challengerBond: 400n,
  // The most allowed: a cheater recovers at most this, so it loses ≥ 90% of its bond (PROTOCOL §7.7).
  challengerReward: 100n,
  unbondingDelay: 7 * 24 * 3600,
  maxCallbackGas: 1_000_000,
  // perCallbackGas: finalize forwards the whole callback gas limit (up to maxCallbackGas) and
  // the operator pays for it; unpriced, a request could make the operator spend 1M gas for the
  // base fee (issue 10 item 9). One token unit per gas, the smallest non-zero price, makes a
  // callback cost at least the gas it can burn, so an operator pricing its gas at up to 1 unit
  // (`referee operator --min-fee-per-gas`) is never out of pocket for the callback part.
  fees: { base: 100n, perMillionSteps: 10n, perCallbackGas: 1n },
};

export interface Deployment {
  options: DeployOptions;
  /** The payment and stake token (the mintable TestToken on dev chains; any ERC20 otherwise). */
  token: TestToken;
  registry: ModelRegistry;
  staking: Staking;
  coordinator: Coordinator;
  game: DisputeGame;
  verifier: string;
  /** Every protocol interface, for decoding custom errors. */
  interfaces: Interface[];
  /** The block the deployment started in: event scans start here. */
  fromBlock: number;
  /** The block of the deployment's last transaction: a chain without it is not this deployment's. */
  deployBlock?: BlockRef;
  gasUsed: bigint;
}

/** Parts to reuse instead of deploying: an existing ERC20, another one-step verifier. */
export interface ExistingParts {
  token?: string;
  verifier?: string;
}

export function protocolInterfaces(): Interface[] {
  const {
    Coordinator__factory,
    DisputeGame__factory,
    Staking__factory,
    ModelRegistry__factory,
    TestToken__factory,
    OneStepVerifier__factory,
  } = factories();
  return [
    Coordinator__factory.createInterface(),
    DisputeGame__factory.createInterface(),
    Staking__factory.createInterface(),
    ModelRegistry__factory.createInterface(),
    TestToken__factory.createInterface(),
    OneStepVerifier__factory.createInterface(),
  ];
}

type Receipt = { gasUsed: bigint; blockNumber: number; blockHash: string };
type Deployable = { deploymentTransaction(): { wait(): Promise<Receipt | null> } | null };

/** A deploy step that reports itself and adds its deployment's gas to `gas.used`. */
function deployStep(onStep: (what: string) => void, gas: { used: bigint }) {
  return async <T extends Deployable>(what: string, c: Promise<T>): Promise<T> => {
    onStep(what);
    const contract = await c;
    gas.used += (await contract.deploymentTransaction()!.wait())!.gasUsed;
    return contract;
  };
}

/**
 * Deploys the one-step verifier: the four per-kind provers, then the OneStepVerifier entry
 * that wires them immutably (docs/PROTOCOL.md §6.2). Returns the entry's address and the gas.
 */
export async function deployOneStepVerifier(
  deployer: Signer,
  onStep: (what: string) => void = () => undefined,
): Promise<{ address: string; gasUsed: bigint }> {
  const {
    ProverDot__factory,
    ProverMap__factory,
    ProverReduce__factory,
    ProverMove__factory,
    OneStepVerifier__factory,
  } = factories();
  const gas = { used: 0n };
  const deployed = deployStep(onStep, gas);
  const dot = await deployed("ProverDot", new ProverDot__factory(deployer).deploy());
  const map = await deployed("ProverMap", new ProverMap__factory(deployer).deploy());
  const reduce = await deployed("ProverReduce", new ProverReduce__factory(deployer).deploy());
  const move = await deployed("ProverMove", new ProverMove__factory(deployer).deploy());
  const entry = await deployed(
    "OneStepVerifier",
    new OneStepVerifier__factory(deployer).deploy(dot, map, reduce, move),
  );
  return { address: await entry.getAddress(), gasUsed: gas.used };
}

export async function deployReferee(
  deployer: Signer,
  treasury: string,
  overrides: Partial<DeployOptions> = {},
  existing: ExistingParts = {},
  onStep: (what: string) => void = () => undefined,
): Promise<Deployment> {
  const { Coordinator__factory, DisputeGame__factory, Staking__factory, ModelRegistry__factory, TestToken__factory } =
    factories();
  const o = { ...DEPLOY_DEFAULTS, ...overrides };
  const provider = deployer.provider;
  if (!provider) throw new Error("the deployer signer has no provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  // Bonds in a freely mintable token secure nothing: on a mainnet the token must be a real one.
  if (existing.token === undefined && isMainnet(chainId))
    throw new RefereeError(
      "USAGE",
      `chain ${chainId} is a mainnet: pass the ERC20 to bond and pay in (--token), the mintable TestToken is for test chains`,
    );
  const fromBlock = await provider.getBlockNumber();
  const admin = await deployer.getAddress();
  const gas = { used: 0n };
  const deployed = deployStep(onStep, gas);
  let last: BlockRef | undefined;
  const wait = async (what: string, tx: Promise<{ wait(): Promise<Receipt | null> }>) => {
    onStep(what);
    const receipt = (await (await tx).wait())!;
    gas.used += receipt.gasUsed;
    last = { number: receipt.blockNumber, hash: receipt.blockHash };
  };
  const token = existing.token
    ? TestToken__factory.connect(existing.token, deployer)
    : await deployed("TestToken", new TestToken__factory(deployer).deploy());
  const registry = await deployed("ModelRegistry", new ModelRegistry__factory(deployer).deploy());
  const staking = await deployed("Staking", new Staking__factory(deployer).deploy(token, o.unbondingDelay, admin));
  const coordinator = await deployed(
    "Coordinator",
    new Coordinator__factory(deployer).deploy(
      token,
      registry,
      staking,
      o.challengeWindow,
      o.claimBond,
      o.maxCallbackGas,
      o.fees,
      admin,
    ),
  );
  let verifier = existing.verifier;
  if (verifier === undefined) {
    const v = await deployOneStepVerifier(deployer, onStep);
    gas.used += v.gasUsed;
    verifier = v.address;
  }
  const game = await deployed(
    "DisputeGame",
    new DisputeGame__factory(deployer).deploy({
      coordinator: await coordinator.getAddress(),
      registry: await registry.getAddress(),
      verifier,
      staking: await staking.getAddress(),
      token: await token.getAddress(),
      degree: o.degree,
      clockSeconds: o.clockSeconds,
      challengerBond: o.challengerBond,
      challengerReward: o.challengerReward,
      treasury,
    }),
  );
  // Staking never has an admin: this one call grants the coordinator its lock and slash
  // roles for good. Until the dispute game is set the coordinator refuses requests and claims.
  await wait("Staking: wire the coordinator (lock and slash roles)", staking.wireProtocol(coordinator));
  await wait("Coordinator: set the dispute game", coordinator.setDisputeGame(game));
  return {
    options: o,
    token,
    registry,
    staking,
    coordinator,
    game,
    verifier,
    interfaces: protocolInterfaces(),
    fromBlock,
    deployBlock: last,
    gasUsed: gas.used,
  };
}

/** The deployment a record describes, its contracts attached to `runner`. */
export function connectDeployment(r: DeploymentRecord, runner: ContractRunner): Deployment {
  const { Coordinator__factory, DisputeGame__factory, Staking__factory, ModelRegistry__factory, TestToken__factory } =
    factories();
  const a = r.addresses;
  const o = r.options;
  return {
    options: {
      ...o,
      claimBond: BigInt(o.claimBond),
      challengerBond: BigInt(o.challengerBond),
      challengerReward: BigInt(o.challengerReward),
      fees: {
        base: BigInt(o.fees.base),
        perMillionSteps: BigInt(o.fees.perMillionSteps),
        perCallbackGas: BigInt(o.fees.perCallbackGas),
      },
    },
    token: TestToken__factory.connect(a.token, runner),
    registry: ModelRegistry__factory.connect(a.registry, runner),
    staking: Staking__factory.connect(a.staking, runner),
    coordinator: Coordinator__factory.connect(a.coordinator, runner),
    game: DisputeGame__factory.connect(a.game, runner),
    verifier: a.verifier,
    interfaces: protocolInterfaces(),
    fromBlock: r.fromBlock,
    deployBlock: r.deployBlock,
    gasUsed: 0n,
  };
}

export async function recordOf(d: Deployment, network: string, chainId: number): Promise<DeploymentRecord> {
  const o = d.options;
  return {
    format: RECORD_FORMAT,
    network,
    chainId,
    fromBlock: d.fromBlock,
    deployBlock: d.deployBlock,
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
      challengerReward: String(o.challengerReward),
      fees: {
        base: String(o.fees.base),
        perMillionSteps: String(o.fees.perMillionSteps),
        perCallbackGas: String(o.fees.perCallbackGas),
      },
    },
    abis: recordAbis(),
  };
}
