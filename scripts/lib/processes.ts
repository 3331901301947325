// Child processes for the multi-process test and `npm run dispute`: `hardhat node` on a free
// port and `referee` commands, their output kept line by line (JSON lines parsed) to wait on.
import { ChildProcess, spawn } from "child_process";
import { createServer } from "net";
import * as path from "path";

export const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "referee.js");

export type LogEvent = Record<string, unknown> & { event?: string; message?: string };

export class Proc {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    const collect = (into: string[]) => {
      let partial = "";
      return (chunk: Buffer) => {
        const parts = (partial + chunk.toString("utf8")).split("\n");
        partial = parts.pop()!;
        into.push(...parts);
      };
    };
    child.stdout!.on("data", collect(this.lines));
    child.stderr!.on("data", collect(this.stderr));
    this.exited = new Promise((res) =>
      child.on("exit", (code) => {
        this.exitCode = code;
        res(code);
      }),
    );
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Its --json log lines, parsed. */
  events(): LogEvent[] {
    return this.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LogEvent);
  }

  /** The last lines of output, for failure messages. */
  tail(n = 30): string {
    return [...this.lines.slice(-n), ...this.stderr.slice(-n).map((l) => `stderr: ${l}`)]
      .map((l) => `  [${this.label}] ${l}`)
      .join("\n");
  }

  async waitForEvent(pred: (e: LogEvent) => boolean, timeoutMs: number, what: string): Promise<LogEvent> {
    let found: LogEvent | undefined;
    await waitUntil(
      async () => {
        found = this.events().find(pred);
        if (!found && !this.running)
          throw new Error(`${this.label} exited (code ${this.exitCode}) before ${what}\n${this.tail()}`);
        return found !== undefined;
      },
      timeoutMs,
      `${this.label}: ${what}\n${this.tail()}`,
    );
    return found!;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

export async function waitUntil(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  pauseMs = 100,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** `hardhat node` on `port`, resolved once it accepts JSON-RPC. */
export async function startHardhatNode(port: number): Promise<Proc> {
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  const p = new Proc(
    "hardhat node",
    spawn(process.execPath, [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  await waitUntil(
    async () => {
      if (!p.running) throw new Error(`hardhat node exited\n${p.tail()}`);
      return p.lines.some((l) => l.includes("Started HTTP and WebSocket JSON-RPC server"));
    },
    90_000,
    `hardhat node to start\n${p.tail()}`,
  );
  return p;
}

/** A long-running `referee` command (an agent). */
export function startReferee(label: string, args: readonly string[], env: Record<string, string>): Proc {
  return new Proc(
    label,
    spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** A `referee` command run to completion; throws with its output unless it exits 0. */
export async function runReferee(
  label: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<Proc> {
  const p = startReferee(label, args, env);
  // The kill resolves with `exited`, awaited just below.
  const timer = setTimeout(() => void p.kill(), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`referee ${args.join(" ")} exited with ${code}\n${p.tail()}`);
  return p;
}
