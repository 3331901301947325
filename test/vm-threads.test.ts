// The wasm engine across worker threads (node/vm/wasm/pool.ts): every thread count gives the
// same bits as one thread and as the JS engine, on real models, on random programs with
// every kernel split, with JS instructions and JS epilogues in between, for two programs run
// in turn, for executeSlots; and a process that ran with threads exits on its own.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { COMPILER_VERSION, Instruction, Kind, MapOp, Program, Space } from "../node/program/isa";
import { Memory } from "../node/vm/memory";
import { ExecuteOptions, execute, executeSlots } from "../node/vm/execute";
import { validateProgram } from "../node/vm";
import { poolStats } from "../node/vm/wasm/pool";
import { wasmAvailable, wasmProgram } from "../node/vm/wasm/runtime";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, compiled, seededInputs } from "./helpers/models";
import { Act, In, W, opnd } from "./helpers/programs";
import { LANE_SHAPE, randomProgram } from "./helpers/random-programs";
import { lastJson, referee } from "./helpers/cli";

const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The first activation slot whose bits differ, or null. */
function firstDifference(a: Memory, b: Memory): string | null {
  for (let i = 0; i < a.activations.length; i++) {
    if (!bits(a.activations[i]).equals(bits(b.activations[i]))) return `activation ${i}`;
  }
  return null;
}

/**
 * execute() right after a one-thread run on other inputs: linear memory is reused across
 * runs, so an element a split failed to compute would show the other run's value.
 */
function run(program: Program, inputs: Float32Array[], options: ExecuteOptions): Memory {
  const other = inputs.map((x) => x.map((v, i) => Math.fround(-0.75 * v + (i % 7))));
  execute(program, other, { threads: 1 });
  return execute(program, inputs, options);
}

function inputsOf(program: Program, seed: number): Float32Array[] {
  return seededInputs(
    program.inputs.map((i) => i.dims),
    seed,
  );
}

/**
 * A 3x3 padded Conv (13 output channels: row blocks and a remainder row) with a Sigmoid
 * epilogue (no wasm code: JS applies it after the kernel), an Exp Map (a JS kernel), then a
 * Dot over the last axis.
 */
