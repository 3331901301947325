// One-step proof vectors from real runs (docs/PROTOCOL.md §6): each is (programRoot,
// preStateHash, proof bytes, the node's hash of the next state) for one step of a compiled
// model on a seeded input, chosen to cover every kernel kind and phase and their edges. The
// EVM verifier must return exactly `postHash` for each (test/evm-verifier.test.ts); the gas
// script and the gas snapshot test measure the same vectors.
//
// Models: hello_deepa and the PP-OCR classifier (Dot, Map, Reduce — neither has a Move), the
// PP-OCR detector at 1×3×32×32 (Move from Resize and Concat, ConvTranspose, Sigmoid), a
// small movement graph built here (Pad with a fill value, Transpose, Slice, Concat), and a
// small logic graph built here whose comparison and Where steps alone are taken (classes
// Map.compare and Map.where, so the other classes keep exactly their vectors).
import { readFileSync } from "fs";
import { onnx } from "onnx-proto";
import { compileModel } from "../../node/compiler/compile";
import { Kind, MapOp, Program, ReduceOp, product, stepCount } from "../../node/program/isa";
import { TraceCommitter, buildWitness, encodeWitness, initHasher, stateHash, toHex } from "../../node/commit";
import { execute } from "../../node/vm/execute";
import { instructionStarts, pcAtStep } from "../../node/vm/layout";
import { stepAccesses } from "../../node/vm/step";
import { HELLO_DEEPA, OCR_CLS, OCR_CLS_SHAPES, OCR_DET, seededInputs } from "../helpers/models";
import { rng } from "../helpers/random";

export const OCR_DET_SHAPES = { x: [1, 3, 32, 32] };

/** Gas and coverage class of a step: kernel kind and phase. */
export type StepClass =
  "Dot.mac" | "Dot.write" | "Reduce.step" | "Reduce.write" | "Map" | "Map.compare" | "Map.where" | "Move" | "halted";
export const STEP_CLASSES: readonly StepClass[] = [
  "Dot.mac",
  "Dot.write",
  "Reduce.step",
  "Reduce.write",
  "Map",
  "Map.compare",
  "Map.where",
  "Move",
  "halted",
];

/** Map ops whose steps get their own gas class (the comparisons and Where, issue 12). */
const COMPARE_OPS: readonly number[] = [MapOp.Equal, MapOp.Less, MapOp.LessOrEqual];

export interface StepVector {
  model: string;
  step: number;
  pc: { instr: number; elem: number; k: number };
  class: StepClass;
  /** Why this step was chosen (edges it covers). */
  tags: string[];
  programRoot: string;
  preHash: string;
  proof: string;
  /** stateAt(step + 1) of the node (stateAt(N) for the halted step N), as buildWitness gives it. */
  postHash: string;
}

export interface ModelRun {
  name: string;
  program: Program;
  trace: TraceCommitter;
}

