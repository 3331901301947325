// The `referee` command line. Errors are one line on stderr, `referee: error: <message>`,
// with exit code 2 for usage errors and 1 otherwise; --verbose adds the stack and cause.
import * as path from "path";
import { RefereeError } from "../errors";
import { packageRoot } from "../package-root";
import { CommandSpec, commandHelp, parseArgs } from "./args";
import type { CommandContext, Handler } from "./command";
import { createProgress } from "./progress";
import { BENCH_SPEC, COMMIT_SPEC, COMPARE_SPEC, GENERATE_SPEC, INSPECT_SPEC, PROVE_STEP_SPEC, RUN_SPEC } from "./specs";
import {
  CHALLENGER_SPEC,
  DEPLOY_SPEC,
  FAUCET_SPEC,
  OPERATOR_SPEC,
  REGISTER_SPEC,
  REFUND_SPEC,
  REQUEST_SPEC,
  RETRY_CALLBACK_SPEC,
  STATUS_SPEC,
  UNSTAKE_SPEC,
  WITHDRAW_SPEC,
  CLAIMS_SPEC,
  GAMES_SPEC,
  ACCOUNT_SPEC,
  EXPLORER_SPEC,
} from "./chain-specs";

interface Command {
  spec: CommandSpec;
  /** Loaded on use: the compiler, VM and onnxruntime are slow to load and help needs none. */
  load(): Handler;
}

/* eslint-disable @typescript-eslint/no-require-imports -- each command loads on use (see load) */
export const COMMANDS: readonly Command[] = [
  { spec: INSPECT_SPEC, load: () => (require("./commands/inspect") as typeof import("./commands/inspect")).inspect },
  { spec: COMMIT_SPEC, load: () => (require("./commands/commit") as typeof import("./commands/commit")).commit },
  { spec: RUN_SPEC, load: () => (require("./commands/run") as typeof import("./commands/run")).run },
  { spec: COMPARE_SPEC, load: () => (require("./commands/compare") as typeof import("./commands/compare")).compare },
  {
    spec: GENERATE_SPEC,
    load: () => (require("./commands/generate") as typeof import("./commands/generate")).generate,
  },
  { spec: BENCH_SPEC, load: () => (require("./commands/bench") as typeof import("./commands/bench")).bench },
  {
    spec: PROVE_STEP_SPEC,
    load: () => (require("./commands/prove-step") as typeof import("./commands/prove-step")).proveStep,
  },
  { spec: DEPLOY_SPEC, load: () => (require("./commands/deploy") as typeof import("./commands/deploy")).deploy },
  {
    spec: REGISTER_SPEC,
    load: () => (require("./commands/register") as typeof import("./commands/register")).register,
  },
  { spec: FAUCET_SPEC, load: () => (require("./commands/faucet") as typeof import("./commands/faucet")).faucet },
  {
    spec: OPERATOR_SPEC,
    load: () => (require("./commands/operator") as typeof import("./commands/operator")).operator,
  },
  {
    spec: CHALLENGER_SPEC,
    load: () => (require("./commands/challenger") as typeof import("./commands/challenger")).challenger,
  },
  { spec: REQUEST_SPEC, load: () => (require("./commands/request") as typeof import("./commands/request")).request },
  { spec: REFUND_SPEC, load: () => (require("./commands/payouts") as typeof import("./commands/payouts")).refund },
  {
    spec: RETRY_CALLBACK_SPEC,
    load: () => (require("./commands/payouts") as typeof import("./commands/payouts")).retryCallback,
  },
  { spec: WITHDRAW_SPEC, load: () => (require("./commands/payouts") as typeof import("./commands/payouts")).withdraw },
  { spec: UNSTAKE_SPEC, load: () => (require("./commands/unstake") as typeof import("./commands/unstake")).unstake },
  { spec: STATUS_SPEC, load: () => (require("./commands/status") as typeof import("./commands/status")).status },
  { spec: CLAIMS_SPEC, load: () => (require("./commands/watch") as typeof import("./commands/watch")).claims },
  { spec: GAMES_SPEC, load: () => (require("./commands/watch") as typeof import("./commands/watch")).games },
  { spec: ACCOUNT_SPEC, load: () => (require("./commands/watch") as typeof import("./commands/watch")).account },
  {
    spec: EXPLORER_SPEC,
    load: () => (require("./commands/explorer") as typeof import("./commands/explorer")).explorer,
  },
];

