// Slot trees hashed by the worker pool (node/commit/hash-pool.ts) are the trees hashed on the
// calling thread, byte for byte: roots, every level on the proof paths, and the states of a
// whole trace; for slot sizes around every boundary of the kernel (leaf, chunk, task) and
// 1, 2 and 3 threads. Also: the pool is reused across commitments, can be closed and used
// again, and never keeps a process alive.
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { ethers } from "ethers";
import {
  SlotTree,
  TENSOR_NODE,
  TraceCommitter,
  closeHashPool,
  hashPool,
  initHasher,
  leafCount,
  toHex,
  zeroHash,
} from "../node/commit";
import { execute } from "../node/vm";
import { HELLO_DEEPA, compiled, seededInputs } from "./helpers/models";
import { rng } from "./helpers/random";

// 8 values per leaf; the kernel hashes 2^13 leaves per chunk, the pool 2^14 leaves per task.
const CHUNK = 8 * 2 ** 13;
const TASK = 8 * 2 ** 14;
const SIZES = [
  0,
  1,
  2,
  7,
  8,
  9,
  15,
  16,
  17,
  63,
  64,
  65,
  127,
  128,
  129,
  1023,
  1024,
  1025,
  8191,
  8192,
  8193,
  CHUNK - 8,
  CHUNK - 1,
  CHUNK,
  CHUNK + 1,
  CHUNK + 8,
  TASK - 1,
  TASK,
  TASK + 1,
  TASK + 9,
  3 * TASK + 8 * 5 + 3,
  8 * TASK,
  8 * TASK + 1,
];

function randomValues(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) out[i] = Math.fround((r() * 2 - 1) * 1000);
  // Canonicalised when packed: non-canonical NaNs (both signs), and a −0.
  for (const [i, b] of [
    [3, 0xffc12345],
    [n - 2, 0x7f800001],
    [n >> 1, 0x80000000],
  ]) {
    if (i >= 0 && i < n) bits[i] = b;
  }
  return out;
}

/** The root by the definition: ethers' keccak256 over DataView-packed leaves, recursively. */
function naiveRoot(values: Float32Array): string {
  let level: string[] = [];
  for (let j = 0; j < leafCount(values.length); j++) {
    const leaf = new DataView(new ArrayBuffer(32));
    for (let t = 0; t < 8 && 8 * j + t < values.length; t++) {
      const x = values[8 * j + t];
      leaf.setUint32(4 * t, Number.isNaN(x) ? 0x7fc00000 : new Uint32Array(Float32Array.of(x).buffer)[0]);
    }
    level.push(ethers.hexlify(new Uint8Array(leaf.buffer)));
  }
  for (let d = 0; level.length > 1; d++) {
    const next: string[] = [];
    for (let m = 0; m < level.length; m += 2) {
      const right = m + 1 < level.length ? level[m + 1] : ethers.hexlify(zeroHash(TENSOR_NODE, d));
      next.push(ethers.keccak256(ethers.concat(["0x01", level[m], right])));
    }
    level = next;
  }
  return level[0];
}

/** Root and the proofs of the first, last and a few random leaves: every level touched. */
function fingerprint(t: SlotTree, seed: number): string[] {
  const r = rng(seed);
  const js = [0, t.count - 1, ...Array.from({ length: 4 }, () => Math.floor(r() * t.count))];
  return [toHex(t.root()), ...js.map((j) => `${j}:` + t.proof(j).map(toHex).join(","))];
}

