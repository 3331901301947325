// A small declarative argument parser: each command lists its positionals and options, and
// the same table drives parsing, validation and --help, so they cannot drift apart.
import { RefereeError } from "../errors";

export interface OptionSpec {
  /** Long name without dashes, e.g. "random-seed". */
  name: string;
  /** flag: no value; value: one value (last wins); list: repeatable. */
  kind: "flag" | "value" | "list";
  metavar?: string;
  help: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
  /** May be left out (only the last positionals); shown as [name]. */
  optional?: boolean;
}

export interface CommandSpec {
  /** Words that select the command, e.g. ["model", "inspect"]. */
  path: string[];
  summary: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  /** Extra help text (formats, definitions), printed after the options. */
  details?: string;
}

export class ParsedArgs {
  constructor(
    readonly positionals: string[],
    private readonly values: Map<string, string[]>,
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : v[v.length - 1];
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /**
   * A non-negative integer option (a count, seconds, an index), or `fallback` when absent.
   * Token amounts are not ints: they are bigints in the token's decimals (node/chain/amounts.ts).
   */
  int(name: string, fallback?: number): number | undefined {
    const v = this.get(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) throw new RefereeError("USAGE", `--${name} expects a non-negative integer, got '${v}'`);
    if (!Number.isSafeInteger(Number(v)))
      throw new RefereeError("USAGE", `--${name} '${v}' is too large (at most ${Number.MAX_SAFE_INTEGER})`);
    return Number(v);
  }
}

export function usageError(msg: string): RefereeError {
  return new RefereeError("USAGE", msg);
}

/**
 * Parse `argv` (the words after the command path) against `spec`. Accepts `--name value`,
 * `--name=value`, and `--` to end options. Unknown options and missing values are usage errors.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const cmd = spec.path.join(" ");
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith("--") || word === "-") {
      if (word.startsWith("-") && word !== "-" && !/^-\d/.test(word)) {
        throw usageError(`unknown option '${word}' for '${cmd}' (see referee ${cmd} --help)`);
      }
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf("=");
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const opt = byName.get(name);
    if (opt === undefined) throw usageError(`unknown option '--${name}' for '${cmd}' (see referee ${cmd} --help)`);
    let value: string;
    if (opt.kind === "flag") {
      if (eq >= 0) throw usageError(`option --${name} takes no value`);
      value = "";
    } else if (eq >= 0) {
      value = word.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length)
        throw usageError(`option --${name} needs a value${opt.metavar ? ` (${opt.metavar})` : ""}`);
      value = argv[++i];
    }
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  if (positionals.length < spec.positionals.filter((p) => !p.optional).length) {
    const missing = spec.positionals
      .slice(positionals.length)
      .filter((p) => !p.optional)
      .map((p) => `<${p.name}>`);
    throw usageError(`'${cmd}' needs ${missing.join(" ")} (see referee ${cmd} --help)`);
  }
  if (positionals.length > spec.positionals.length) {
    throw usageError(`unexpected argument '${positionals[spec.positionals.length]}' for '${cmd}'`);
  }
  return new ParsedArgs(positionals, values);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + "  " : s + " ".repeat(n - s.length);
}

/** The --help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const cmd = spec.path.join(" ");
  const opts = spec.options.map((o) => {
    const left = `--${o.name}${o.kind === "flag" ? "" : ` <${o.metavar ?? "value"}>`}${o.kind === "list" ? " ..." : ""}`;
    return [left, o.help] as const;
  });
  const rows: (readonly [string, string])[] = [
    ...spec.positionals.map((p) => [`<${p.name}>`, p.help] as const),
    ...opts,
  ];
  const width = Math.min(30, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [
    `usage: referee ${cmd} ${spec.positionals.map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`)).join(" ")} [options]`
      .replace(/ +/g, " ")
      .trim(),
    "",
    spec.summary,
    "",
  ];
  if (spec.positionals.length > 0) {
    lines.push("arguments:");
    for (const p of spec.positionals)
      lines.push(`  ${pad(p.optional ? `[${p.name}]` : `<${p.name}>`, width)}${p.help}`);
    lines.push("");
  }
  lines.push("options:");
  for (const [l, h] of opts) {
    if (l.length + 2 > width) lines.push(`  ${l}`, `  ${" ".repeat(width)}${h}`);
    else lines.push(`  ${pad(l, width)}${h}`);
  }
  if (spec.details) lines.push("", spec.details.trimEnd());
  return lines.join("\n") + "\n";
}

/**
 * `--fix` values: `name=value`, an integer (or true / false for a bool input). The compiler
 * checks the name, the input's shape and type, and the value's range.
 */
export function parseFixed(values: readonly string[]): Record<string, number> {
  const fixed: Record<string, number> = {};
  for (const v of values) {
    const m = /^(.+)=(-?\d+|true|false)$/.exec(v);
    if (!m) throw usageError(`--fix '${v}': expected name=VALUE with an integer VALUE, e.g. sr=16000`);
    if (m[1] in fixed) throw usageError(`--fix given twice for '${m[1]}'`);
    fixed[m[1]] = m[2] === "true" ? 1 : m[2] === "false" ? 0 : Number(m[2]);
  }
  return fixed;
}

/**
 * `--shape` values: `name=1x3x48x192`, or just `1x3x48x192` when the model has one input
 * (resolved by the caller, which knows the input names; stored under the empty name).
 */
export function parseShapes(values: readonly string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const v of values) {
    const eq = v.lastIndexOf("=");
    const name = eq < 0 ? "" : v.slice(0, eq);
    const dimsText = eq < 0 ? v : v.slice(eq + 1);
    if (!/^\d+(x\d+)*$/.test(dimsText)) {
      throw usageError(`--shape '${v}': expected name=DIMS with DIMS like 1x3x48x192`);
    }
    if (name in shapes) throw usageError(`--shape given twice for ${name === "" ? "the input" : `'${name}'`}`);
    shapes[name] = dimsText.split("x").map(Number);
  }
  return shapes;
}