const VERSION = (require(path.join(packageRoot(), "package.json")) as { version: string }).version;
/* eslint-enable @typescript-eslint/no-require-imports */

function topHelp(): string {
  const rows = COMMANDS.map((c) => `  ${`referee ${c.spec.path.join(" ")}`.padEnd(24)}${c.spec.summary}`);
  return [
    "usage: referee <command> [options]",
    "",
    "Referee: optimistic verified inference. Compile ONNX models to fixed-order float32",
    "programs, commit to them, run them bit-reproducibly, and compare with onnxruntime;",
    "deploy the protocol, serve and challenge claims, request inferences on a chain.",
    "",
    "commands:",
    ...rows,
    "",
    "global options:",
    "  --help, -h              help for a command (referee <command> --help)",
    "  --verbose               on error, print the stack trace and cause",
    "  --version               print the version",
    "",
  ].join("\n");
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.spec.path[0] === group);
  return [
    `usage: referee ${group} <command> [options]`,
    "",
    "commands:",
    ...cmds.map((c) => `  ${`referee ${c.spec.path.join(" ")}`.padEnd(24)}${c.spec.summary}`),
    "",
  ].join("\n");
}

export interface MainIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

function describeError(e: unknown, verbose: boolean): string {
  if (e instanceof RefereeError) {
    if (!verbose) return e.message;
    const cause = e.cause instanceof Error ? `\ncaused by: ${e.cause.stack ?? e.cause.message}` : "";
    return `${e.message}\n${e.stack ?? ""}${cause}`;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // Not a RefereeError: a bug, not a user mistake. Still one line unless --verbose.
  return verbose
    ? `internal error: ${err.stack ?? err.message}`
    : `internal error: ${err.message.split("\n")[0]} (run with --verbose for details)`;
}

/** Run the CLI on `argv` (the words after `referee`); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: MainIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const verbose = argv.includes("--verbose");
  const words = argv.filter((w) => w !== "--verbose");
  const wantsHelp = words.includes("--help") || words.includes("-h");
  const rest = words.filter((w) => w !== "--help" && w !== "-h");
  const out = (s: string) => void io.stdout.write(s);
  try {
    if (rest[0] === "--version") {
      out(`referee ${VERSION}\n`);
      return 0;
    }
    if (rest.length === 0 || rest[0] === "help") {
      const target = rest.slice(1);
      const cmd = COMMANDS.find((c) => c.spec.path.every((p, i) => target[i] === p));
      out(
        cmd
          ? commandHelp(cmd.spec)
          : target[0] && COMMANDS.some((c) => c.spec.path[0] === target[0])
            ? groupHelp(target[0])
            : topHelp(),
      );
      return rest.length === 0 && !wantsHelp ? 2 : 0;
    }
    const cmd = COMMANDS.find((c) => c.spec.path.every((p, i) => rest[i] === p));
    if (!cmd) {
      const group = COMMANDS.filter((c) => c.spec.path.length > 1 && c.spec.path[0] === rest[0]);
      if (group.length > 0) {
        if (wantsHelp || rest.length === 1) {
          out(groupHelp(rest[0]));
          return wantsHelp ? 0 : 2;
        }
        throw new RefereeError(
          "USAGE",
          `unknown command 'referee ${rest[0]} ${rest[1]}' (commands: ${group.map((c) => c.spec.path[1]).join(", ")})`,
        );
      }
      throw new RefereeError("USAGE", `unknown command '${rest[0]}' (see referee --help)`);
    }
    if (wantsHelp) {
      out(commandHelp(cmd.spec));
      return 0;
    }
    const args = parseArgs(cmd.spec, rest.slice(cmd.spec.path.length));
    const ctx: CommandContext = { out, progress: createProgress(io.stderr) };
    // The WebAssembly keccak (a few ms to load): file hashes and commitments need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require("../commit/keccak") as typeof import("../commit/keccak")).initHasher();
    await cmd.load()(args, ctx);
    return 0;
  } catch (e) {
    io.stderr.write(`referee: error: ${describeError(e, verbose)}\n`);
    return e instanceof RefereeError && e.code === "USAGE" ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