describe("commit: slot trees on worker threads", function () {
  this.timeout(300_000);

  before(async () => {
    await initHasher();
  });
  after(async () => {
    await closeHashPool();
  });

  it("the calling thread's kernel gives the definition's root around every boundary", () => {
    for (const n of SIZES.filter((x) => x <= CHUNK + 8)) {
      const v = randomValues(n, n + 1);
      expect(toHex(SlotTree.build(v).root()), `L=${n}`).to.equal(naiveRoot(v));
    }
  });

  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): the same trees as on the calling thread, for every slot size`, async () => {
      const spaces = [SIZES.map((n, i) => randomValues(n, 7 * i + threads)), [randomValues(5, 1)], []];
      const trees = await hashPool().buildSlotTrees(spaces, threads);
      expect(trees.map((s) => s.length)).to.deep.equal(spaces.map((s) => s.length));
      const got = trees.flatMap((s, k) => s.map((t, i) => fingerprint(t, 100 * k + i)));
      const want = spaces.flatMap((s, k) => s.map((v, i) => fingerprint(SlotTree.build(v), 100 * k + i)));
      expect(got).to.deep.equal(want);
      // A tree from the pool behaves as any other: update and prefix roots.
      const t = trees[0][SIZES.indexOf(TASK + 9)];
      const v = spaces[0][SIZES.indexOf(TASK + 9)];
      expect(toHex(t.prefixRoot(12345))).to.equal(toHex(SlotTree.build(v.slice().fill(0, 12345)).root()));
      t.setValue(TASK - 3, 42);
      expect(toHex(t.root())).to.equal(toHex(SlotTree.build(v.slice()).root()));
    });
  }

  it("slots already in SharedArrayBuffers are hashed in place, mixed with copied ones", async () => {
    const sizes = [5, TASK + 9, 1000, CHUNK + 1];
    const arena = new SharedArrayBuffer(4 * (sizes.reduce((n, x) => n + x, 0) + 3));
    let at = 4; // not at the buffer start
    const shared = sizes.map((n, i) => {
      const v = new Float32Array(arena, at, n);
      v.set(randomValues(n, 50 + i));
      at += 4 * n;
      return v;
    });
    const other = new Float32Array(new SharedArrayBuffer(4 * 77)).map((_, i) => i - 30);
    const spaces = [[shared[0], randomValues(300, 2), shared[1]], [other], [shared[2], randomValues(9, 3), shared[3]]];
    const trees = await hashPool().buildSlotTrees(spaces, 2);
    const got = trees.flatMap((s) => s.map((t) => toHex(t.root())));
    const want = spaces.flatMap((s) => s.map((v) => toHex(SlotTree.build(v).root())));
    expect(got).to.deep.equal(want);
    expect(trees[0][2].values).to.equal(shared[1]); // the trees read the caller's arrays
  });

  it("TraceCommitter.create on 0–3 threads: every root and state as build", async () => {
    const { program } = compiled(HELLO_DEEPA);
    const memory = execute(
      program,
      seededInputs(
        program.inputs.map((i) => i.dims),
        5,
      ),
    );
    const sync = TraceCommitter.build(program, memory);
    const steps = [0, 1, 777, Math.floor(sync.N / 3), sync.N - 1, sync.N];
    const states = (t: TraceCommitter): string[] => [
      toHex(t.programTree.root),
      toHex(t.weights.root()),
      toHex(t.inputs.root()),
      ...t.activations.map((a) => toHex(a.root())),
      ...steps.map((s) => toHex(t.stateAt(s).hash)),
    ];
    const want = states(sync);
    for (const threads of [0, 1, 2, 3]) {
      expect(states(await TraceCommitter.create(program, memory, { threads })), `threads=${threads}`).to.deep.equal(
        want,
      );
    }
    // Reusing the model's trees: weights are not rehashed, the result is the same.
    const reuse = await TraceCommitter.create(program, memory, {
      threads: 2,
      weights: sync.weights,
      programTree: sync.programTree,
    });
    expect(states(reuse)).to.deep.equal(want);
    await expectRejects(TraceCommitter.create(program, memory, { threads: -1 }), /threads must be ≥ 0/);
    await expectRejects(
      TraceCommitter.create(program, { ...memory, activations: memory.activations.slice(1) }, { threads: 2 }),
      /activation slots/,
    );
  });

  it("one pool per process: reused across commitments, closed and restarted", async () => {
    const pool = hashPool();
    const v = randomValues(TASK + 9, 3);
    const root = toHex(SlotTree.build(v).root());
    await pool.buildSlotTrees([[v]], 2);
    const size = pool.size;
    expect(size).to.be.at.least(2);
    for (let r = 0; r < 3; r++) {
      const [[t]] = await pool.buildSlotTrees([[v]], 2);
      expect(toHex(t.root())).to.equal(root);
    }
    expect(pool.size).to.equal(size); // no new workers
    // Jobs in flight together share the workers.
    const many = await Promise.all([1, 2, 2, 1].map((n) => pool.buildSlotTrees([[v]], n)));
    expect(many.map(([[t]]) => toHex(t.root()))).to.deep.equal([root, root, root, root]);
    await closeHashPool();
    expect(pool.size).to.equal(0);
    const [[again]] = await pool.buildSlotTrees([[v]], 2);
    expect(toHex(again.root())).to.equal(root);
    expect(pool.size).to.equal(2);
  });

  it("idle workers never keep the process alive", async () => {
    const root = path.join(__dirname, "..");
    const script = [
      'const c = require("./node/commit");',
      "c.initHasher().then(async () => {",
      "  const v = new Float32Array(300000).map((_, i) => i);",
      "  const [[t]] = await c.hashPool().buildSlotTrees([[v]], 2);",
      "  console.log(c.toHex(t.root()), c.toHex(c.SlotTree.build(v).root()));",
      "});",
    ].join("\n");
    const t0 = Date.now();
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "-e", script],
        { cwd: root, timeout: 60_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const [a, b] = out.trim().split(" ");
    expect(a).to.match(/^0x[0-9a-f]{64}$/);
    expect(a).to.equal(b);
    expect(Date.now() - t0).to.be.below(60_000);
  });
});

async function expectRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection matching ${re}`).to.be.instanceOf(Error);
  expect((err as Error).message).to.match(re);
}
