// Every generated block in the docs: where it lives, the command that writes it, the committed
// data it is rendered from, and the renderer. The writing scripts and the docs check
// (scripts/check-docs.ts) share these, so a block is rendered one way only.
import * as fs from "fs";
import * as path from "path";
import { FO32_GAS_DATA, loadFo32Gas, renderFo32GasTable } from "./fo32-gas";
import { GAS_SNAPSHOT, loadGasSnapshot, renderOneStepGas } from "./gas-one-step";
import { LOAD_DATA, loadLoadSummary, renderLoad } from "./load";
import { loadOps, OPS_DATA, renderOps } from "./ops";
import { loadUlps, renderUlpTable, ULP_DATA } from "./fo32-ulps";
import { loadRequestGas, renderRequestGas, REQUEST_GAS_DATA } from "./request-gas";
import { BlockPlace, FO32_GAS_DOC, LOAD_DOC, ONE_STEP_GAS_DOC, OPS_DOC, REQUEST_GAS_DOC, ULPS_DOC } from "./places";

export * from "./places";

export interface DocBlock extends BlockPlace {
  /** The committed data the block is rendered from (relative to the repository root). */
  data: string;
  /** The block's body from the data under `root`. */
  render(root: string): string;
}

export const DOC_BLOCKS: readonly DocBlock[] = [
  { ...OPS_DOC, data: OPS_DATA, render: (root) => renderOps(loadOps(root)) },
  { ...ULPS_DOC, data: ULP_DATA, render: (root) => renderUlpTable(loadUlps(root)) },
  { ...FO32_GAS_DOC, data: FO32_GAS_DATA, render: (root) => renderFo32GasTable(loadFo32Gas(root)) },
  { ...ONE_STEP_GAS_DOC, data: GAS_SNAPSHOT, render: (root) => renderOneStepGas(loadGasSnapshot(root)) },
  { ...LOAD_DOC, data: LOAD_DATA, render: (root) => renderLoad(loadLoadSummary(root)) },
  { ...REQUEST_GAS_DOC, data: REQUEST_GAS_DATA, render: (root) => renderRequestGas(loadRequestGas(root)) },
];

/** The documents that may hold generated blocks: README.md and every docs/*.md. */
export function listDocuments(root: string): string[] {
  const docs = fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort();
  return ["README.md", ...docs.map((f) => `docs/${f}`)];
}
