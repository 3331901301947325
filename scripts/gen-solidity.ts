// `npm run gen:sol`: writes the Solidity copies of the protocol's tables from their TypeScript
// source, so a code is numbered once: the ISA codes (node/program/isa.ts → contracts/lib/Isa.sol),
// the hash domains (node/commit/domains.ts → contracts/lib/LibDomains.sol), the all-zero subtree
// roots of tensor trees (→ contracts/lib/LibZeroNodes.sol) and the status enums
// (node/chain/status.ts → the GENERATED blocks of ICoordinator.sol and IDisputeGame.sol).
// Names follow one rule: a TS enum member `MapOp.LeakyRelu` is `MapOp.LEAKY_RELU` in Solidity
// (a library of constants named like the enum); constants and enum members keep their names.
//
// Usage: ts-node --transpile-only scripts/gen-solidity.ts [--check] [--root <dir>]
//   --check   write nothing; exit 1 with a one-line message naming the first file that
//             differs from what the TypeScript source generates (`npm run check:sol-tables`)
//   --root    the repository root whose contracts/ are read and written (default: this one)
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { keccak256 } from "ethers";
import * as isa from "../node/program/isa";
import * as domains from "../node/commit/domains";
import * as status from "../node/chain/status";

const REPO = path.join(__dirname, "..");
const SCRIPT = "scripts/gen-solidity.ts";
const PRAGMA = "pragma solidity ^0.8.30;";
export const BEGIN = "// BEGIN GENERATED";
export const END = "// END GENERATED";

/** One named value of a table, with the trailing `//` comment of its TS declaration. */
interface Entry {
  name: string;
  value: bigint;
  comment?: string;
}

interface Table {
  name: string;
  doc?: string;
  entries: Entry[];
}

/** Everything one output needs: a whole file, or the blocks between markers of a file. */
export interface Output {
  file: string; // relative to the root
  source: string; // the TS module it is generated from, relative to the repository
  /** A whole generated file, or one body per marker block in file order. */
  render: { whole: string } | { blocks: string[] };
}

// ---------------------------------------------------------------------------------------
// Reading the TypeScript source: values from the module itself, comments from its text.

/** The doc comment and per-member trailing comments of `decl` in `file` (enum or `const = {…}`). */
function comments(file: string, decl: string): { doc?: string; members: Map<string, string> } {
  const text = fs.readFileSync(path.join(REPO, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const members = new Map<string, string>();
  let doc: string | undefined;
  const trailing = (node: ts.Node): string | undefined => {
    const lineEnd = text.indexOf("\n", node.getEnd());
    const rest = text.slice(node.getEnd(), lineEnd < 0 ? undefined : lineEnd);
    // Only a comment that ends the member's own line (after its comma), not a later member's.
    return /^\s*,?\s*\/\/\s*(.*\S)\s*$/.exec(rest)?.[1];
  };
  const docOf = (node: ts.Node): string | undefined => {
    const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
    const jsdoc = ranges
      .map((r) => text.slice(r.pos, r.end))
      .filter((c) => c.startsWith("/**"))
      .pop();
    return jsdoc
      ?.replace(/^\/\*\*|\*\/$/g, "")
      .split("\n")
      .map((l) => l.replace(/^\s*\*?\s?/, "").trimEnd())
      .filter((l) => l.length > 0)
      .join(" ");
  };
  let found = false;
  for (const st of sf.statements) {
    if (ts.isEnumDeclaration(st) && st.name.text === decl) {
      found = true;
      doc = docOf(st);
      for (const m of st.members) {
        const c = trailing(m);
        if (c !== undefined) members.set(m.name.getText(sf), c);
      }
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || d.name.text !== decl) continue;
        found = true;
        doc = docOf(st);
        let init = d.initializer;
        if (init !== undefined && ts.isAsExpression(init)) init = init.expression;
        if (init !== undefined && ts.isObjectLiteralExpression(init)) {
          for (const p of init.properties) {
            const c = trailing(p);
            if (c !== undefined && p.name !== undefined) members.set(p.name.getText(sf), c);
          }
        } else {
          const c = trailing(st);
          if (c !== undefined) members.set(decl, c);
        }
      }
    }
  }
  if (!found) throw new Error(`gen-solidity: ${file} declares no ${decl}`);
  return { doc, members };
}

/** A numeric TS enum as a table (the reverse mappings dropped). */
function enumTable(file: string, name: string, e: Record<string, string | number>): Table {
  const c = comments(file, name);
  const entries = Object.entries(e)
    .filter((kv): kv is [string, number] => typeof kv[1] === "number")
    .map(([k, v]) => ({ name: k, value: BigInt(v), comment: c.members.get(k) }));
  return { name, doc: c.doc, entries };
}

