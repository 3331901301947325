// The one-step proof gas table of README.md, rendered from test/gas-snapshot.json (written by
// `npm run gas -- --update`; test/gas-snapshot.test.ts holds the contracts to it within 2%).
import * as fs from "fs";
import * as path from "path";
import type { GasReport } from "../../../test/vectors/gas";

export const GAS_SNAPSHOT = path.join("test", "gas-snapshot.json");

export function loadGasSnapshot(root: string): GasReport {
  return JSON.parse(fs.readFileSync(path.join(root, GAS_SNAPSHOT), "utf8")) as GasReport;
}

const thousands = (n: number): string => n.toLocaleString("en-US");

export function renderOneStepGas(report: GasReport): string {
  return [
    "| step kind | max gas | median gas |",
    "|---|---:|---:|",
    ...Object.entries(report.oneStep).flatMap(([kind, s]) =>
      s === undefined ? [] : [`| ${kind} | ${thousands(s.max)} | ${thousands(s.median)} |`],
    ),
  ].join("\n");
}
