// Decoded custom-error reverts, surfaced by name with their arguments named (enums by their
// names, timestamps as ISO dates), and RPC failures with the node's own reason.
import { ErrorFragment, Interface, Transaction, formatEther, isError } from "ethers";
import { RefereeError } from "../errors";
import { factories } from "./factories";
import * as status from "./status";

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

/** The fields ethers and Hardhat nest a revert's data and the node's reason under (any may be absent). */
interface Nested {
  data?: unknown;
  error?: unknown;
  info?: { error?: unknown };
  cause?: unknown;
  message?: unknown;
  payload?: { method?: string; params?: unknown[] };
}

/** The error objects ethers, the RPC layer and the node nest inside each other, outermost first. */
function chainOf(e: unknown): Nested[] {
  const out: Nested[] = [];
  let x: unknown = e;
  for (let i = 0; i < 6 && typeof x === "object" && x !== null; i++) {
    const n = x as Nested;
    out.push(n);
    x = n.error ?? n.info?.error ?? n.cause;
  }
  return out;
}

function revertData(e: unknown): string | null {
  for (const n of chainOf(e)) if (typeof n.data === "string" && n.data.startsWith("0x")) return n.data;
  return null;
}

/** The node's own message for a failed RPC call (the innermost one ethers kept), if any. */
export function nodeReason(e: unknown): string | null {
  const chain = chainOf(e).slice(1);
  for (let i = chain.length - 1; i >= 0; i--) {
    const m = chain[i].message;
    if (typeof m === "string" && m.length > 0) return m.split("\n")[0];
  }
  return null;
}

/** The sender of the transaction a failed send carried (from the JSON-RPC payload ethers kept). */
function senderOf(e: unknown): string | null {
  for (const n of chainOf(e)) {
    const p = n.payload;
    const param = p?.params?.[0];
    try {
      if (p?.method === "eth_sendRawTransaction" && typeof param === "string") return Transaction.from(param).from;
    } catch {
      // Not a signed transaction ethers can parse: no sender to name.
    }
    if (typeof param === "object" && param !== null && typeof (param as { from?: unknown }).from === "string")
      return (param as { from: string }).from;
    const tx = (n as { transaction?: { from?: unknown } }).transaction;
    if (typeof tx?.from === "string") return tx.from;
  }
  return null;
}

/**
 * The balance and the upfront cost (gas limit × max fee + value) in a node's "insufficient funds"
 * message: Hardhat's "max upfront cost is: X and the sender's balance is: Y", or geth's (and
 * anvil's, reth's) "insufficient funds for gas * price + value: … have Y want X".
 */
export function insufficientFunds(message: string): { has: bigint; needs: bigint } | null {
  const hardhat = /upfront cost is:? (\d+) and the sender's (?:account only has|balance is):? (\d+)/i.exec(message);
  if (hardhat) return { has: BigInt(hardhat[2]), needs: BigInt(hardhat[1]) };
  const geth = /insufficient funds for gas \* price \+ value:.*?have (\d+) want (\d+)/i.exec(message);
  if (geth) return { has: BigInt(geth[1]), needs: BigInt(geth[2]) };
  return null;
}

/** Wei as ETH for people: "0", "1.5", "0.000029231813352". */
export function formatEth(wei: bigint): string {
  return formatEther(wei).replace(/\.0$/, "");
}

/** One line for an ethers or RPC error: ethers' short message and the node's own reason, never the raw transaction. */
export function shortMessageOf(e: unknown): string {
  if (isError(e, "CALL_EXCEPTION")) return e.shortMessage;
  const x = e as { shortMessage?: string };
  const short = x?.shortMessage ?? (e instanceof Error ? e.message.split("\n")[0] : String(e));
  const node = nodeReason(e);
  const funds = insufficientFunds(node ?? short);
  if (funds) {
    const who = senderOf(e);
    return `insufficient funds: ${who ?? "the sender"} has ${formatEth(funds.has)} ETH, needs ${formatEth(funds.needs)} ETH (gas limit × max fee per gas + value)`;
  }
  if (node === null || short.includes(node)) return short;
  // ethers' "could not coalesce error" says only that it did not recognize the node's reason.
  return /could not coalesce/.test(short) ? node : `${short}: ${node}`;
}

