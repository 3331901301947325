// Signs the recording attestations the example WakeWordVault requires: the attester's word that
// these features come from a real recording, for one vault's one attempt (EIP-712).
import { keccak256, type Signer, type TypedDataDomain } from "ethers";
import type { WakeWordVault } from "../../typechain-types";

export const RECORDING_ATTESTATION_TYPES = {
  RecordingAttestation: [
    { name: "vaultId", type: "uint256" },
    { name: "attempt", type: "uint256" },
    { name: "featuresHash", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
  ],
};

export interface RecordingAttestation {
  expiresAt: bigint;
  signature: string;
}

/**
 * The attester's signature over `features` (the model input bytes, PROTOCOL.md §5.1) for the
 * vault's next unlock attempt; the domain is read from the vault itself (EIP-5267), so a
 * signature for one vault or chain is useless on another.
 */
export async function signRecordingAttestation(
  attester: Signer,
  vault: WakeWordVault,
  vaultId: bigint,
  features: string,
  expiresAt: bigint,
): Promise<RecordingAttestation> {
  const [, name, version, chainId, verifyingContract] = await vault.eip712Domain();
  const domain: TypedDataDomain = { name, version, chainId, verifyingContract };
  const attempt = (await vault.getVault(vaultId)).attempts;
  const value = { vaultId, attempt, featuresHash: keccak256(features), expiresAt };
  const signature = await attester.signTypedData(domain, RECORDING_ATTESTATION_TYPES, value);
  return { expiresAt, signature };
}
