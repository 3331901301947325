// The gas-per-operation table of docs/FO32.md §6, rendered from docs/data/fo32-gas.json
// (written by `npm run docs:fo32-gas`, i.e. test/evm-fo32-gas.test.ts with UPDATE_DOCS=1;
// the measurement replays every FO32 vector through the EVM, too slow for the docs check).
import * as fs from "fs";
import * as path from "path";
import { updateBlock } from "../markers";
import { FO32_GAS_DOC } from "./places";

export interface Fo32GasRow {
  name: string;
  /** MapOp code, or "–" for a direct LibF32 call. */
  id: string;
  /** Median over uniform inputs in the op's usual range. */
  typical: number;
  /** Number of vectors, and median / p90 / max gas over them. */
  n: number;
  median: number;
  p90: number;
  max: number;
}

export const FO32_GAS_DATA = path.join("docs", "data", "fo32-gas.json");

export function loadFo32Gas(root: string): Fo32GasRow[] {
  return JSON.parse(fs.readFileSync(path.join(root, FO32_GAS_DATA), "utf8")) as Fo32GasRow[];
}

export function renderFo32GasTable(rows: readonly Fo32GasRow[]): string {
  return [
    "| op | id | typical | vectors | median | p90 | max |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${r.id} | ${r.typical} | ${r.n} | ${r.median} | ${r.p90} | ${r.max} |`),
  ].join("\n");
}

/**
 * Records a full measurement (test/evm-fo32-gas.test.ts run with UPDATE_DOCS=1) in the data
 * file and rewrites the block from it. Returns what it did, for the test's log.
 */
export function writeFo32Gas(root: string, rows: readonly Fo32GasRow[]): string {
  const place = FO32_GAS_DOC;
  fs.writeFileSync(path.join(root, FO32_GAS_DATA), JSON.stringify(rows, null, 2) + "\n");
  const u = updateBlock(path.join(root, place.file), place.name, place.command, renderFo32GasTable(rows));
  return `wrote ${FO32_GAS_DATA} and ${place.file}${u.changed ? "" : " (table unchanged)"}`;
}
