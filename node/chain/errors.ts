// Decoded custom-error reverts, surfaced by name.
import { Interface, isError } from "ethers";
import { RefereeError } from "../errors";

/** A failed chain call or transaction: a named custom-error revert, or the node's one-line reason. */
export class ChainError extends RefereeError {
  constructor(
    readonly shortMessage: string,
    /** The custom error the call reverted with; null when it did not revert with a known one. */
    readonly errorName: string | null,
    readonly args: readonly unknown[],
    cause: unknown,
  ) {
    super("CHAIN", shortMessage, cause);
    this.name = "ChainError";
  }
}

/** The fields ethers and Hardhat nest a revert's data under (any of them may be absent). */
interface Nested {
  data?: unknown;
  error?: unknown;
  info?: { error?: unknown };
  cause?: unknown;
}

function revertData(e: unknown): string | null {
  let x: unknown = e;
  for (let i = 0; i < 5 && typeof x === "object" && x !== null; i++) {
    const n = x as Nested;
    if (typeof n.data === "string" && n.data.startsWith("0x")) return n.data;
    if (n.error) x = n.error;
    else if (n.info?.error) x = n.info.error;
    else x = n.cause;
  }
  return null;
}

/** One line for an ethers or RPC error: ethers' short message and the node's own reason, never the raw transaction. */
export function shortMessageOf(e: unknown): string {
  if (isError(e, "CALL_EXCEPTION")) return e.shortMessage;
  const x = e as { shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  const short = x?.shortMessage ?? (e instanceof Error ? e.message.split("\n")[0] : String(e));
  const node = x?.info?.error?.message;
  return node && !short.includes(node) ? `${short}: ${node}` : short;
}

/** The custom error a failed call reverted with, decoded against `interfaces`; else the error as is. */
export function decodeRevert(e: unknown, interfaces: readonly Interface[]): ChainError {
  const data = revertData(e);
  if (data && data.length >= 10) {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          const args = [...parsed.args].map(String);
          return new ChainError(`${parsed.name}(${args.join(", ")})`, parsed.name, [...parsed.args], e);
        }
      } catch {
        // Not this interface's error.
      }
    }
  }
  return new ChainError(shortMessageOf(e), null, [], e);
}

/** Runs `send`, rethrowing a revert as a ChainError named after its custom error. */
export async function named<T>(interfaces: readonly Interface[], send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    throw decodeRevert(e, interfaces);
  }
}
