// keccak256 for the commitments (docs/PROTOCOL.md §3). Single hashes go through hash-wasm
// (an order of magnitude faster than a JS keccak); whole tree levels through the batch
// WebAssembly hasher of keccak-batch.ts, which is checked against hash-wasm at init.
// hash-wasm's constructor is async: call `initHasher()` once at start-up; every hashing
// function after that is synchronous (tree loops must not await per node).
import { createKeccak, IHasher } from "hash-wasm";
import { batchHasher, hashLevelBatch } from "./keccak-batch";

/** A 32-byte hash or leaf. */
export type Bytes32 = Uint8Array;

let hasher: IHasher | null = null;
let pending: Promise<void> | null = null;

/** Load the keccak256 WASM module. Idempotent; must complete before any hashing call. */
export function initHasher(): Promise<void> {
  if (hasher !== null) return Promise.resolve();
  if (pending === null) {
    pending = createKeccak(256).then((k) => {
      selfTest(k);
      hasher = k;
    });
  }
  return pending;
}

export function isHasherReady(): boolean {
  return hasher !== null;
}

/** The batch hasher must agree with hash-wasm bit for bit; refuse to start otherwise. */
function selfTest(k: IHasher): void {
  batchHasher(); // instantiate (SIMD or scalar) before checking it
  const n = 5; // odd: exercises the padded last pair
  const src = new Uint8Array(32 * n).map((_, i) => (i * 151 + 17) & 0xff);
  const pad = new Uint8Array(32).fill(0xa5);
  const dst = new Uint8Array(32 * 3);
  hashLevelBatch(0x01, src, n, pad, dst);
  for (let m = 0; m < 3; m++) {
    const msg = new Uint8Array(65);
    msg[0] = 0x01;
    msg.set(src.subarray(64 * m, Math.min(64 * m + 64, 32 * n)), 1);
    if (m === 2) msg.set(pad, 33);
    k.init();
    k.update(msg);
    if (!bytesEqual(k.digest("binary"), dst.subarray(32 * m, 32 * m + 32))) {
      throw new Error("keccak256 self-test failed: batch WebAssembly hasher disagrees with hash-wasm");
    }
  }
}

function h(): IHasher {
  if (hasher === null) {
    throw new Error("keccak256 used before initHasher(): await initHasher() (node/commit/keccak) once at start-up");
  }
  return hasher;
}

/** keccak256 of `data`. */
export function keccak256(data: Uint8Array): Bytes32 {
  const k = h();
  k.init();
  k.update(data);
  return k.digest("binary");
}

/** keccak256 of `data` as 0x-prefixed hex (file hashes, ids). */
export function keccak256Hex(data: Uint8Array): string {
  return toHex(keccak256(data));
}

/** keccak256 of the concatenation of `parts` (no copy into one buffer). */
export function keccak256Concat(parts: readonly Uint8Array[]): Bytes32 {
  const k = h();
  k.init();
  for (const p of parts) k.update(p);
  return k.digest("binary");
}

// One scratch buffer for node hashes: prefix ‖ left ‖ right is hashed in one update call,
// which is markedly faster than three.
const nodeBuf = new Uint8Array(65);

/** H(prefix ‖ left ‖ right) for 32-byte `left`, `right`. */
export function hashNode(prefix: number, left: Uint8Array, right: Uint8Array): Bytes32 {
  nodeBuf[0] = prefix;
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 33);
  const k = h();
  k.init();
  k.update(nodeBuf);
  return k.digest("binary");
}

/**
 * Hash one tree level into the next: `count` nodes of 32 bytes at `src` (count need not be
 * even; a missing right child is `padRight`) → ⌈count/2⌉ nodes written into `dst`. Bulk
 * path: batched in WebAssembly (keccak-batch.ts), checked against hash-wasm at init.
 */
export function hashLevel(prefix: number, src: Uint8Array, count: number, padRight: Uint8Array, dst: Uint8Array): void {
  h();
  hashLevelBatch(prefix, src, count, padRight, dst);
}

// ---------------------------------------------------------------------------------------
// Zero-subtree tables: Z_0 = 0^32, Z_{d+1} = H(prefix ‖ Z_d ‖ Z_d), per node prefix.

/** Deepest tree supported: 2^64 leaves is far beyond any slot or slot count. */
export const MAX_DEPTH = 64;
const ZERO32: Bytes32 = new Uint8Array(32);

const zeroTables = new Map<number, Bytes32[]>();

/** The zero table of one prefix, built on first use (after initHasher). */
function zeroTable(prefix: number): Bytes32[] {
  let t = zeroTables.get(prefix);
  if (t === undefined) {
    h();
    t = [ZERO32];
    for (let d = 0; d < MAX_DEPTH; d++) t.push(hashNode(prefix, t[d], t[d]));
    zeroTables.set(prefix, t);
  }
  return t;
}

/**
 * Root Z_d of an all-zero subtree of depth `d` for trees with node prefix `prefix`. Shared
 * table entry: read it, never mutate it (`zeroHash(...).slice()` for a private copy).
 */
export function zeroHash(prefix: number, d: number): Bytes32 {
  if (!(Number.isInteger(d) && d >= 0 && d <= MAX_DEPTH)) {
    throw new RangeError(`zero subtree depth ${d} out of range [0, ${MAX_DEPTH}]`);
  }
  return zeroTable(prefix)[d];
}

// ---------------------------------------------------------------------------------------
// Hex helpers for display and for values coming from the chain.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let s = "0x";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

export function fromHex(hex: string): Uint8Array {
  const s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not a hex byte string: ${hex.slice(0, 20)}…`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
