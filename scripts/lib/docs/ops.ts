// docs/OPS.md's op support table, rendered from docs/data/conformance.json: the per-test
// results `npm run conformance` records when it runs ONNX's backend suite (about 25 s with
// Debian's libonnx-testdata, which the docs check does not need).
import * as fs from "fs";
import * as path from "path";
import { OPS } from "../../../node/compiler/registry";
import { ATOL, MAX_MODEL_BYTES, RTOL, TestResult, TOLERANCE_OVERRIDES } from "../../../node/reference/conformance";

/** What the table needs of a test's result (no timings: the doc changes only when results do). */
export type OpsRecord = Pick<TestResult, "name" | "op" | "expanded" | "status" | "reason" | "notes">;

export interface OpsData {
  /** The suite directory the results came from. */
  suite: string;
  results: OpsRecord[];
}

export const OPS_DATA = path.join("docs", "data", "conformance.json");

export function loadOps(root: string): OpsData {
  return JSON.parse(fs.readFileSync(path.join(root, OPS_DATA), "utf8")) as OpsData;
}

export function toRecord(r: TestResult): OpsRecord {
  const { name, op, expanded, status, reason, notes } = r;
  return reason === undefined ? { name, op, expanded, status, notes } : { name, op, expanded, status, reason, notes };
}

/** One test per line, so a change in results is a readable diff. */
export function serializeOps(data: OpsData): string {
  return `{\n  "suite": ${JSON.stringify(data.suite)},\n  "results": [\n${data.results.map((r) => `    ${JSON.stringify(r)}`).join(",\n")}\n  ]\n}\n`;
}

interface OpRow {
  op: string;
  passed: number;
  run: number;
  failures: OpsRecord[];
  /** Note kind (the text before a note's colon) → number of tests with it. */
  notes: Map<string, number>;
}

/** One row per op: its plain tests, or (expanded = true) its tests written out as several nodes. */
function opRows(results: readonly OpsRecord[], expanded: boolean): OpRow[] {
  const rows = new Map<string, OpRow>();
  for (const r of results) {
    if ((r.status !== "pass" && r.status !== "fail") || r.expanded !== expanded) continue;
    const row = rows.get(r.op) ?? { op: r.op, passed: 0, run: 0, failures: [], notes: new Map<string, number>() };
    row.run++;
    if (r.status === "pass") row.passed++;
    else row.failures.push(r);
    for (const n of r.notes) {
      const kind = n.replace(/: .*/, "");
      row.notes.set(kind, (row.notes.get(kind) ?? 0) + 1);
    }
    rows.set(r.op, row);
  }
  return [...rows.values()].sort((a, b) => a.op.localeCompare(b.op));
}

function rowLines(rows: readonly OpRow[]): string[] {
  return rows.map((r) => {
    const notes: string[] = [];
    if (r.notes.size > 0) notes.push([...r.notes].map(([kind, n]) => `${kind} ×${n}`).join("; "));
    for (const f of r.failures) notes.push(`\`${f.name}\`: ${f.reason}`);
    return `| ${r.op} | ${r.passed} / ${r.run} | ${escapeCell(notes.join("<br>"))} |`;
  });
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

// No timings in the document: regenerating it changes it only when results change.
export function renderOps(data: OpsData): string {
  const { suite, results } = data;
  const count = (s: OpsRecord["status"]) => results.filter((r) => r.status === s).length;
  const rows = opRows(results, false);
  const expandedRows = opRows(results, true);
  const unsupported = new Map<string, string[]>();
  for (const r of results) {
    if (r.status !== "unsupported") continue;
    for (const op of (r.reason ?? "").replace(/^unsupported: /, "").split(", ")) {
      unsupported.set(op, [...(unsupported.get(op) ?? []), r.name]);
    }
  }
  const exercised = new Set([...rows, ...expandedRows].map((r) => r.op));
  const untested = [...new Set(OPS.map((o) => o.opType))].filter((op) => !exercised.has(op)).sort();
  const lines: string[] = [];
  lines.push(
    `Measured on ONNX's backend node tests (\`${suite}\`, Debian libonnx-testdata 1.12.0): every test`,
    "whose ops the compiler supports is compiled with the concrete input shapes of its test data,",
    "run on the Referee VM, and compared with the expected outputs.",
    "",
    `- Tests in the suite: ${results.length}; run: ${count("pass") + count("fail")}; **passed: ${count("pass")}**; failed: ${count("fail")};`,
    `  not run because of unsupported ops: ${count("unsupported")}; skipped: ${count("skipped")}.`,
    `- Pass criterion: |ours − expected| ≤ ${ATOL} + ${RTOL}·|expected| elementwise, NaN at the same positions,`,
    "  infinities equal, output dims equal.",
    ...Object.entries(TOLERANCE_OVERRIDES).map(([op, t]) => `  ${op}: rtol ${t.rtol}, atol ${t.atol} (${t.why}).`),
    "- Referee's runtime inputs are binary32 values (float32, and integers and bools stored exactly)",
    "  and parameters (shapes, indices, axes, pads, …) must be constants. The suite's non-float",
    "  inputs are mostly such parameters, and its small-integer arithmetic wraps around where",
    "  binary32 does not, so they are frozen into the model at compile time",
    "  (`CompileOptions.frozenInputs`). When the compiler needs more constants (e.g. Resize scales",
    "  given as inputs), every input but the first is frozen (noted *frozen*). A test whose inputs",
    "  are all frozen is evaluated at compile time (noted *constant-folded*), so it checks the",
    "  compiler's constant evaluation, not a kernel. When an optional extra output is not supported",
    "  (Dropout's mask, MaxPool's Indices), only the first output is checked (noted).",
    "- Integer and bool outputs are compared as binary32 values (Referee computes in binary32).",
    "- A test counts for its op: the single node's op; an `_expanded` test (a function written out",
    "  as several nodes) counts for the op of its unexpanded twin.",
    `- Models over ${MAX_MODEL_BYTES >> 20} MiB are skipped.`,
    "",
    "## Supported ops",
    "",
    "| op | passed / run | notes |",
    "|---|---|---|",
  );
  lines.push(...rowLines(rows));
  if (untested.length > 0) {
    lines.push("", `Supported by the compiler but not exercised by this suite: ${untested.join(", ")}.`);
  }
  lines.push(
    "",
    "## Function ops in expanded form",
    "",
    "ONNX writes some ops as functions of other ops; these `_expanded` tests run that written-out",
    "graph, so they pass wherever the ops it is made of are supported, even when the op itself",
    "is not (it is then listed under unsupported ops too).",
    "",
    "| op | passed / run | notes |",
    "|---|---|---|",
    ...rowLines(expandedRows),
  );
  lines.push("", "## Unsupported op types in the suite", "", "| op | tests |", "|---|---|");
  for (const [op, tests] of [...unsupported].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`| ${op} | ${tests.length} |`);
  }
  const skipped = results.filter((r) => r.status === "skipped");
  if (skipped.length > 0) {
    lines.push("", "## Skipped tests", "");
    for (const r of skipped) lines.push(`- \`${r.name}\`: ${r.reason}`);
  }
  return lines.join("\n");
}