function mixedProgram(): { program: Program; inputs: Float32Array[] } {
  const [C, H, Wd, Ci] = [13, 9, 20, 3];
  const seq = (n: number, seed: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, (_, i) => Math.fround((((i * 7919 + seed * 104729) % 2003) / 1001 - 1) * scale));
  const conv: Instruction = {
    kind: Kind.Dot,
    // Softsign and Sin have no wasm code (ops.ts): a JS epilogue and a JS Map
    op: MapOp.Softsign,
    params: [],
    iterDims: [C, H, Wd],
    redDims: [Ci, 3, 3],
    out: Act(0),
    inputs: [
      opnd(
        In(0),
        [Ci, H, Wd],
        [
          [0, 0, 0, 0, 1, 0, 0],
          [-1, 0, 1, 0, 0, 1, 0],
          [-1, 0, 0, 1, 0, 0, 1],
        ],
      ),
      opnd(
        W(0),
        [C, Ci, 3, 3],
        [
          [0, 1, 0, 0, 0, 0, 0],
          [0, 0, 0, 0, 1, 0, 0],
          [0, 0, 0, 0, 0, 1, 0],
          [0, 0, 0, 0, 0, 0, 1],
        ],
      ),
      opnd(W(1), [C], [[0, 1, 0, 0, 0, 0, 0]]),
    ],
  };
  const identity3 = [
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  const exp: Instruction = {
    kind: Kind.Map,
    op: MapOp.Sin,
    params: [],
    iterDims: [C, H, Wd],
    redDims: [],
    out: Act(1),
    inputs: [opnd(Act(0), [C, H, Wd], identity3)],
  };
  const dot: Instruction = {
    kind: Kind.Dot,
    op: MapOp.None,
    params: [],
    iterDims: [C, H],
    redDims: [Wd],
    out: Act(2),
    inputs: [opnd(Act(1), [C, H, Wd], identity3), opnd(W(2), [Wd], [[0, 0, 0, 1]])],
  };
  const instructions = [conv, exp, dot];
  const weights = [seq(C * Ci * 9, 1, 0.3), seq(C, 2, 0.1), seq(Wd, 3, 0.5)];
  const program: Program = {
    version: COMPILER_VERSION,
    instructions,
    weights: weights.map((data, i) => ({ name: `w${i}`, data })),
    inputs: [{ name: "x", dims: [Ci, H, Wd], slot: In(0) }],
    activations: instructions.map((ins, i) => ({ name: `a${i}`, length: ins.iterDims.reduce((p, d) => p * d, 1) })),
    outputs: [{ name: "y", dims: [C, H], slot: Act(2) }],
  };
  return { program, inputs: [seq(Ci * H * Wd, 4, 2)] };
}

describe("vm: wasm engine on worker threads", function () {
  this.timeout(600_000);

  before(function () {
    if (!wasmAvailable()) this.skip();
  });

  it("OCR classifier and hello_deepa: threads 1, 2, 3 = one thread = JS engine, bit for bit", () => {
    const ocr = compiled(OCR_CLS, OCR_CLS_SHAPES).program;
    const wp = wasmProgram(ocr)!;
    // (JS instructions between kernels: the mixed program below)
    expect(wp.kernels.some((k) => k !== null && k.split.blocks + k.split.rest > 1)).to.equal(true);
    const before = poolStats();
    for (const program of [ocr, compiled(HELLO_DEEPA).program]) {
      for (const seed of [1, 2]) {
        const inputs = inputsOf(program, seed);
        if (seed === 2) {
          inputs[0][3] = NaN;
          inputs[0][11] = -Infinity;
        }
        const js = execute(program, inputs, { engine: "js" });
        const one = execute(program, inputs, { threads: 1 });
        expect(firstDifference(one, js), `seed ${seed}, 1 thread vs js`).to.equal(null);
        for (const threads of [2, 3]) {
          // default split (big kernels only), then every kernel with more than one unit split
          for (const minParallelWork of [undefined, 0]) {
            const m = run(program, inputs, { threads, minParallelWork });
            expect(firstDifference(m, one), `seed ${seed}, ${threads} threads, min ${minParallelWork}`).to.equal(null);
          }
        }
      }
    }
    const after = poolStats();
    expect(after.dispatches).to.be.greaterThan(before.dispatches);
    // the workers did take chunks (the main thread claims too, so not all of them)
    expect(after.workerChunks).to.be.greaterThan(before.workerChunks);
    expect(after.workers).to.be.at.least(2);
  });

  it("a program with little work to split runs on one thread: no dispatch, no worker needed", () => {
    const program = compiled(OCR_CLS, OCR_CLS_SHAPES).program;
    const inputs = inputsOf(program, 3);
    const one = execute(program, inputs, { threads: 1 });
    const before = poolStats().dispatches;
    expect(firstDifference(run(program, inputs, { threads: 2 }), one)).to.equal(null);
    expect(poolStats().dispatches, "the classifier (16M splittable) stays on one thread").to.equal(before);
    // the same kernels do split when the program threshold is lowered
    expect(firstDifference(run(program, inputs, { threads: 2, minProgramWork: 0 }), one)).to.equal(null);
    expect(poolStats().dispatches).to.be.greaterThan(before);
  });

  it("a Dot with a JS epilogue, a JS Map and a remainder row split over 2, 3 and 8 threads", () => {
    const { program, inputs } = mixedProgram();
    validateProgram(program);
    const wp = wasmProgram(program)!;
    expect(wp.kernels[0]!.post).to.not.equal(null);
    expect(wp.kernels[0]!.split.rest + wp.kernels[2]!.split.rest).to.be.greaterThan(0);
    expect(wp.kernels[1]).to.equal(null);
    const js = execute(program, inputs, { engine: "js" });
    for (const threads of [1, 2, 3, 8]) {
      const m = run(program, inputs, { threads, minParallelWork: 0 });
      expect(firstDifference(m, js), `${threads} threads`).to.equal(null);
    }
  });

  it("a flat Map (one merged level) is strip-mined into outer units and split", () => {
    const dims = [8, 48, 160];
    const n = 8 * 48 * 160;
    const rows = [
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const add: Instruction = {
      kind: Kind.Map,
      op: MapOp.Add,
      params: [],
      iterDims: dims,
      redDims: [],
      out: Act(0),
      inputs: [opnd(In(0), dims, rows), opnd(W(0), dims, rows)],
    };
    const relu: Instruction = { ...add, op: MapOp.Relu, out: Act(1), inputs: [opnd(Act(0), dims, rows)] };
    const wave = (k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * k)));
    const program: Program = {
      version: COMPILER_VERSION,
      instructions: [add, relu],
      weights: [{ name: "w", data: wave(0.37) }],
      inputs: [{ name: "x", dims, slot: In(0) }],
      activations: [
        { name: "a0", length: n },
        { name: "a1", length: n },
      ],
      outputs: [{ name: "y", dims, slot: Act(1) }],
    };
    validateProgram(program);
    const wp = wasmProgram(program)!;
    for (const k of wp.kernels) {
      expect(k!.info).to.match(/levels \[o3840 o16\] lane 0 /);
      expect(k!.split).to.deep.equal({ blocks: 16, rows: 1, rest: 0 });
    }
    const inputs = [wave(1.3)];
    const js = execute(program, inputs, { engine: "js" });
    for (const threads of [1, 2, 3]) {
      expect(firstDifference(run(program, inputs, { threads, minParallelWork: 0 }), js), `${threads}`).to.equal(null);
    }
  });

  it("random Dot / Reduce / Map / Move programs, every kernel split over 2, 3 and 8 threads", () => {
    for (let seed = 1; seed <= 120; seed++) {
      const { program, inputs } = randomProgram(seed, LANE_SHAPE);
      validateProgram(program);
      const js = execute(program, inputs, { engine: "js" });
      for (const threads of [2, 3, 8]) {
        const m = run(program, inputs, { threads, minParallelWork: 0 });
        const d = firstDifference(m, js);
        if (d !== null)
          throw new Error(`seed ${seed}, ${threads} threads: ${d}\n${JSON.stringify(program.instructions)}`);
      }
    }
  });

  it("two programs run in turn keep their own memories and instances", () => {
    const a = compiled(OCR_CLS, OCR_CLS_SHAPES).program;
    const b = compiled(HELLO_DEEPA).program;
    const ia = inputsOf(a, 5);
    const ib = inputsOf(b, 6);
    const refA = execute(a, ia, { threads: 1 });
    const refB = execute(b, ib, { threads: 1 });
    for (const threads of [2, 3, 2]) {
      const ma = run(a, ia, { threads, minParallelWork: 0 });
      const mb = run(b, ib, { threads, minParallelWork: 0 });
      expect(firstDifference(ma, refA), `A, ${threads} threads`).to.equal(null);
      expect(firstDifference(mb, refB), `B, ${threads} threads`).to.equal(null);
    }
  });

  it("executeSlots with threads: the chosen slots of execute()'s memory", () => {
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const inputs = inputsOf(program, 7);
    const full = execute(program, inputs, { threads: 1 });
    const slots = [...program.outputs.map((o) => o.slot), program.instructions[5].out, program.instructions[40].out];
    for (const threads of [1, 2, 3]) {
      execute(program, inputsOf(program, 8), { threads: 1 }); // other values in linear memory
      const got = executeSlots(program, inputs, slots, { threads, minParallelWork: threads === 3 ? 0 : undefined });
      slots.forEach((s, i) => {
        const want = s.space === Space.Activation ? full.activations[s.index] : full.inputs[s.index];
        expect(bits(got[i]).equals(bits(want)), `slot ${i}, ${threads} threads`).to.equal(true);
      });
    }
  });

  it("refuses a thread count that is not an integer ≥ 1", () => {
    const { program } = compiled(HELLO_DEEPA);
    const inputs = inputsOf(program, 1);
    for (const threads of [0, -1, 1.5, NaN]) {
      expect(() => execute(program, inputs, { threads }), String(threads)).to.throw(RangeError, /threads/);
    }
  });

  it("referee run and compare --threads n: the same outputs and final state for any n", async () => {
    const args = [OCR_CLS, "--shape", "x=1x3x48x192", "--random-seed", "3", "--json"];
    const runs: Record<string, unknown>[] = [];
    for (const n of [1, 3]) runs.push(lastJson(await referee("run", ...args, "--threads", `${n}`)));
    expect(runs[1].finalStateHash).to.equal(runs[0].finalStateHash);
    expect(runs[1].outputs).to.deep.equal(runs[0].outputs);
    const cmp = lastJson(await referee("compare", ...args, "--threads", "2"));
    expect(cmp.argmaxAgreement).to.equal(1);
    for (const bad of ["0", "x"]) {
      const r = await referee("run", ...args, "--threads", bad);
      expect(r.code, bad).to.not.equal(0);
      expect(r.stderr, bad).to.match(/--threads/);
    }
  });

  it("a process that ran on worker threads exits on its own; workers drop collected programs", () => {
    const root = path.join(__dirname, "..");
    const at = (f: string): string => JSON.stringify(path.join(root, f));
    // run a program on 2 threads; collect it (its instances on the workers are dropped);
    // run the classifier; then let the process end by itself
    const script = `
      require("ts-node").register({ transpileOnly: true, swc: true, project: ${at("tsconfig.json")} });
      const fs = require("fs");
      const { compileModel } = require(${at("node/compiler/compile")});
      const { seededInputs, OCR_CLS, OCR_CLS_SHAPES } = require(${at("test/helpers/models")});
      const { executeSlots } = require(${at("node/vm/execute")});
      const { poolStats } = require(${at("node/vm/wasm/pool")});
      const runOn = (p, seed) => executeSlots(p, seededInputs(p.inputs.map((i) => i.dims), seed), [p.outputs[0].slot], { threads: 2, minParallelWork: 0 });
      const model = () => compileModel(fs.readFileSync(OCR_CLS), { shapes: OCR_CLS_SHAPES }).program;
      (() => runOn(model(), 2))();
      const held = poolStats().instances;
      global.gc();
      setTimeout(() => {
        global.gc();
        setTimeout(() => {
          const dropped = poolStats().instances;
          const out = runOn(model(), 1);
          console.log(JSON.stringify({ out: Array.from(out[0]), held, dropped, stats: poolStats() }));
        }, 50);
      }, 50);
    `;
    const r = spawnSync(process.execPath, ["--expose-gc", "-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...process.env, REFEREE_NO_CACHE: "1" },
    });
    expect(r.error, "the child did not exit by itself").to.equal(undefined);
    expect(r.status, r.stderr).to.equal(0);
    const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      out: number[];
      held: number;
      dropped: number;
      stats: { dispatches: number; instances: number };
    };
    expect(got.stats.dispatches).to.be.greaterThan(0);
    expect(got.held).to.equal(1);
    expect(got.dropped).to.equal(0);
    expect(got.stats.instances).to.equal(1);
    const { program } = compiled(OCR_CLS, OCR_CLS_SHAPES);
    const want = executeSlots(program, inputsOf(program, 1), [program.outputs[0].slot], { threads: 1 });
    expect(got.out).to.deep.equal(Array.from(want[0]));
  });
});
