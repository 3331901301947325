// The CLI's main() in this process, with its output captured: what the CLI tests drive.
import { main } from "../../node/cli/main";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `referee <args…>` in this process. */
export async function referee(...args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
  });
  return { code, stdout, stderr };
}

/** The last line of stdout, parsed: the --json contract. */
export function lastJson(r: Pick<CliResult, "stdout">): Record<string, unknown> {
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
