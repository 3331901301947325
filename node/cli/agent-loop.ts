// The loop an agent command runs: one pass over the chain, a pause, again, until SIGINT or
// SIGTERM (the pass in progress finishes first). A failed pass is logged and retried on the
// next one: the chain, not the process, holds the state, so nothing is lost by retrying.
import type { Log } from "../agents/log";
import type { ModelRun } from "../agents/model-run";
import type { Deployment } from "../chain/deploy";
import type { TxSender } from "../chain/sender";
import type { ParsedArgs } from "./args";
import { ChainConnection, asCliError, connect, deploymentOf, logOf, senderOf, servedModel } from "./chain";
import type { CommandContext } from "./command";

/** What an agent command needs: the chain, the deployment, the served model, the account, the log. */
export interface AgentSetup {
  c: ChainConnection;
  d: Deployment;
  model: ModelRun;
  sender: TxSender;
  log: Log;
  loop: Omit<LoopOptions, "name">;
}

export async function agentSetup(args: ParsedArgs, ctx: CommandContext): Promise<AgentSetup> {
  const pollMs = args.int("poll", 1000)!;
  const log = logOf(args, ctx);
  const c = await connect(args);
  const { deployment: d } = deploymentOf(c);
  const model = await servedModel(args, ctx, d);
  const sender = await senderOf(args, c, d);
  return { c, d, model, sender, log, loop: { pollMs, once: args.has("once"), log } };
}

export interface LoopOptions {
  pollMs: number;
  once: boolean;
  log: Log;
  name: string;
}

export async function runLoop(tick: () => Promise<void>, o: LoopOptions): Promise<void> {
  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    for (let failures = 0; !stopping;) {
      try {
        await tick();
        failures = 0;
      } catch (e) {
        if (o.once) throw e;
        failures++;
        const err = asCliError(e);
        o.log(`${o.name}: pass failed (${failures} in a row), retrying: ${err.message}`, {
          event: "error",
          agent: o.name,
          error: err.message,
          failures,
        });
      }
      if (o.once) break;
      // Back off while passes keep failing (an RPC outage), up to 30 s.
      const pause = Math.min(30_000, o.pollMs * 2 ** Math.min(failures, 5));
      await new Promise<void>((res) => {
        wake = res;
        setTimeout(res, pause);
      });
      wake = null;
    }
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
  }
  o.log(`${o.name} stopped`, { event: "stopped", agent: o.name });
}
