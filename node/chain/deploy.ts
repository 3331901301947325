// Deploys the protocol (token, registry, staking, coordinator, verifier, game) and wires
// the roles: the node's deploy helper for Hardhat's in-process chain and `localhost`.
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Interface } from "ethers";
import type { Coordinator, DisputeGame, ModelRegistry, Staking, TestToken } from "../../typechain-types";

type Ethers = HardhatRuntimeEnvironment["ethers"];

export interface DeployOptions {
  degree: number;
  clockSeconds: number;
  challengeWindow: number;
  claimBond: bigint;
  challengerBond: bigint;
  rewardBps: number;
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
  rewardBps: 5_000,
  unbondingDelay: 7 * 24 * 3600,
  maxCallbackGas: 1_000_000,
  fees: { base: 100n, perMillionSteps: 10n, perCallbackGas: 0n },
};

export interface Deployment {
  options: DeployOptions;
  token: TestToken;
  registry: ModelRegistry;
  staking: Staking;
  coordinator: Coordinator;
  game: DisputeGame;
  verifier: string;
  /** Every protocol interface, for decoding custom errors. */
  interfaces: Interface[];
  gasUsed: bigint;
}

export async function deployReferee(
  ethers: Ethers,
  deployer: HardhatEthersSigner,
  treasury: string,
  overrides: Partial<DeployOptions> = {},
): Promise<Deployment> {
  const o = { ...DEPLOY_DEFAULTS, ...overrides };
  let gasUsed = 0n;
  const deploy = async <T>(name: string, args: unknown[] = []): Promise<T> => {
    const c = await ethers.deployContract(name, args, deployer);
    const r = await c.deploymentTransaction()!.wait();
    gasUsed += r!.gasUsed;
    return c as T;
  };
  const wait = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => {
    gasUsed += (await (await tx).wait())!.gasUsed;
  };
  const token = await deploy<TestToken>("TestToken");
  const registry = await deploy<ModelRegistry>("ModelRegistry");
  const staking = await deploy<Staking>("Staking", [token, o.unbondingDelay, deployer.address]);
  const coordinator = await deploy<Coordinator>("Coordinator", [
    token,
    registry,
    staking,
    o.challengeWindow,
    o.claimBond,
    o.maxCallbackGas,
    o.fees,
    deployer.address,
  ]);
  const verifierContract = await deploy<{ getAddress(): Promise<string> }>("OneStepVerifier");
  const verifier = await verifierContract.getAddress();
  const game = await deploy<DisputeGame>("DisputeGame", [
    {
      coordinator: await coordinator.getAddress(),
      registry: await registry.getAddress(),
      verifier,
      token: await token.getAddress(),
      degree: o.degree,
      clockSeconds: o.clockSeconds,
      challengerBond: o.challengerBond,
      challengerRewardBps: o.rewardBps,
      treasury,
    },
  ]);
  await wait(staking.grantRole(await staking.LOCKER_ROLE(), coordinator));
  await wait(staking.grantRole(await staking.SLASHER_ROLE(), coordinator));
  await wait(coordinator.setDisputeGame(game));
  const verifierIface = (await ethers.getContractFactory("OneStepVerifier")).interface;
  const interfaces = [coordinator.interface, game.interface, staking.interface, registry.interface, token.interface, verifierIface];
  return { options: o, token, registry, staking, coordinator, game, verifier, interfaces, gasUsed };
}
