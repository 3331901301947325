// ONNX backend-suite conformance: run one of ONNX's node tests (model.onnx plus
// test_data_set_*/input_*.pb, output_*.pb) through the compiler and the VM and compare with
// the expected outputs. Shared by scripts/conformance.ts (whole suite, docs/OPS.md) and
// test/conformance.test.ts (the required ops).
import * as fs from "fs";
import * as path from "path";
import { onnx } from "onnx-proto";
import { compileModel, inspectModel } from "../compiler/compile";
import type { CompiledModel } from "../compiler/api";
import { product } from "../program/isa";
import { RefereeError } from "../errors";
import type { ConstTensor } from "../onnx/tensor";
import { decodeTensorProto, DecodedTensor } from "../io/tensorproto";
import { execute } from "../vm/execute";
import { slotOf } from "../vm/memory";
import { allClose } from "./metrics";

export const DEFAULT_SUITE_DIR = "/usr/share/libonnx-testdata/data/node";

/** Default tolerance: |ours − expected| ≤ ATOL + RTOL·|expected| (NaN positions must match). */
export const RTOL = 1e-3;
export const ATOL = 1e-5;

/** Per-op tolerance overrides, each with its reason (reported in docs/OPS.md). */
export const TOLERANCE_OVERRIDES: Readonly<Record<string, { rtol: number; atol: number; why: string }>> = {};

/** Models larger than this are skipped to keep the suite fast (the node tests are all small). */
export const MAX_MODEL_BYTES = 4 << 20;

export type Status = "pass" | "fail" | "unsupported" | "skipped";

export interface TestResult {
  name: string;
  /** The op under test (see primaryOp). */
  op: string;
  /** Every op type in the model. */
  ops: string[];
  /** A function op written out as several nodes (an `…_expanded` test). */
  expanded: boolean;
  status: Status;
  reason?: string;
  /** How the test was run when that differs from the plain way (frozen inputs, …). */
  notes: string[];
  ms: number;
}

export interface ConformanceCase {
  name: string;
  dir: string;
}

/** The suite's test directories, sorted by name. */
export function listCases(suiteDir = DEFAULT_SUITE_DIR): ConformanceCase[] {
  if (!fs.existsSync(suiteDir)) return [];
  return fs
    .readdirSync(suiteDir)
    .filter((n) => fs.existsSync(path.join(suiteDir, n, "model.onnx")))
    .sort()
    .map((name) => ({ name, dir: path.join(suiteDir, name) }));
}

function readDataSets(dir: string): { inputs: DecodedTensor[]; outputs: DecodedTensor[] }[] {
  const sets = fs
    .readdirSync(dir)
    .filter((n) => /^test_data_set_\d+$/.test(n))
    .sort();
  const read = (setDir: string, prefix: string): DecodedTensor[] =>
    fs
      .readdirSync(setDir)
      .filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f))
      .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
      .map((f) => decodeTensorProto(fs.readFileSync(path.join(setDir, f)), `${path.basename(dir)}/${f}`));
  return sets.map((s) => ({ inputs: read(path.join(dir, s), "input"), outputs: read(path.join(dir, s), "output") }));
}

/**
 * The op a test is about: the single node's op; for a function test expanded into several
 * nodes (`…_expanded`), the op of its unexpanded twin when known; otherwise the op type whose
 * name is the longest prefix of the test name.
 */
export function primaryOp(
  testName: string,
  ops: readonly string[],
  singleNodeOps?: ReadonlyMap<string, string>,
): string {
  if (ops.length === 1) return ops[0];
  const base = testName.replace(/_expanded(_ver\d+)?$/, "");
  const twin = singleNodeOps?.get(base);
  if (twin !== undefined) return twin;
  const key = base
    .replace(/^test_/, "")
    .replace(/_/g, "")
    .toLowerCase();
  let best = "";
  for (const op of ops) if (key.startsWith(op.toLowerCase()) && op.length > best.length) best = op;
  return best || ops.join("+");
}

