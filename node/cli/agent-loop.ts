// The loop an agent command runs: one pass over the chain, a pause, again, until SIGINT or
// SIGTERM (the pass in progress finishes first). A failed pass is logged and retried on the
// next one: the chain, not the process, holds the state, so nothing is lost by retrying.
import * as path from "path";
import type { Log, LogFields } from "../agents/log";
import { Metrics, collectGauges, countRpcErrors, countingLog } from "../agents/metrics";
import { ModelRun } from "../agents/model-run";
import type { Deployment } from "../chain/deploy";
import { TxSender } from "../chain/sender";
import { TxManagerOptions } from "../chain/txmgr";
import type { Agent } from "../agents/agent";
import type { ParsedArgs } from "./args";
import { usageError } from "./args";
import { ChainConnection, asCliError, connect, deploymentOf, logOf, requireRegistered, signerOf } from "./chain";
import type { CommandContext } from "./command";
import { keystorePassword, keystoreSigner } from "./keystore";
import { MetricsServer, serveMetrics } from "./metrics-server";
import { compileLoaded, compileWithProgress, readModel, threadsOf } from "./model";
import { initHasher } from "../commit";
import { parseUnits } from "ethers";

/** A model an agent serves, and how messages name it (its file name). */
export interface ServedModel {
  label: string;
  model: ModelRun;
}

/** What an agent command needs: the chain, the deployment, the served models, the account, the log. */
export interface AgentSetup {
  c: ChainConnection;
  d: Deployment;
  /** The first served model (the positional argument). */
  model: ModelRun;
  /** Every served model: the positional one, then each --model. */
  models: ServedModel[];
  sender: TxSender;
  log: Log;
  /** Counters and gauges when --metrics-port is given; null otherwise. */
  metrics: Metrics | null;
  loop: Omit<LoopOptions, "name">;
}

/**
 * One "started" line per served model: "<name> <address> <doing> model <label> (<id>, N = …
 * steps) on <network> (chain <id>)<tail>", with the same fields in JSON plus `extra`.
 */
export function logStarted(setup: AgentSetup, name: string, doing: string, tail = "", extra: LogFields = {}): void {
  const { c, models, sender, log } = setup;
  for (const { label, model } of models)
    log(
      `${name} ${sender.address} ${doing} model ${label} (${model.modelId}, N = ${model.parts.steps} steps) on ${c.network} (chain ${c.chainId})${tail}`,
      {
        event: "started",
        agent: name,
        address: sender.address,
        model: label,
        modelId: model.modelId,
        steps: Number(model.parts.steps),
        network: c.network,
        ...extra,
      },
    );
}

/** The kit's options (fees, metrics, keystore), checked before any chain work. */
interface KitOptions {
  tx: Partial<TxManagerOptions>;
  metricsPort: number | undefined;
  keystore: string | undefined;
}

function secondsOption(args: ParsedArgs, name: string): number | undefined {
  const v = args.get(name);
  if (v === undefined) return undefined;
  const s = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || !(s > 0))
    throw usageError(`--${name} expects a positive number of seconds, got '${v}'`);
  return s * 1000;
}

function kitOptionsOf(args: ParsedArgs): KitOptions {
  const tx: Partial<TxManagerOptions> = {};
  const cap = args.get("max-fee-gwei");
  if (cap !== undefined) {
    let wei: bigint | null;
    try {
      wei = /^\d*\.?\d+$/.test(cap) ? parseUnits(cap, "gwei") : null;
    } catch {
      wei = null; // more decimals than wei has
    }
    if (wei === null || wei === 0n) throw usageError(`--max-fee-gwei expects a positive number of gwei, got '${cap}'`);
    tx.maxFeePerGas = wei;
  }
  const resubmit = secondsOption(args, "resubmit-after");
  if (resubmit !== undefined) tx.resubmitAfterMs = resubmit;
  const timeout = secondsOption(args, "tx-timeout");
  if (timeout !== undefined) tx.timeoutMs = timeout;
  const metricsPort = args.int("metrics-port");
  if (metricsPort !== undefined && metricsPort > 65535)
    throw usageError(`--metrics-port expects a port (0-65535), got '${metricsPort}'`);
  const keystore = args.get("keystore");
  if (keystore !== undefined && args.has("account")) throw usageError("--keystore and --account exclude each other");
  if (keystore === undefined && args.has("keystore-password-file"))
    throw usageError("--keystore-password-file goes with --keystore");
  return { tx, metricsPort, keystore };
}

