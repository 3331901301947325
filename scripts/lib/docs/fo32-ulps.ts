// The measured-accuracy table of docs/FO32.md §4, rendered from docs/data/fo32-ulps.json
// (written by `npm run docs:ulps`, a sweep of about 30 s that CI does not repeat).
import * as fs from "fs";
import * as path from "path";

export interface UlpMeasurement {
  name: string;
  points: number;
  maxUlp: number;
  /** Argument of the worst error (for pow rows, the base); null when it is NaN. */
  argMax: number | null;
  meanUlp: number;
}

export interface UlpData {
  /** Dense points per function the sweep used (`--points`). */
  dense: number;
  results: UlpMeasurement[];
}

export const ULP_DATA = path.join("docs", "data", "fo32-ulps.json");

export function loadUlps(root: string): UlpData {
  return JSON.parse(fs.readFileSync(path.join(root, ULP_DATA), "utf8")) as UlpData;
}

/** The markdown table, columns padded to their widest cell. */
export function renderUlpTable(data: UlpData): string {
  const rows = data.results.map((r) => [
    r.name,
    String(r.points),
    r.maxUlp.toFixed(3),
    String(r.argMax ?? NaN),
    r.meanUlp.toFixed(4),
  ]);
  const head = ["function", "points", "max ulp", "at x", "mean ulp"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => "| " + r.map((c, i) => c.padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.map(line)].join("\n");
}
