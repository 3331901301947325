// The wasm module cache (node/vm/wasm/module-cache.ts): a program of the same structure
// reuses the module, from memory or from disk, with bit-identical results; a corrupted,
// truncated or foreign cache file, or a directory others can write, is ignored; and
// REFEREE_NO_CACHE=1 turns the cache off.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kind, MapOp, Program } from "../node/program/isa";
import { execute, validateProgram } from "../node/vm";
import { canonicalizeNaNs, executeInstruction } from "../node/vm/execute";
import { ModuleCache, moduleCache, programKey } from "../node/vm/wasm/module-cache";
import { WasmProgram, executeWasm, wasmAvailable, wasmProgram } from "../node/vm/wasm/runtime";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";

/** A structurally equal program that is another object (the per-Program cache misses). */
function clone(p: Program): Program {
  return {
    ...p,
    instructions: p.instructions.map((ins) => ({ ...ins, inputs: ins.inputs.map((o) => ({ ...o })) })),
  };
}

function run(wp: WasmProgram, program: Program, inputs: Float32Array[]): Uint8Array[] {
  const n = program.instructions.length;
  const m = executeWasm(wp, program, inputs, n, (mem, i) => executeInstruction(program, mem, i), canonicalizeNaNs);
  return m.activations.map((a) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
}

function jsRun(program: Program, inputs: Float32Array[]): Uint8Array[] {
  const m = execute(program, inputs, { engine: "js" });
  return m.activations.map((a) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
}

function files(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".wasmc")) : [];
}