/** A small ONNX graph whose program is all Move: Pad (fill 0.5), Transpose, Slice, Concat. */
export function movementModel(): Uint8Array {
  const f = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const i64 = (name: string, values: number[]) => ({ name, dataType: 7, dims: [values.length], int64Data: values });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "movement",
      input: [f("x", [1, 2, 3, 4])],
      output: [f("z", [1, 4, 6, 5])],
      initializer: [
        i64("pads", [0, 0, 1, 1, 0, 0, 1, 0]), // → 1×2×5×5
        { name: "fill", dataType: 1, dims: [], floatData: [0.5] },
        i64("starts", [0]),
        i64("ends", [5]),
        i64("axes", [2]),
      ],
      node: [
        {
          opType: "Pad",
          input: ["x", "pads", "fill"],
          output: ["p"],
          attribute: [{ name: "mode", type: 3, s: new TextEncoder().encode("constant") }],
        },
        {
          opType: "Transpose",
          input: ["p"],
          output: ["t"],
          attribute: [{ name: "perm", type: 7, ints: [0, 1, 3, 2] }],
        },
        { opType: "Slice", input: ["t", "starts", "ends", "axes"], output: ["s"] },
        { opType: "Concat", input: ["s", "p"], output: ["c"], attribute: [{ name: "axis", type: 2, i: 1 }] },
        {
          opType: "Pad",
          input: ["c", "pads"],
          output: ["z0"],
          attribute: [{ name: "mode", type: 3, s: new TextEncoder().encode("constant") }],
        },
        { opType: "Slice", input: ["z0", "starts", "ends", "axes"], output: ["z1"] },
        { opType: "Concat", input: ["z1", "z1"], output: ["z2"], attribute: [{ name: "axis", type: 2, i: 3 }] },
        { opType: "Slice", input: ["z2", "starts", "ends", "axes"], output: ["z3"] },
        { opType: "Identity", input: ["z3"], output: ["z"] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A small graph of runtime comparisons, logic and selection: Less, Greater (Less swapped),
 * LessOrEqual, Equal, Not, And, Or, Xor, Where with a broadcast operand, Clip with runtime
 * bounds. Inputs x [2, 3, 4], y [3, 4], lo and hi [1].
 */
export function logicModel(): Uint8Array {
  const f = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const b = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: 9, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const node = (opType: string, input: string[], output: string) => ({ opType, input, output: [output] });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "logic",
      input: [f("x", [2, 3, 4]), f("y", [3, 4]), f("lo", [1]), f("hi", [1])],
      output: [f("w", [2, 3, 4]), b("k", [2, 3, 4]), f("c", [2, 3, 4])],
      node: [
        node("Less", ["x", "y"], "lt"),
        node("Greater", ["x", "y"], "gt"),
        node("LessOrEqual", ["y", "x"], "le"),
        node("Max", ["x", "y"], "m"),
        node("Equal", ["x", "m"], "eq"),
        node("Not", ["lt"], "nlt"),
        node("And", ["nlt", "le"], "a"),
        node("Or", ["gt", "a"], "o"),
        node("Xor", ["o", "eq"], "k"),
        node("Where", ["lt", "x", "y"], "w"),
        node("Clip", ["x", "lo", "hi"], "c"),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Every step of the logic model's comparison and Where instructions' first and last elements, and a random one. */
function newOpSteps(m: ModelRun, seed: number): Map<number, string[]> {
  const { program } = m;
  const starts = instructionStarts(program);
  const r = rng(seed);
  const out = new Map<number, string[]>();
  program.instructions.forEach((ins, i) => {
    if (ins.kind !== Kind.Map || !(COMPARE_OPS.includes(ins.op) || ins.op === MapOp.Where)) return;
    const E = product(ins.iterDims);
    const tag = MapOp[ins.op];
    out.set(starts[i], [tag, "first element"]);
    out.set(starts[i] + E - 1, [tag, "last element"]);
    out.set(starts[i] + Math.floor(r() * E), [tag, "random"]);
  });
  return out;
}

export async function run(
  name: string,
  bytes: Uint8Array,
  shapes: Record<string, number[]>,
  seed: number,
): Promise<ModelRun> {
  const { program } = compileModel(bytes, { shapes });
  const inputs = seededInputs(
    program.inputs.map((i) => i.dims),
    seed,
  );
  const trace = await TraceCommitter.create(program, execute(program, inputs));
  return { name, program, trace };
}

/** The compiled models and their traces the vectors come from. */
export async function modelRuns(): Promise<ModelRun[]> {
  await initHasher();
  return [
    await run("hello_deepa", readFileSync(HELLO_DEEPA), {}, 11),
    await run("ppocr_cls", readFileSync(OCR_CLS), OCR_CLS_SHAPES, 12),
    await run("ppocr_det_32", readFileSync(OCR_DET), OCR_DET_SHAPES, 13),
    await run("movement", movementModel(), {}, 14),
    await run("logic", logicModel(), {}, 15),
  ];
}

function classOf(program: Program, s: number): StepClass {
  const pc = pcAtStep(program, s);
  const acc = stepAccesses(program, pc);
  if (acc.phase === "halted") return "halted";
  const kind = program.instructions[pc.instr].kind;
  if (kind === Kind.Dot) return acc.phase === "accumulate" ? "Dot.mac" : "Dot.write";
  if (kind === Kind.Reduce) return acc.phase === "accumulate" ? "Reduce.step" : "Reduce.write";
  if (kind === Kind.Map) {
    const op = program.instructions[pc.instr].op;
    return COMPARE_OPS.includes(op) ? "Map.compare" : op === MapOp.Where ? "Map.where" : "Map";
  }
  return "Move";
}

/** Steps of one run and why each is chosen. */
export function chooseSteps(m: ModelRun, seed: number): Map<number, string[]> {
  const { program, trace } = m;
  const starts = instructionStarts(program);
  const r = rng(seed);
  const out = new Map<number, string[]>();
  const add = (s: number, tag: string) => {
    if (s < 0 || s > trace.N) return;
    const t = out.get(s) ?? [];
    if (!t.includes(tag)) t.push(tag);
    out.set(s, t);
  };
  // The detector is large: its Move, unary-transcendental Map and ConvTranspose-like Dot
  // instructions, and a sample of the rest.
  const sampled = m.name === "ppocr_det_32";
  program.instructions.forEach((ins, i) => {
    const E = product(ins.iterDims);
    const spe = stepCount(ins) / E;
    const s0 = starts[i];
    const s1 = starts[i + 1];
    if (
      sampled &&
      ins.kind !== Kind.Move &&
      !(ins.kind === Kind.Map && ins.op >= MapOp.Sigmoid && ins.op < 64) &&
      r() > 0.05
    )
      return;
    add(s0, "first element");
    add(s1 - 1, "last element");
    add(s0 + Math.floor(r() * (s1 - s0)), "random");
    if (spe > 1) {
      add(s0 + spe - 1, "first write");
      add(s0 + spe - 2, "last reduction step");
    }
    if (ins.kind === Kind.Map) {
      // A broadcast operand: fewer values than output elements.
      if (ins.inputs.some((o) => product(o.dims) < E)) add(s0 + Math.floor(r() * E), "broadcast");
      add(s0 + Math.floor(r() * E), ins.op >= 64 ? "binary" : "unary");
    }
    if (ins.kind === Kind.Reduce) {
      // A window (MaxPool, AveragePool): some coordinate moves with both the output and the
      // reduction index; otherwise a reduction over whole axes (GlobalAveragePool, ReduceMean).
      const x = ins.inputs[0];
      const a = ins.iterDims.length;
      const w = a + ins.redDims.length;
      const window = x.dims.some(
        (_, j) =>
          x.coef.slice(j * w, j * w + a).some((c) => c !== 0) &&
          x.coef.slice(j * w + a, (j + 1) * w).some((c) => c !== 0),
      );
      add(s0 + Math.floor(r() * (s1 - s0)), `${ReduceOp[ins.op]} ${window ? "window" : "axes"}`);
    }
    if (ins.kind === Kind.Dot || ins.kind === Kind.Reduce) {
      // A padded tap / out-of-range window read in the first or last element.
      for (const e of [0, E - 1]) {
        const K = spe - 1;
        for (let k = 0; k < Math.min(K, 64); k++) {
          const a = stepAccesses(program, { instr: i, elem: e, k });
          if (!a.reads[0].used) {
            add(s0 + e * spe + k, ins.kind === Kind.Dot ? "padded tap" : "padded window read");
            break;
          }
        }
      }
    }
    if (ins.kind === Kind.Move) {
      for (let e = 0; e < Math.min(E, 200); e++) {
        const a = stepAccesses(program, { instr: i, elem: e, k: 0 });
        if (!a.reads.some((x) => x.used)) {
          add(s0 + e, "fill value");
          break;
        }
      }
      if (ins.inputs.length > 1) add(s1 - 1, "last source");
    }
  });
  add(trace.N - 1, "last step → halted");
  add(trace.N, "halted → halted");
  return out;
}

/** Vectors of one run at the chosen steps, in step order. */
export function vectorsOf(m: ModelRun, steps: Map<number, string[]>): StepVector[] {
  const { program, trace } = m;
  const programRoot = toHex(trace.programTree.root);
  const out: StepVector[] = [];
  for (const s of [...steps.keys()].sort((a, b) => a - b)) {
    const cls = classOf(program, s);
    const w = buildWitness(trace, s);
    out.push({
      model: m.name,
      step: s,
      pc: { ...w.pre.pc },
      class: cls,
      tags: steps.get(s)!,
      programRoot,
      preHash: toHex(stateHash(w.pre)),
      proof: toHex(encodeWitness(w)),
      postHash: toHex(w.postHash),
    });
  }
  return out;
}

let cached: Promise<{ runs: ModelRun[]; vectors: StepVector[] }> | null = null;

/** Every vector (built once per process). */
export function stepVectors(): Promise<{ runs: ModelRun[]; vectors: StepVector[] }> {
  if (cached === null) {
    cached = (async () => {
      const runs = await modelRuns();
      const vectors = runs.flatMap((m, i) =>
        vectorsOf(m, m.name === "logic" ? newOpSteps(m, 100 + i) : chooseSteps(m, 100 + i)),
      );
      return { runs, vectors };
    })();
  }
  return cached;
}