/** A `{ Name: 0n, … } as const` object as a table. */
function objectTable(file: string, name: string, o: Readonly<Record<string, bigint>>): Table {
  const c = comments(file, name);
  return {
    name,
    doc: c.doc,
    entries: Object.entries(o).map(([k, v]) => ({ name: k, value: v, comment: c.members.get(k) })),
  };
}

/** Module-level numeric constants as one table. */
function constTable(file: string, name: string, mod: Record<string, unknown>, names: readonly string[]): Table {
  const entries = names.map((n) => {
    const v = mod[n];
    if (typeof v !== "number") throw new Error(`gen-solidity: ${file} exports no number ${n}`);
    return { name: n, value: BigInt(v), comment: comments(file, n).members.get(n) };
  });
  return { name, entries };
}

/** The names of the `export const` declarations of `file`, in declaration order. */
function exportedConsts(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(path.join(REPO, file), "utf8"), ts.ScriptTarget.ES2022, true);
  return sf.statements
    .filter(ts.isVariableStatement)
    .filter((st) => st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true)
    .flatMap((st) => st.declarationList.declarations.map((d) => d.name.getText(sf)));
}

// ---------------------------------------------------------------------------------------
// Writing Solidity.

/** `LeakyRelu` → `LEAKY_RELU`, `PRelu` → `PRELU`. */
export function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

const tail = (c: string | undefined): string => (c === undefined ? "" : ` // ${c}`);

/** `text` as NatSpec lines of at most 100 columns: `first` on the first, aligned after. */
function natspec(text: string, first: string, indent = ""): string[] {
  const lines: string[] = [];
  let line = `${indent}${first}`;
  const cont = `${indent}///${" ".repeat(first.length - 3)}`;
  for (const word of text.split(/\s+/)) {
    if (line.length + 1 + word.length > 100 && line.length > cont.length) {
      lines.push(line);
      line = cont + word;
    } else line += (line.endsWith(" ") ? "" : " ") + word;
  }
  lines.push(line);
  return lines;
}

/** The file's opening lines; `lint` lines (solhint directives) go before the pragma they apply from. */
function header(sources: readonly string[], lint: readonly string[] = []): string {
  return [
    "// SPDX-License-Identifier: MIT",
    `// GENERATED by ${SCRIPT} from ${sources.join(", ")}: do not edit.`,
    "// Change the source and run `npm run gen:sol`; `npm run check:sol-tables` fails while this",
    "// file differs from what the source generates.",
    ...lint,
    PRAGMA,
    "",
  ].join("\n");
}

