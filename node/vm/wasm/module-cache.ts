// A cache of the wasm engine's modules, so a one-shot run does not pay for kernel planning,
// emission and encoding (~50 ms of cold JS on the OCR classifier, ten times its warm
// execute time). Two levels, both keyed by a digest of everything the emitted bytes depend
// on (programKey): in memory (another Program object of the same structure, e.g. the same
// model compiled again, reuses the compiled module) and on disk (the module's bytes, for
// the next process). `REFEREE_NO_CACHE=1` turns both off.
//
// The key covers the VM's own code (a digest of its source files), so bytes emitted by an
// older emitter are never reused. A disk entry is trusted only if it is whole (its own
// digest matches), was written for this key and validates as a module exporting exactly
// the kernels it lists; anything else is ignored and rewritten. The directory must belong
// to this user and not be writable by others, since its modules compute what gets claimed.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Program } from "../../program/isa";
import type { DriverSplit } from "./emitter";
import { WA, WasmModule } from "./wa";

/** Bump when the file format or the meaning of a key changes. */
const FORMAT = "referee-wasm-cache-2";
const MAGIC = Buffer.from("RFWASM01", "latin1");
const DIGEST = 32;
/** Modules kept in memory (each holds compiled code; programs are few per process). */
const MEMORY_ENTRIES = 16;
/** Files kept on disk; beyond it the least recently written go (a module is ~0.1-1 MB). */
const DISK_ENTRIES = 64;

/**
 * A kernel as the cache records it: its description, whether JS applies its epilogue, and
 * its driver's units (how threads share it).
 */
export interface KernelMeta {
  info: string;
  post: boolean;
  split: DriverSplit;
}

export interface CachedModule {
  module: WasmModule;
  /** Per instruction: its kernel, or null for an instruction run in JS. */
  kernels: (KernelMeta | null)[];
}

/** Whether `REFEREE_NO_CACHE` asks for no module cache (any value but "", "0"). */
export function cacheDisabled(): boolean {
  const v = process.env.REFEREE_NO_CACHE;
  return v !== undefined && v !== "" && v !== "0";
}

let codeDigest: string | null | undefined;

/**
 * Digest of the sources the emitted bytes derive from (the VM, the ISA, FO32) and of the
 * engine that probed its ops, or null if
 * they cannot be read (then nothing goes to disk: a stale module could not be told apart).
 */
function vmCodeDigest(): string | null {
  if (codeDigest === undefined) {
    try {
      // The ops' probe verdicts (../probe.ts) decide which code is emitted; they depend on
      // the engine and, in principle, on the CPU it generates code for.
      const h = createHash("sha256").update(
        `${FORMAT}\0${process.version}\0${process.arch}\0${os.cpus()[0]?.model ?? ""}\0`,
      );
      const roots = ["../../vm", "../../program", "../../fo32"].map((r) => path.join(__dirname, r));
      for (const root of roots) hashTree(h, root, root);
      codeDigest = h.digest("hex");
    } catch {
      codeDigest = null;
    }
  }
  return codeDigest;
}

function hashTree(h: ReturnType<typeof createHash>, root: string, dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) hashTree(h, root, p);
    else if (/\.(ts|js)$/.test(e.name)) h.update(path.relative(root, p)).update("\0").update(fs.readFileSync(p));
  }
}

/**
 * Digest of what the module's bytes depend on: every instruction field, the slot layout in
 * linear memory and the memory size. Numbers are hashed as float64 bits, so -0, NaN and
 * infinities in params stay distinct. Null when the VM's code cannot be identified.
 */
export function programKey(program: Program, layout: readonly number[]): string | null {
  const code = vmCodeDigest();
  if (code === null) return null;
  const v: number[] = [program.instructions.length];
  const list = (xs: readonly number[]): void => {
    v.push(xs.length);
    for (const x of xs) v.push(x);
  };
  for (const ins of program.instructions) {
    v.push(ins.kind, ins.op, ins.out.space, ins.out.index);
    list(ins.params);
    list(ins.iterDims);
    list(ins.redDims);
    v.push(ins.inputs.length);
    for (const op of ins.inputs) {
      v.push(op.slot.space, op.slot.index);
      list(op.dims);
      list(op.offset);
      list(op.coef);
    }
  }
  list(layout);
  const f = Float64Array.from(v);
  return createHash("sha256").update(code).update(new Uint8Array(f.buffer)).digest("hex");
}

/** The default cache directory: $XDG_CACHE_HOME/referee/wasm, else <tmpdir>/referee-<uid>/wasm. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, "referee", "wasm");
  const uid = typeof process.getuid === "function" ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `referee-${uid}`, "wasm");
}

/** The module's exports must be exactly the kernels listed (f<i> for each non-null). */
function exportsMatch(module: WasmModule, kernels: readonly (KernelMeta | null)[]): boolean {
  const api = WA as unknown as { Module: { exports(m: WasmModule): { name: string }[] } };
  const names = api.Module.exports(module)
    .map((e) => e.name)
    .sort();
  const want = kernels.flatMap((x, i) => (x === null ? [] : [`f${i}`])).sort();
  return names.length === want.length && names.every((n, i) => n === want[i]);
}