/**
 * A copy of the model keeping only the first graph output, with node outputs nothing reads
 * any more dropped: for optional outputs the compiler does not lower (Dropout's mask,
 * MaxPool's Indices), so the main output is still checked.
 */
export function firstOutputOnly(modelBytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const g = model.graph;
  if (!g) throw new RefereeError("ONNX_MALFORMED", "model has no graph");
  g.output = (g.output ?? []).slice(0, 1);
  const used = new Set<string>(g.output.map((o) => o.name ?? ""));
  for (const n of g.node ?? []) for (const x of n.input ?? []) used.add(x);
  for (const n of g.node ?? []) n.output = (n.output ?? []).map((o, i) => (i === 0 || used.has(o) ? o : ""));
  return onnx.ModelProto.encode(model).finish();
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

export interface RunOptions {
  /** Map from single-node test name to its op, for attributing expanded tests. */
  singleNodeOps?: ReadonlyMap<string, string>;
}

/** Run one suite test. Never throws for a test's own failure; returns its result. */
export function runCase(c: ConformanceCase, options: RunOptions = {}): TestResult {
  const t0 = performance.now();
  const notes: string[] = [];
  const result = (status: Status, op: string, ops: string[], reason?: string): TestResult => ({
    name: c.name,
    op,
    ops,
    expanded: /_expanded(_ver\d+)?$/.test(c.name) && ops.length > 1,
    status,
    reason,
    notes,
    ms: performance.now() - t0,
  });
  const modelPath = path.join(c.dir, "model.onnx");
  const size = fs.statSync(modelPath).size;
  const bytes = fs.readFileSync(modelPath);

  let info;
  try {
    info = inspectModel(bytes);
  } catch (e) {
    return result("fail", "?", [], `load: ${message(e)}`);
  }
  const ops = Object.keys(info.opCounts).sort();
  const op = primaryOp(c.name, ops, options.singleNodeOps);
  if (info.unsupported.length > 0) return result("unsupported", op, ops, `unsupported: ${info.unsupported.join(", ")}`);
  if (size > MAX_MODEL_BYTES) return result("skipped", op, ops, `model is ${size} bytes (limit ${MAX_MODEL_BYTES})`);
  const nonTensor = [...info.inputs, ...info.outputs].filter((t) => t.elemType === "unknown");
  if (nonTensor.length > 0) {
    return result(
      "skipped",
      op,
      ops,
      `graph input or output of a type Referee does not read (bfloat16, sequence, optional, …): ${nonTensor.map((t) => t.name).join(", ")}`,
    );
  }

  let sets;
  try {
    sets = readDataSets(c.dir);
  } catch (e) {
    return result("skipped", op, ops, `test data: ${message(e)}`);
  }
  if (sets.length === 0) return result("skipped", op, ops, "no test data");
  const tol = TOLERANCE_OVERRIDES[op] ?? { rtol: RTOL, atol: ATOL };

  for (const [si, set] of sets.entries()) {
    if (set.inputs.length !== info.inputs.length) {
      return result(
        "skipped",
        op,
        ops,
        `data set ${si} has ${set.inputs.length} inputs, the model ${info.inputs.length}`,
      );
    }

    // Parameters (shapes, indices, axes, …) must be constants, while the suite feeds them as
    // inputs, and its small-integer arithmetic wraps where binary32 does not: non-float
    // inputs are frozen into the model. If the compiler still refuses it, two fallbacks, each
    // noted: every input but the first frozen too, and only the first output kept.
    const all = info.inputs.map((_, i) => i);
    const intFrozen = all.filter((i) => info.inputs[i].elemType !== "float32");
    const allFrozen = all.filter((i) => i > 0 || intFrozen.includes(i));
    const attempts: { freeze: number[]; prune: boolean }[] = [{ freeze: intFrozen, prune: false }];
    if (allFrozen.length > intFrozen.length) attempts.push({ freeze: allFrozen, prune: false });
    if (info.outputs.length > 1) {
      attempts.push({ freeze: intFrozen, prune: true });
      if (allFrozen.length > intFrozen.length) attempts.push({ freeze: allFrozen, prune: true });
    }
    let compiled: CompiledModel | undefined;
    let chosen = attempts[0];
    let compileError = "";
    for (const attempt of attempts) {
      try {
        const shapes: Record<string, number[]> = {};
        const frozenInputs: Record<string, ConstTensor> = {};
        for (const i of all) {
          if (attempt.freeze.includes(i)) frozenInputs[info.inputs[i].name] = set.inputs[i].tensor;
          else shapes[info.inputs[i].name] = set.inputs[i].dims;
        }
        compiled = compileModel(attempt.prune ? firstOutputOnly(bytes) : bytes, { shapes, frozenInputs });
        chosen = attempt;
        break;
      } catch (e) {
        if (compileError === "") compileError = `compile: ${message(e)}`;
        if (!(e instanceof RefereeError)) {
          compileError = `compile crashed: ${message(e)}`;
          break;
        }
      }
    }
    if (compiled === undefined) return result("fail", op, ops, compileError);
    const frozen = chosen.freeze;
    if (si === 0) {
      if (frozen.length === all.length) notes.push("constant-folded: every input frozen, evaluated at compile time");
      else if (frozen.length > 0)
        notes.push(`frozen: ${frozen.map((i) => `${info.inputs[i].name} (${info.inputs[i].elemType})`).join(", ")}`);
      if (chosen.prune)
        notes.push(
          `first output only: ${info.outputs
            .slice(1)
            .map((o) => o.name)
            .join(", ")} not supported`,
        );
    }
    const expectedOutputs = chosen.prune ? set.outputs.slice(0, 1) : set.outputs;

    const program = compiled.program;
    const runtime = info.inputs.map((_, i) => i).filter((i) => !frozen.includes(i));
    let memory;
    try {
      memory = execute(
        program,
        runtime.map((i) => set.inputs[i].data),
      );
    } catch (e) {
      return result("fail", op, ops, `execute: ${message(e)}`);
    }
    if (program.outputs.length !== expectedOutputs.length) {
      return result(
        "fail",
        op,
        ops,
        `program has ${program.outputs.length} outputs, expected ${expectedOutputs.length}`,
      );
    }
    for (const [oi, expected] of expectedOutputs.entries()) {
      const spec = program.outputs.find((o) => o.name === expected.name) ?? program.outputs[oi];
      const label = `output '${spec.name}'`;
      if (!expected.exact)
        return result("fail", op, ops, `${label}: expected ${expected.dtype} values are not representable in binary32`);
      const sameDims = spec.dims.length === expected.dims.length && spec.dims.every((d, j) => d === expected.dims[j]);
      const n = expected.data.length;
      if (!sameDims && !(product(spec.dims) === n && n <= 1)) {
        return result("fail", op, ops, `${label}: dims ${spec.dims.join("x")}, expected ${expected.dims.join("x")}`);
      }
      const ours = slotOf(memory, spec.slot);
      const close = allClose(ours, expected.data, tol.rtol, tol.atol);
      if (!close.ok)
        return result("fail", op, ops, `${label}${sets.length > 1 ? ` (data set ${si})` : ""}: ${close.reason}`);
    }
    if (expectedOutputs.some((o) => o.dtype !== "float32") && si === 0) {
      notes.push(
        `non-float outputs compared as binary32: ${[...new Set(expectedOutputs.map((o) => o.dtype))].join(", ")}`,
      );
    }
  }
  return result("pass", op, ops);
}

/** Ops of every single-node test, for attributing expanded tests to their op. */
export function singleNodeOps(cases: readonly ConformanceCase[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const c of cases) {
    try {
      const counts = inspectModel(fs.readFileSync(path.join(c.dir, "model.onnx"))).opCounts;
      const ops = Object.keys(counts);
      if (ops.length === 1 && counts[ops[0]] === 1) map.set(c.name, ops[0]);
    } catch {
      // A model the loader rejects is reported when the test itself runs.
    }
  }
  return map;
}