/** A table as a library of constants (`library MapOp { uint8 internal constant ADD = 64; }`). */
function constantLibrary(t: Table, source: string, type: "uint8" | "uint256"): string {
  const lines = [
    `/// @title ${t.name}`,
    ...natspec(`${t.name} of ${source}. ${t.doc ?? ""}`.trim(), "/// @notice "),
    `library ${t.name} {`,
  ];
  for (const e of t.entries) {
    // Every code is a u8 in the instruction encoding (docs/PROTOCOL.md §3.3), whatever its Solidity type.
    if (e.value < 0n || e.value > 255n) throw new Error(`gen-solidity: ${t.name}.${e.name} = ${e.value} is not a u8`);
    lines.push(`    ${type} internal constant ${upperSnake(e.name)} = ${e.value};${tail(e.comment)}`);
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** A table as a Solidity enum: its values must be 0, 1, 2, … in order (Solidity numbers them so). */
function solidityEnum(t: Table, indent: string): string {
  t.entries.forEach((e, i) => {
    if (e.value !== BigInt(i))
      throw new Error(`gen-solidity: ${t.name}.${e.name} = ${e.value}, a Solidity enum needs ${i}`);
  });
  const lines = [`${indent}enum ${t.name} {`];
  t.entries.forEach((e, i) =>
    lines.push(`${indent}    ${e.name}${i < t.entries.length - 1 ? "," : ""}${tail(e.comment)}`),
  );
  lines.push(`${indent}}`);
  return lines.join("\n");
}

const ISA = "node/program/isa.ts";
const DOMAINS = "node/commit/domains.ts";
const STATUS = "node/chain/status.ts";
const KECCAK = "node/commit/keccak.ts";

/** Z_d = H(prefix ‖ Z_{d−1} ‖ Z_{d−1}), Z_0 = 0^32, for d < 32 (zeroHash of node/commit/keccak.ts). */
function zeroNodes(prefix: number): string[] {
  const z = ["0x" + "00".repeat(32)];
  const byte = "0x" + prefix.toString(16).padStart(2, "0");
  for (let d = 1; d < 32; d++) z.push(keccak256(byte + z[d - 1].slice(2) + z[d - 1].slice(2)));
  return z;
}

/** A balanced `switch lt(_d, mid)` tree over `z[lo … hi)` assigning `z_`, `indent` deep. */
function zeroTree(z: readonly string[], lo: number, hi: number, indent: string): string[] {
  if (hi - lo === 1) return [`${indent}z_ := ${z[lo]}`];
  const mid = (lo + hi) >> 1;
  return [
    `${indent}switch lt(_d, ${mid})`,
    `${indent}case 0 {`,
    ...zeroTree(z, mid, hi, indent + "    "),
    `${indent}}`,
    `${indent}default {`,
    ...zeroTree(z, lo, mid, indent + "    "),
    `${indent}}`,
  ];
}

/** LibZeroNodes.sol: Z_d of the tensor trees as code constants (a lookup, no hashing). */
function zeroNodesSol(): string {
  // Tensor trees only: leaf paths are the deep ones whose lone high zero sibling pays for a
  // lookup; slot and instruction paths hash theirs (each table is ~1.3 kB of every prover).
  const body = zeroTree(zeroNodes(domains.TENSOR_NODE), 0, 32, "            ");
  return (
    header([DOMAINS, KECCAK]) +
    [
      "",
      "/// @title LibZeroNodes",
      "/// @notice Z_d, the root of an all-zero subtree of depth d of a tensor tree (Z_0 = 0^32,",
      "///         Z_{d+1} = H(TENSOR_NODE ‖ Z_d ‖ Z_d), docs/PROTOCOL.md §3.1, §6.1), as constants:",
      "///         a leaf path's high zero sibling is looked up, not hashed up level by level.",
      "library LibZeroNodes {",
      "    /// @notice Z_d of the tensor trees (prefix TENSOR_NODE).",
      "    /// @param _d The depth, < 32 (the level of a bit of a u32 zero mask).",
      "    /// @return z_ Z_d.",
      "    function tensorZero(uint256 _d) internal pure returns (bytes32 z_) {",
      '        assembly ("memory-safe") {',
      ...body,
      "        }",
      "    }",
      "}",
      "",
    ].join("\n")
  );
}

/**
 * The Solidity type of each ISA table's constants: the type of the words the verifier compares
 * them with (LibInstruction decodes kind, op and space into uint256 fields; LibMapOps
 * dispatches on a uint8 op), so no comparison needs a conversion. FIRST_BINARY_MAP_OP is
 * compared with the decoded uint256 op.
 */
const ISA_TYPES = { Space: "uint256", Kind: "uint256", MapOp: "uint8", ReduceOp: "uint256" } as const;

/** The status tables of node/chain/status.ts, by the interface that declares their enums. */
type StatusName = "RequestStatus" | "ClaimStatus" | "CallbackStatus" | "GameStatus";
const STATUS_ENUMS: ReadonlyArray<{ file: string; names: readonly StatusName[] }> = [
  { file: "contracts/interfaces/ICoordinator.sol", names: ["RequestStatus", "ClaimStatus", "CallbackStatus"] },
  { file: "contracts/interfaces/IDisputeGame.sol", names: ["GameStatus"] },
];

/** Every generated output, rendered from the TypeScript modules as they are now. */
export function outputs(): Output[] {
  const isaEnums = { Space: isa.Space, Kind: isa.Kind, MapOp: isa.MapOp, ReduceOp: isa.ReduceOp } as const;
  const isaSol =
    // One file for the four tables: they are one generated unit, imported together.
    header([ISA], ["// solhint-disable one-contract-per-file"]) +
    "\n// The instruction set's codes (docs/PROTOCOL.md §2–§3.3). Never renumbered, only appended.\n\n" +
    (Object.keys(isaEnums) as (keyof typeof isaEnums)[])
      .map((name) => constantLibrary(enumTable(ISA, name, isaEnums[name]), ISA, ISA_TYPES[name]))
      .join("\n") +
    `\n// Map ops from this code on are binary (they read two operands).\nuint256 constant FIRST_BINARY_MAP_OP = ${isa.FIRST_BINARY_MAP_OP};\n` +
    `// Map ops from this code on are ternary (they read three operands).\nuint256 constant FIRST_TERNARY_MAP_OP = ${isa.FIRST_TERNARY_MAP_OP};\n`;

  // Declaration order, not Object.keys (CommonJS output may define exports in another order).
  const domainTable = constTable(DOMAINS, "LibDomains", domains, exportedConsts(DOMAINS));
  const domainsSol =
    header([DOMAINS]) +
    [
      "",
      "/// @title LibDomains",
      "/// @notice Domain prefixes of every hash in the protocol (docs/PROTOCOL.md §3). One byte,",
      "///         hashed first, so that no two kinds of node can ever be confused.",
      "library LibDomains {",
      ...domainTable.entries.map((e) => {
        if (e.value < 0n || e.value > 255n)
          throw new Error(`gen-solidity: ${DOMAINS} ${e.name} = ${e.value} is not one byte`);
        return `    bytes1 internal constant ${e.name} = 0x${e.value.toString(16).padStart(2, "0")};${tail(e.comment)}`;
      }),
      "}",
      "",
    ].join("\n");

  const statusEnum = (name: StatusName): string => solidityEnum(objectTable(STATUS, name, status[name]), "    ");
  return [
    { file: "contracts/lib/Isa.sol", source: ISA, render: { whole: isaSol } },
    { file: "contracts/lib/LibDomains.sol", source: DOMAINS, render: { whole: domainsSol } },
    { file: "contracts/lib/LibZeroNodes.sol", source: `${DOMAINS}, ${KECCAK}`, render: { whole: zeroNodesSol() } },
    ...STATUS_ENUMS.map(({ file, names }) => ({
      file,
      source: STATUS,
      render: { blocks: [names.map(statusEnum).join("\n\n")] },
    })),
  ];
}

/**
 * `current` with the body of each BEGIN/END GENERATED block replaced by `blocks`, in order, and
 * each BEGIN line rewritten to name the generator and the source; text outside is kept.
 */
export function fillBlocks(file: string, current: string, blocks: readonly string[], source: string): string {
  const lines = current.split("\n");
  const out: string[] = [];
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (!lines[i].trimStart().startsWith(BEGIN)) continue;
    const end = lines.findIndex((l, j) => j > i && l.trimStart().startsWith(END));
    if (end < 0) throw new Error(`gen-solidity: ${file}:${i + 1}: "${BEGIN}" without "${END}"`);
    if (n >= blocks.length) throw new Error(`gen-solidity: ${file} has more GENERATED blocks than ${source} fills`);
    const indent = /^\s*/.exec(lines[i])?.[0] ?? "";
    out[out.length - 1] = `${indent}${BEGIN} by ${SCRIPT} from ${source}: do not edit (npm run gen:sol)`;
    out.push(blocks[n++], lines[end]);
    i = end;
  }
  if (n !== blocks.length)
    throw new Error(`gen-solidity: ${file} has ${n} GENERATED blocks, ${source} fills ${blocks.length}`);
  return out.join("\n");
}

/** What `o` makes of its file under `root` (the file's current text for marker blocks). */
export function render(root: string, o: Output): string {
  if ("whole" in o.render) return o.render.whole;
  const file = path.join(root, o.file);
  if (!fs.existsSync(file)) throw new Error(`gen-solidity: ${o.file} is missing (it holds GENERATED blocks)`);
  return fillBlocks(o.file, fs.readFileSync(file, "utf8"), o.render.blocks, o.source);
}

/** The outputs whose file under `root` differs from what the source generates. */
export function drifted(root: string, outs: readonly Output[] = outputs()): Output[] {
  return outs.filter((o) => {
    const file = path.join(root, o.file);
    return !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== render(root, o);
  });
}

/** Writes every output under `root`; returns the files that changed. */
export function generate(root: string, outs: readonly Output[] = outputs()): string[] {
  const changed: string[] = [];
  for (const o of outs) {
    const next = render(root, o);
    const file = path.join(root, o.file);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === next) continue;
    fs.writeFileSync(file, next);
    changed.push(o.file);
  }
  return changed;
}

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const r = argv.indexOf("--root");
  const root = r >= 0 ? argv[r + 1] : REPO;
  if (root === undefined) throw new Error("gen-solidity: --root needs a directory");
  if (check) {
    const bad = drifted(root);
    if (bad.length > 0) {
      console.error(
        `gen-solidity: ${bad[0].file} differs from what ${bad[0].source} generates: run \`npm run gen:sol\`${bad.length > 1 ? ` (${bad.length - 1} more file(s) differ)` : ""}`,
      );
      return 1;
    }
    console.log(`gen-solidity: ${outputs().length} generated Solidity files in sync`);
    return 0;
  }
  const changed = generate(root);
  console.log(changed.length === 0 ? "gen-solidity: nothing changed" : `gen-solidity: wrote ${changed.join(", ")}`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  }
}
