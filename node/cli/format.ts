// Text formatting for the CLI's human-readable output.

/** A binary32 value in at most 7 significant digits, without trailing zeros. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const a = Math.abs(v);
  const s = a >= 1e-4 && a < 1e7 ? v.toPrecision(7) : v.toExponential(6);
  return s.replace(/\.?0+(e|$)/, "$1");
}

/** An error magnitude: 3 significant digits, exponent form. */
export function err(v: number): string {
  return v === 0 ? "0" : v.toExponential(2);
}

export function ms(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
}

export function dims(d: readonly (number | string)[]): string {
  return d.length === 0 ? "scalar" : d.join("x");
}

export function int(v: number): string {
  return v.toLocaleString("en-US");
}

export function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** Rows of cells as left-aligned columns, each line indented by `indent`. */
export function table(rows: readonly (readonly string[])[], indent = "  "): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => (indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join("")).trimEnd())
    .join("\n");
}
