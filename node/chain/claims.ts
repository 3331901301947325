// Claim flow v3 on the node's side (PROTOCOL.md §5.2): the commitment an operator posts
// before it reveals its output (so a copier watching the mempool gains nothing), the salt
// that hides the output until then, and the NaN check that keeps an honest operator off
// requests whose memory could not be canonical (§2.4).
import { AbiCoder, Provider, getBytes, hexlify, keccak256, randomBytes } from "ethers";
import type { Deployment } from "./deploy";
import { ChainError } from "./errors";
import { latestLogs } from "./logs";

const abi = AbiCoder.defaultAbiCoder();

/** keccak256(abi.encode(requestId, operator, keccak256(output), salt)): what commitClaim stores. */
export function claimCommitment(requestId: bigint, operator: string, output: string, salt: string): string {
  return keccak256(
    abi.encode(["uint256", "address", "bytes32", "bytes32"], [requestId, operator, keccak256(output), salt]),
  );
}

/** A fresh random 32-byte salt: without it a commitment to a guessable output could be matched. */
export function randomSalt(): string {
  return hexlify(randomBytes(32));
}

/**
 * The index of the first NaN among big-endian binary32 values `bytes` (§5.1), or -1. The
 * coordinator no longer scans inputs at request time: a NaN is found only when a game needs
 * the inputs root, so operators refuse such requests up front.
 */
export function firstNaN(bytes: string): number {
  const b = getBytes(bytes);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; 4 * i + 4 <= b.length; i++) if ((dv.getUint32(4 * i) & 0x7fffffff) > 0x7f800000) return i;
  return -1;
}

/**
 * The output bytes of claim `claimId`, from its Claimed event (the chain stores only their
 * hash, exploit 10), checked against that hash: what finalize, retryCallback and a reader of
 * the result need.
 */
export async function claimedOutputOf(d: Deployment, provider: Provider, claimId: bigint): Promise<string> {
  const coordinator = d.coordinator;
  const [ev] = await latestLogs(
    provider,
    (a, b) => coordinator.queryFilter(coordinator.filters.Claimed(undefined, claimId), a, b),
    d.fromBlock,
  );
  if (ev === undefined) throw new ChainError(`no Claimed event for claim #${claimId}`, null, [], null);
  const output = ev.args.output;
  if (keccak256(output) !== ev.args.outputHash)
    throw new ChainError(`claim #${claimId}: the Claimed event's output does not match its hash`, null, [], null);
  return output;
}
