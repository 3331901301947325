// Generated blocks in the docs: text a script writes between a pair of named markers,
//   <!-- BEGIN GENERATED: <name> (<command that writes it>) -->
//   …
//   <!-- END GENERATED: <name> -->
// so a script rewrites only its own block and a check can say which block drifted.
// Everything outside the markers is written by hand and never touched here.
import * as fs from "fs";

export interface Block {
  name: string;
  /** The command named in the BEGIN marker (how to regenerate the block). */
  command: string;
  /** Text strictly between the two marker lines, without the surrounding newlines. */
  body: string;
}

const NAME = "[a-z0-9][a-z0-9-]*";
const BEGIN = new RegExp(`^<!-- BEGIN GENERATED: (${NAME}) \\((.+)\\) -->$`);
const END = new RegExp(`^<!-- END GENERATED: (${NAME}) -->$`);
const ANY_MARKER = /GENERATED:/;

export const beginMarker = (name: string, command: string): string => `<!-- BEGIN GENERATED: ${name} (${command}) -->`;
export const endMarker = (name: string): string => `<!-- END GENERATED: ${name} -->`;

/** A malformed document: unbalanced, nested, duplicated or misspelled markers. */
export class MarkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MarkerError";
  }
}

interface Located extends Block {
  /** Line index of the BEGIN marker and of the END marker. */
  begin: number;
  end: number;
}

function locate(text: string, where: string): Located[] {
  const lines = text.split("\n");
  const out: Located[] = [];
  let open: { name: string; command: string; begin: number } | undefined;
  for (const [i, line] of lines.entries()) {
    if (!ANY_MARKER.test(line)) continue;
    const b = BEGIN.exec(line);
    const e = END.exec(line);
    if (b !== null) {
      if (open !== undefined)
        throw new MarkerError(`${where}:${i + 1}: block "${b[1]}" begins inside block "${open.name}"`);
      if (out.some((x) => x.name === b[1])) throw new MarkerError(`${where}:${i + 1}: block "${b[1]}" appears twice`);
      open = { name: b[1], command: b[2], begin: i };
    } else if (e !== null) {
      if (open === undefined || open.name !== e[1]) {
        throw new MarkerError(
          `${where}:${i + 1}: END of "${e[1]}" without its BEGIN${open ? ` (inside "${open.name}")` : ""}`,
        );
      }
      out.push({ ...open, end: i, body: lines.slice(open.begin + 1, i).join("\n") });
      open = undefined;
    } else {
      throw new MarkerError(`${where}:${i + 1}: malformed GENERATED marker: ${line.trim()}`);
    }
  }
  if (open !== undefined) throw new MarkerError(`${where}: block "${open.name}" has no END marker`);
  return out;
}

/** Every generated block of a document, in order. */
export function listBlocks(text: string, where = "document"): Block[] {
  return locate(text, where).map(({ name, command, body }) => ({ name, command, body }));
}

/**
 * The document with block `name`'s body replaced (the BEGIN line is rewritten with `command`).
 * Fails when the block is absent: a script never decides on its own where a new block goes.
 */
export function replaceBlock(text: string, name: string, command: string, body: string, where = "document"): string {
  const block = locate(text, where).find((b) => b.name === name);
  if (block === undefined)
    throw new MarkerError(`${where}: no generated block "${name}" (add its BEGIN/END markers by hand)`);
  const lines = text.split("\n");
  const inner = body.replace(/\n+$/, "");
  return [
    ...lines.slice(0, block.begin),
    beginMarker(name, command),
    ...(inner === "" ? [] : inner.split("\n")),
    ...lines.slice(block.end),
  ].join("\n");
}

export interface BlockUpdate {
  file: string;
  name: string;
  changed: boolean;
}

/**
 * Rewrites block `name` of `file` with `body`. With `check`, writes nothing and only reports
 * whether it would change (the caller fails naming file and block).
 */
export function updateBlock(file: string, name: string, command: string, body: string, check = false): BlockUpdate {
  const before = fs.readFileSync(file, "utf8");
  const after = replaceBlock(before, name, command, body, file);
  const changed = after !== before;
  if (changed && !check) fs.writeFileSync(file, after);
  return { file, name, changed };
}

/** One line for a block that regenerating would change. */
export const driftMessage = (u: BlockUpdate, command: string): string =>
  `${u.file}: generated block "${u.name}" is out of date; regenerate it with \`${command}\``;