// ---------------------------------------------------------------------------------------
// Naming a custom error's arguments. ethers' fragments drop the ABI's internalType (where an
// enum's name lives), so the annotations are read from the compiled ABIs of the typechain
// factories, once, and the enum values named from node/chain/status.ts (their TS source).

type ArgKind = { enum: Readonly<Record<string, bigint>> } | "timestamp" | "seconds" | "plain";

interface ErrorParam {
  name: string;
  kind: ArgKind;
}

interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
}

const ENUMS: Readonly<Record<string, Readonly<Record<string, bigint>>>> = {
  RequestStatus: status.RequestStatus,
  ClaimStatus: status.ClaimStatus,
  CallbackStatus: status.CallbackStatus,
  GameStatus: status.GameStatus,
};

/**
 * What a parameter holds, from its ABI entry: an enum (by its internalType), a unix time (a uint
 * named `timestamp`, `…Deadline`/`deadline` or `…At`), a duration (`seconds…`), else a plain value.
 */
export function argKind(p: AbiParam): ArgKind {
  const e = /^enum (?:\w+\.)?(\w+)$/.exec(p.internalType ?? "");
  if (e) {
    const table = ENUMS[e[1]];
    if (table) return { enum: table };
  }
  if (!p.type.startsWith("uint")) return "plain";
  if (/^timestamp$|^deadline$|Deadline$|[a-z]At$/.test(p.name)) return "timestamp";
  if (/^seconds/.test(p.name)) return "seconds";
  return "plain";
}

let errorParams: Map<string, ErrorParam[]> | null = null;

/** Every custom error of every compiled contract, by selector, with its parameters' names and kinds. */
function errorTable(): Map<string, ErrorParam[]> {
  if (errorParams) return errorParams;
  const table = new Map<string, ErrorParam[]>();
  for (const f of Object.values(factories())) {
    const abi = (f as { abi?: unknown }).abi;
    if (!Array.isArray(abi)) continue;
    for (const item of abi as { type: string; name: string; inputs?: AbiParam[] }[]) {
      if (item.type !== "error") continue;
      // Only the error entries are parsed: a whole Interface per contract costs ten times more.
      const fragment = ErrorFragment.from(item);
      if (table.has(fragment.selector)) continue;
      table.set(
        fragment.selector,
        (item.inputs ?? []).map((p) => ({ name: p.name, kind: argKind(p) })),
      );
    }
  }
  return (errorParams = table);
}

/** The selectors the table annotates (for tests: every protocol error is covered). */
export function annotatedErrors(): ReadonlyMap<string, readonly ErrorParam[]> {
  return errorTable();
}

/** A unix time as an ISO date (to the second), or the number when it is no valid date. */
export function isoTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
    ? new Date(ms).toISOString().replace(".000Z", "Z")
    : String(seconds);
}

function formatArg(value: unknown, kind: ArgKind): string {
  if (typeof value !== "bigint") return String(value);
  if (kind === "timestamp") return isoTime(value);
  if (kind === "seconds") return `${value} s`;
  if (kind !== "plain") return status.statusName(kind.enum, value);
  return String(value);
}

/** `Name(a: v, b: w)`: a custom error with its arguments named and decoded for people. */
export function describeError(selector: string, name: string, args: readonly unknown[]): string {
  const params = errorTable().get(selector);
  const parts = args.map((v, i) => {
    const p = params?.[i];
    return p && p.name ? `${p.name.replace(/_$/, "")}: ${formatArg(v, p.kind)}` : formatArg(v, "plain");
  });
  return `${name}(${parts.join(", ")})`;
}

/** The custom error a failed call reverted with, decoded against `interfaces`; else the error as is. */
export function decodeRevert(e: unknown, interfaces: readonly Interface[]): ChainError {
  const data = revertData(e);
  if (data && data.length >= 10) {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          const args = [...parsed.args];
          return new ChainError(describeError(parsed.selector, parsed.name, args), parsed.name, args, e);
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