function isKernelMeta(x: unknown): x is KernelMeta | null {
  if (x === null) return true;
  if (typeof x !== "object") return false;
  const m = x as Record<string, unknown>;
  if (typeof m.split !== "object" || m.split === null) return false;
  const sp = m.split as Record<string, unknown>;
  const count = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
  return (
    typeof m.info === "string" &&
    typeof m.post === "boolean" &&
    Object.keys(m).length === 3 &&
    count(sp.blocks) &&
    count(sp.rows) &&
    count(sp.rest) &&
    Object.keys(sp).length === 3
  );
}

export class ModuleCache {
  private readonly memory = new Map<string, CachedModule>();
  /** Lookups so far, by outcome (for tests and diagnostics). */
  readonly stats = { memory: 0, disk: 0, miss: 0 };

  /**
   * `dir`: where module bytes are kept across processes (null: in memory only); at most
   * `maxFiles` of them.
   */
  constructor(
    readonly dir: string | null,
    readonly maxFiles = DISK_ENTRIES,
  ) {}

  get(key: string, instructions: number): CachedModule | null {
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      // most recently used last
      this.memory.delete(key);
      this.memory.set(key, hit);
      this.stats.memory++;
      return hit;
    }
    const disk = this.read(key, instructions);
    if (disk !== null) {
      this.remember(key, disk);
      this.stats.disk++;
    } else this.stats.miss++;
    return disk;
  }

  put(key: string, bytes: Uint8Array, entry: CachedModule): void {
    this.remember(key, entry);
    this.write(key, bytes, entry.kernels);
  }

  private remember(key: string, entry: CachedModule): void {
    this.memory.set(key, entry);
    if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value as string);
  }

  private file(key: string): string {
    return path.join(this.dir!, `${key}.wasmc`);
  }

  /** A private directory: created 0700, and refused if another user owns it or can write it. */
  private usableDir(create: boolean): boolean {
    if (this.dir === null) return false;
    try {
      if (create) fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const st = fs.statSync(this.dir);
      const uid = typeof process.getuid === "function" ? process.getuid() : st.uid;
      return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
    } catch {
      return false;
    }
  }

  // File: MAGIC, key (32), kernels JSON length (u32) + JSON, module length (u32) + bytes,
  // sha256 of all that (32).
  private read(key: string, instructions: number): CachedModule | null {
    if (!this.usableDir(false)) return null;
    try {
      const buf = fs.readFileSync(this.file(key));
      const body = buf.subarray(0, buf.length - DIGEST);
      if (buf.length < MAGIC.length + DIGEST + 8 + DIGEST) return null;
      if (!createHash("sha256").update(body).digest().equals(buf.subarray(body.length))) return null;
      let at = 0;
      if (!body.subarray(0, MAGIC.length).equals(MAGIC)) return null;
      at += MAGIC.length;
      if (body.subarray(at, at + DIGEST).toString("hex") !== key) return null;
      at += DIGEST;
      const infoLen = body.readUInt32LE(at);
      at += 4;
      const kernels = JSON.parse(body.subarray(at, at + infoLen).toString("utf8")) as unknown;
      at += infoLen;
      const bytesLen = body.readUInt32LE(at);
      at += 4;
      if (at + bytesLen !== body.length) return null;
      if (!Array.isArray(kernels) || kernels.length !== instructions || !kernels.every(isKernelMeta)) return null;
      const bytes = new Uint8Array(body.subarray(at));
      if (!WA!.validate(bytes)) return null;
      const module = new WA!.Module(bytes);
      const entry = { module, kernels };
      return exportsMatch(module, entry.kernels) ? entry : null;
    } catch {
      return null; // missing, unreadable or malformed: rebuild
    }
  }

  private write(key: string, bytes: Uint8Array, kernels: readonly (KernelMeta | null)[]): void {
    if (!this.usableDir(true)) return;
    const json = Buffer.from(JSON.stringify(kernels), "utf8");
    const n = (x: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(x);
      return b;
    };
    const body = Buffer.concat([MAGIC, Buffer.from(key, "hex"), n(json.length), json, n(bytes.length), bytes]);
    // unique per writer (worker threads share the pid); the rename is atomic
    const tmp = `${this.file(key)}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([body, createHash("sha256").update(body).digest()]), { mode: 0o600 });
      fs.renameSync(tmp, this.file(key));
      this.prune();
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
    }
  }

  /** Remove the oldest cache files beyond maxFiles (only after a write, so rarely). */
  private prune(): void {
    const names = fs.readdirSync(this.dir!).filter((n) => n.endsWith(".wasmc"));
    if (names.length <= this.maxFiles) return;
    const aged = names
      .map((n) => ({ n, t: fs.statSync(path.join(this.dir!, n)).mtimeMs }))
      .sort((a, b) => a.t - b.t || (a.n < b.n ? -1 : 1));
    for (const { n } of aged.slice(0, names.length - this.maxFiles))
      fs.rmSync(path.join(this.dir!, n), { force: true });
  }
}

let defaultCache: ModuleCache | undefined;

/** The process's module cache (disk directory from defaultCacheDir), or null if disabled. */
export function moduleCache(): ModuleCache | null {
  if (cacheDisabled()) return null;
  if (defaultCache === undefined) defaultCache = new ModuleCache(defaultCacheDir());
  return defaultCache;
}