describe("vm: wasm module cache", function () {
  this.timeout(120_000);
  let tmp: string;
  let dir: string;
  const hello = () => compiled(HELLO_DEEPA).program;
  const inputsOf = (p: Program, seed: number) =>
    seededInputs(
      p.inputs.map((s) => s.dims),
      seed,
    );

  before(function () {
    if (!wasmAvailable()) this.skip();
    validateProgram(hello());
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "referee-cache-test-"));
    dir = path.join(tmp, "wasm");
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("reuses the module from memory, then from disk in a new cache, bit for bit", () => {
    const p = hello();
    const inputs = inputsOf(p, 3);
    const want = jsRun(p, inputs);
    const a = new ModuleCache(dir);
    const wp1 = wasmProgram(clone(p), {}, a)!;
    expect(a.stats).to.deep.equal({ memory: 0, disk: 0, miss: 1 });
    expect(files(dir)).to.have.length(1);
    const q = clone(p);
    const wp2 = wasmProgram(q, {}, a)!;
    expect(a.stats.memory).to.equal(1);
    expect(wp2.module).to.equal(wp1.module);
    const b = new ModuleCache(dir);
    const r = clone(p);
    const wp3 = wasmProgram(r, {}, b)!;
    expect(b.stats).to.deep.equal({ memory: 0, disk: 1, miss: 0 });
    expect(wp3.kernels.map((k) => k?.info ?? null)).to.deep.equal(wp1.kernels.map((k) => k?.info ?? null));
    expect(wp3.kernels.map((k) => k?.post !== null)).to.deep.equal(wp1.kernels.map((k) => k?.post !== null));
    expect(run(wp3, r, inputs)).to.deep.equal(want);
    expect(run(wp2, q, inputs)).to.deep.equal(want);
  });

  it("reuses a cached module with a JS epilogue and JS instructions bit for bit (OCR classifier)", () => {
    // Every op of the classifier has wasm code: its softmax Exp becomes a Sin and its first
    // HardSigmoid epilogue a Softsign, ops that run in JS.
    const p = clone(compiled(OCR_CLS, OCR_CLS_SHAPES).program);
    const toJs = (kind: Kind, from: MapOp, to: MapOp): void => {
      const i = p.instructions.findIndex((ins) => ins.kind === kind && ins.op === from);
      expect(i, `${Kind[kind]} ${MapOp[from]}`).to.be.at.least(0);
      p.instructions[i] = { ...p.instructions[i], op: to, params: [] };
    };
    toJs(Kind.Map, MapOp.Exp, MapOp.Sin);
    toJs(Kind.Dot, MapOp.HardSigmoid, MapOp.Softsign);
    validateProgram(p);
    const inputs = inputsOf(p, 5);
    const want = jsRun(p, inputs);
    wasmProgram(clone(p), {}, new ModuleCache(dir));
    const c = new ModuleCache(dir);
    const q = clone(p);
    const wp = wasmProgram(q, {}, c)!;
    expect(c.stats.disk).to.equal(1);
    expect(wp.kernels.some((k) => k === null)).to.equal(true);
    expect(wp.kernels.some((k) => k !== null && k.post !== null)).to.equal(true);
    expect(run(wp, q, inputs)).to.deep.equal(want);
  });

  const damage: [string, (buf: Buffer) => Buffer][] = [
    ["a flipped byte in the module", (b) => ((b[b.length - 100] ^= 0x01), b)],
    ["a flipped byte in the trailing digest", (b) => ((b[b.length - 1] ^= 0x80), b)],
    ["a truncated file", (b) => b.subarray(0, b.length >> 1)],
    ["an empty file", () => Buffer.alloc(0)],
    ["garbage", (b) => Buffer.alloc(b.length, 0x5a)],
  ];
  for (const [what, hurt] of damage) {
    it(`ignores and rewrites a cache file with ${what}`, () => {
      const p = hello();
      const inputs = inputsOf(p, 7);
      wasmProgram(clone(p), {}, new ModuleCache(dir));
      const [name] = files(dir);
      const file = path.join(dir, name);
      const good = fs.readFileSync(file);
      fs.writeFileSync(file, hurt(Buffer.from(good)));
      const c = new ModuleCache(dir);
      const q = clone(p);
      const wp = wasmProgram(q, {}, c)!;
      expect(c.stats).to.deep.equal({ memory: 0, disk: 0, miss: 1 });
      expect(run(wp, q, inputs)).to.deep.equal(jsRun(p, inputs));
      expect(fs.readFileSync(file).equals(good)).to.equal(true);
    });
  }

  it("ignores a whole cache file written for another program (foreign file)", () => {
    const p = hello();
    const other = clone(p);
    // another program: one Map's params changed (same structure, other bytes)
    const i = other.instructions.findIndex((ins) => ins.params.length > 0);
    expect(i).to.be.at.least(0);
    other.instructions[i] = { ...other.instructions[i], params: other.instructions[i].params.map((x) => x + 1) };
    wasmProgram(clone(p), {}, new ModuleCache(dir));
    const [mine] = files(dir);
    wasmProgram(other, {}, new ModuleCache(dir));
    const theirs = files(dir).find((f) => f !== mine)!;
    expect(theirs).to.not.equal(undefined);
    fs.copyFileSync(path.join(dir, theirs), path.join(dir, mine));
    const c = new ModuleCache(dir);
    const q = clone(p);
    const wp = wasmProgram(q, {}, c)!;
    expect(c.stats.miss).to.equal(1);
    const inputs = inputsOf(p, 9);
    expect(run(wp, q, inputs)).to.deep.equal(jsRun(p, inputs));
  });

  it("does not use a directory other users can write", () => {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chmodSync(dir, 0o777);
    const p = hello();
    wasmProgram(clone(p), {}, new ModuleCache(dir));
    expect(files(dir)).to.have.length(0);
  });

  it("keys on every bit of the params (-0 and 0, NaN and infinities differ)", () => {
    const p = hello();
    const i = p.instructions.findIndex((ins) => ins.params.length > 0);
    const layout = [1, 0, 16];
    const withParam = (x: number): Program => {
      const q = clone(p);
      q.instructions[i] = { ...q.instructions[i], params: [x, ...q.instructions[i].params.slice(1)] };
      return q;
    };
    const keys = [0, -0, NaN, Infinity, -Infinity].map((x) => programKey(withParam(x), layout));
    expect(new Set(keys).size).to.equal(5);
    expect(programKey(withParam(0), layout)).to.equal(programKey(withParam(0), layout));
    expect(programKey(p, layout)).to.not.equal(programKey(p, [1, 0, 32]));
  });

  it("keeps at most maxFiles files on disk, dropping the oldest", () => {
    const p = hello();
    const i = p.instructions.findIndex((ins) => ins.params.length > 0);
    const variant = (x: number): Program => {
      const q = clone(p);
      q.instructions[i] = { ...q.instructions[i], params: q.instructions[i].params.map((v) => v + x) };
      return q;
    };
    const c = new ModuleCache(dir, 2);
    // distinct ages whatever the file system's mtime resolution: 1 is the oldest
    const t0 = Date.now() / 1000 - 100;
    for (const x of [1, 2, 3]) {
      const before = new Set(files(dir));
      wasmProgram(variant(x), {}, c);
      const added = files(dir).filter((f) => !before.has(f));
      if (x < 3) for (const f of added) fs.utimesSync(path.join(dir, f), t0 + 10 * x, t0 + 10 * x);
    }
    expect(files(dir)).to.have.length(2);
    // the newest two are still there: a fresh cache finds them on disk
    const d = new ModuleCache(dir, 2);
    for (const x of [2, 3]) wasmProgram(variant(x), {}, d);
    expect(d.stats).to.deep.equal({ memory: 0, disk: 2, miss: 0 });
  });

  it("REFEREE_NO_CACHE=1 turns the cache off", () => {
    const saved = process.env.REFEREE_NO_CACHE;
    try {
      process.env.REFEREE_NO_CACHE = "1";
      expect(moduleCache()).to.equal(null);
      process.env.REFEREE_NO_CACHE = "0";
      expect(moduleCache()).to.not.equal(null);
    } finally {
      if (saved === undefined) delete process.env.REFEREE_NO_CACHE;
      else process.env.REFEREE_NO_CACHE = saved;
    }
  });
});
