// The one-step verifier as the protocol deploys it (node/chain/deploy.ts): the per-kind
// provers and the OneStepVerifier entry wired to them.
import { ethers } from "hardhat";
import { deployOneStepVerifier } from "../../node/chain/deploy";
import { OneStepVerifier, OneStepVerifier__factory } from "../../typechain-types";

/** A fresh OneStepVerifier with its provers, attached to the first signer. */
export async function deployVerifier(): Promise<OneStepVerifier> {
  const [signer] = await ethers.getSigners();
  const { address } = await deployOneStepVerifier(signer);
  return OneStepVerifier__factory.connect(address, signer);
}

/** deployVerifier's address, for fixtures that take a verifier address. */
export async function deployVerifierAddress(): Promise<string> {
  return (await deployVerifier()).getAddress();
}
