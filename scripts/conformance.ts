// `npm run conformance`: run ONNX's backend node tests through Referee (compile + VM execute),
// print every failure with its reason, record the results in docs/data/conformance.json and
// regenerate the op support table of docs/OPS.md from them (the block "ops").
// Exit status is non-zero when the harness itself crashes, or with --check when the table
// would change; not on test failures.
//
// Usage: npm run conformance -- [--suite DIR] [--filter REGEX] [--no-write] [--check] [--json]
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_SUITE_DIR, listCases, runCase, singleNodeOps, TestResult } from "../node/reference/conformance";
import { OPS_DOC } from "./lib/docs/places";
import { OPS_DATA, renderOps, serializeOps, toRecord } from "./lib/docs/ops";
import { driftMessage, updateBlock } from "./lib/markers";

interface Args {
  suite: string;
  filter?: RegExp;
  write: boolean;
  /** Write nothing; fail when the regenerated table differs from the committed one. */
  check: boolean;
  json: boolean;
}

function parse(argv: string[]): Args {
  const args: Args = { suite: DEFAULT_SUITE_DIR, write: true, check: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--suite") args.suite = argv[++i];
    else if (a === "--filter") args.filter = new RegExp(argv[++i]);
    else if (a === "--no-write") args.write = false;
    else if (a === "--check") args.check = true;
    else if (a === "--json") args.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function main(): void {
  const args = parse(process.argv.slice(2));
  const all = listCases(args.suite);
  if (all.length === 0) {
    console.error(`conformance: no ONNX node tests found at ${args.suite} (install Debian's libonnx-testdata)`);
    process.exit(1);
  }
  const cases = args.filter ? all.filter((c) => args.filter!.test(c.name)) : all;
  const twins = singleNodeOps(all);
  const t0 = performance.now();
  const results: TestResult[] = [];
  const live = process.stderr.isTTY === true;
  for (const [i, c] of cases.entries()) {
    if (live) process.stderr.write(`\r\x1b[K[${i + 1}/${cases.length}] ${c.name}`);
    results.push(runCase(c, { singleNodeOps: twins }));
  }
  if (live) process.stderr.write("\r\x1b[K");
  const seconds = (performance.now() - t0) / 1000;

  const count = (s: TestResult["status"]) => results.filter((r) => r.status === s).length;
  const failures = results.filter((r) => r.status === "fail");
  for (const f of failures) console.log(`FAIL ${f.name} [${f.op}]: ${f.reason}`);
  const slow = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(
    `\nconformance: ${count("pass")} passed, ${count("fail")} failed of ${count("pass") + count("fail")} run; ` +
      `${count("unsupported")} not run (unsupported ops), ${count("skipped")} skipped; ${results.length} tests, ${seconds.toFixed(1)} s`,
  );
  console.log(`slowest: ${slow.map((r) => `${r.name} ${(r.ms / 1000).toFixed(1)} s`).join(", ")}`);
  if ((args.write || args.check) && !args.filter) {
    const root = path.join(__dirname, "..");
    const data = { suite: args.suite, results: results.map(toRecord) };
    const u = updateBlock(path.join(root, OPS_DOC.file), OPS_DOC.name, OPS_DOC.command, renderOps(data), args.check);
    if (args.check && u.changed) {
      console.error(driftMessage({ ...u, file: OPS_DOC.file }, OPS_DOC.command));
      process.exitCode = 1;
    } else if (!args.check) {
      fs.writeFileSync(path.join(root, OPS_DATA), serializeOps(data));
      console.log(`wrote ${OPS_DATA} and ${OPS_DOC.file}${u.changed ? "" : " (table unchanged)"}`);
    }
  }
  if (args.json) {
    console.log(
      JSON.stringify({
        passed: count("pass"),
        failed: count("fail"),
        unsupported: count("unsupported"),
        skipped: count("skipped"),
        total: results.length,
        seconds,
        failures: failures.map((f) => ({ name: f.name, op: f.op, reason: f.reason })),
      }),
    );
  }
}

try {
  main();
} catch (e) {
  console.error(`conformance: crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(2);
}
