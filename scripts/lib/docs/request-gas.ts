// README's "Costs and sizing" table: the gas of one `Coordinator.request` by input size,
// rendered from docs/data/request-gas.json (written by test/request-gas.test.ts with
// UPDATE_DOCS=1, which measures it on Hardhat's chain).
import * as fs from "fs";
import * as path from "path";
import { updateBlock } from "../markers";
import { REQUEST_GAS_DOC } from "./places";

export interface RequestGasRow {
  /** Input bytes: 4 per float32 value. */
  bytes: number;
  /** The request transaction's gasUsed. */
  gas: number;
  /** Calldata's share: standard price (4 per zero byte, 16 per other) and the EIP-7623 floor. */
  calldataGas: number;
  floorGas: number;
  /** Whether the floor (21000 + 10 per token) set the price instead of calldata + execution. */
  floorPriced: boolean;
}

export interface RequestGasData {
  hardfork: string;
  /** What a row's model and input are. */
  note: string;
  rows: RequestGasRow[];
}

export const REQUEST_GAS_DATA = path.join("docs", "data", "request-gas.json");

export function loadRequestGas(root: string): RequestGasData {
  return JSON.parse(fs.readFileSync(path.join(root, REQUEST_GAS_DATA), "utf8")) as RequestGasData;
}

const n = (x: number): string => x.toLocaleString("en-US");

export function renderRequestGas(d: RequestGasData): string {
  return [
    `Hardhat, hardfork ${d.hardfork}; ${d.note}`,
    "",
    "| input bytes | request gas | gas per input byte (from previous row) | calldata gas (standard) | calldata floor (EIP-7623) | priced by |",
    "|---:|---:|---:|---:|---:|---|",
    ...d.rows.map((r, i) => {
      const prev = d.rows[i - 1];
      const perByte = prev ? ((r.gas - prev.gas) / (r.bytes - prev.bytes)).toFixed(1) : "–";
      return `| ${n(r.bytes)} | ${n(r.gas)} | ${perByte} | ${n(r.calldataGas)} | ${n(r.floorGas)} | ${r.floorPriced ? "floor" : "execution"} |`;
    }),
  ].join("\n");
}

/** Records a measurement in the data file and rewrites the README block from it. */
export function writeRequestGas(root: string, d: RequestGasData): string {
  const place = REQUEST_GAS_DOC;
  fs.writeFileSync(path.join(root, REQUEST_GAS_DATA), JSON.stringify(d, null, 2) + "\n");
  const u = updateBlock(path.join(root, place.file), place.name, place.command, renderRequestGas(d));
  return `wrote ${REQUEST_GAS_DATA} and ${place.file}${u.changed ? "" : " (table unchanged)"}`;
}