/**
 * The models an agent serves: the positional one (with --shape/--fix), then each --model
 * file; each is compiled, committed to, checked by `check` (an operator refuses what it could
 * never claim) and must be registered in the deployment.
 */
async function servedModels(
  args: ParsedArgs,
  ctx: CommandContext,
  d: Deployment,
  check: (m: ServedModel) => void,
): Promise<ServedModel[]> {
  await initHasher();
  const files = [args.positionals[0], ...args.all("model")];
  const models: ServedModel[] = [];
  for (const [i, file] of files.entries()) {
    const loaded = readModel(file);
    const compiled =
      i === 0
        ? compileWithProgress(loaded, args, ctx.progress).compiled
        : ctx.progress.phase(`compiling ${path.basename(file)}`, () =>
            compileLoaded(loaded, { shapes: {}, fixedInputs: {} }),
          ).value;
    const model = ctx.progress.phase(
      `committing to ${path.basename(file)}`,
      () => new ModelRun(compiled, { threads: threadsOf(args) }),
    ).value;
    const served = { label: path.basename(file), model };
    if (models.some((m) => m.model.modelId === model.modelId))
      throw usageError(`model ${served.label} is given twice (id ${model.modelId})`);
    check(served);
    await requireRegistered(d, model, file);
    models.push(served);
  }
  return models;
}

export async function agentSetup(
  args: ParsedArgs,
  ctx: CommandContext,
  role: { name: string; side: "claimer" | "challenger"; check?: (m: ServedModel) => void },
): Promise<AgentSetup> {
  const pollMs = args.int("poll", 1000)!;
  const kit = kitOptionsOf(args);
  const password = kit.keystore === undefined ? null : keystorePassword(args.get("keystore-password-file"));
  const metrics = kit.metricsPort === undefined ? null : new Metrics();
  const plain = logOf(args, ctx);
  const log = metrics === null ? plain : countingLog(plain, metrics, role.side);
  const c = await connect(args);
  if (metrics !== null) countRpcErrors(c.provider, metrics);
  const { deployment: d } = deploymentOf(c);
  const signer =
    kit.keystore === undefined ? signerOf(args, c) : await keystoreSigner(kit.keystore, password!, c.provider);
  const models = await servedModels(args, ctx, d, role.check ?? (() => undefined));
  const txLog: Log = (message, fields) => log(`${role.name}: ${message}`, { agent: role.name, ...fields });
  const sender = await TxSender.of(signer, d.interfaces, {}, { ...kit.tx, log: txLog });
  return {
    c,
    d,
    model: models[0].model,
    models,
    sender,
    log,
    metrics,
    loop: { pollMs, once: args.has("once"), log, metricsPort: kit.metricsPort },
  };
}

/**
 * Runs the agents' loop with the metrics server (when --metrics-port is given) up for its
 * whole life: gauges are read after every pass.
 */
export async function runAgents(
  setup: AgentSetup,
  agents: readonly Agent[],
  tick: () => Promise<void>,
  o: { name: string; done?: () => boolean },
): Promise<void> {
  const { metrics, loop, d } = setup;
  let server: MetricsServer | null = null;
  if (metrics !== null && loop.metricsPort !== undefined) {
    server = await serveMetrics(loop.metricsPort, () => metrics.render());
    loop.log(`${o.name}: metrics on http://0.0.0.0:${server.port}/metrics`, {
      event: "metrics",
      agent: o.name,
      port: server.port,
    });
  }
  try {
    await runLoop(
      async () => {
        await tick();
        if (metrics !== null) await collectGauges(metrics, d, agents);
      },
      { ...loop, name: o.name, done: o.done },
    );
  } finally {
    await server?.close();
  }
}

export interface LoopOptions {
  pollMs: number;
  once: boolean;
  log: Log;
  name: string;
  /** Checked after each pass: true ends the loop (a stopped operator with nothing left owed). */
  done?: () => boolean;
  /** --metrics-port, when given. */
  metricsPort?: number;
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
      if (o.once || o.done?.()) break;
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
