// An agent's Prometheus metrics: counters fed by the events its log reports (claims made,
// finalized, slashed; games opened, won, lost; replaced transactions; failed passes; RPC
// transport errors) and gauges read from the chain once per pass (stake, balances, open games
// and their clocks). Rendered in Prometheus' text format (version 0.0.4); no dependency.
import type { Provider } from "ethers";
import type { Deployment } from "../chain/deploy";
import { withRetry } from "../chain/retry";
import type { Agent } from "./agent";
import type { Log } from "./log";

type Labels = Record<string, string>;

interface Family {
  type: "counter" | "gauge";
  help: string;
  values: Map<string, number>;
}

/** Every metric an agent exposes: name → type and help. */
export const METRICS = {
  referee_claims_made_total: ["counter", "Claims this agent made (commit and reveal)"],
  referee_claims_finalized_total: ["counter", "Requests this agent finalized"],
  referee_claims_slashed_total: ["counter", "Claims of this account rejected, their bond slashed"],
  referee_requests_declined_total: [
    "counter",
    "Requests declined (fee below --min-fee or gas cost, NaN input, refuted result)",
  ],
  referee_games_opened_total: ["counter", "Games this agent opened (challenger)"],
  referee_games_won_total: ["counter", "Games of this agent that ended in its favour"],
  referee_games_lost_total: ["counter", "Games of this agent that ended against it"],
  referee_tx_replaced_total: ["counter", "Stuck transactions replaced with bumped fees"],
  referee_pass_failures_total: ["counter", "Passes over the chain that failed (retried)"],
  referee_rpc_errors_total: ["counter", "JSON-RPC requests that failed in transport (connection, timeout, server)"],
  referee_games_open: ["gauge", "Games of this agent still being played"],
  referee_game_clock_seconds_left: ["gauge", "Chess-clock seconds left in an open game, by game and side"],
  referee_stake_bonded: ["gauge", "Stake bonded by this account (token base units)"],
  referee_token_balance: ["gauge", "Token balance of this account (token base units)"],
  referee_eth_balance_wei: ["gauge", "Native balance of this account (wei)"],
  referee_up: ["gauge", "1 while the agent runs"],
} as const satisfies Record<string, readonly ["counter" | "gauge", string]>;

export type MetricName = keyof typeof METRICS;

function labelKey(labels: Labels): string {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${esc(labels[k])}"`).join(",")}}`;
}

export class Metrics {
  private readonly families = new Map<MetricName, Family>();

  constructor() {
    for (const [name, [type, help]] of Object.entries(METRICS) as [MetricName, readonly [Family["type"], string]][])
      this.families.set(name, { type, help, values: new Map() });
    // Counters start at 0 so a scrape shows them before their first event.
    for (const [name, f] of this.families) if (f.type === "counter") this.families.get(name)!.values.set("", 0);
  }

  inc(name: MetricName, by = 1, labels: Labels = {}): void {
    const values = this.families.get(name)!.values;
    const key = labelKey(labels);
    values.set(key, (values.get(key) ?? 0) + by);
  }

  set(name: MetricName, value: number, labels: Labels = {}): void {
    this.families.get(name)!.values.set(labelKey(labels), value);
  }

  /** Drops every labelled value of a gauge (games that ended leave no stale clock). */
  reset(name: MetricName): void {
    this.families.get(name)!.values.clear();
  }

  /** The value of `name` with `labels`, if set. */
  get(name: MetricName, labels: Labels = {}): number | undefined {
    return this.families.get(name)!.values.get(labelKey(labels));
  }

  /** Prometheus text exposition format. */
  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      if (f.values.size === 0) continue;
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [key, v] of f.values) lines.push(`${name}${key} ${Number.isFinite(v) ? v : 0}`);
    }
    return lines.join("\n") + "\n";
  }
}

/** The count a game-over event adds, for an agent on `side`. */
function gameOutcome(side: "claimer" | "challenger", status: string): MetricName | null {
  const won = side === "claimer" ? "ClaimerWon" : "ChallengerWon";
  const lost = side === "claimer" ? "ChallengerWon" : "ClaimerWon";
  if (status === won) return "referee_games_won_total";
  if (status === lost) return "referee_games_lost_total";
  return null; // aborted: neither
}

/** `log`, counting the events it reports into `m` on the way. */
export function countingLog(log: Log, m: Metrics, side: "claimer" | "challenger"): Log {
  const counted: Partial<Record<string, MetricName>> = {
    claimed: "referee_claims_made_total",
    finalized: "referee_claims_finalized_total",
    slashed: "referee_claims_slashed_total",
    "below-min-fee": "referee_requests_declined_total",
    unprofitable: "referee_requests_declined_total",
    "nan-input": "referee_requests_declined_total",
    declined: "referee_requests_declined_total",
    "game-opened": "referee_games_opened_total",
    "tx-replaced": "referee_tx_replaced_total",
    error: "referee_pass_failures_total",
  };
  return (message, fields = {}) => {
    const event = typeof fields.event === "string" ? fields.event : "";
    const name = counted[event];
    if (name) m.inc(name);
    if (event === "game-over" && typeof fields.status === "string") {
      const outcome = gameOutcome(side, fields.status);
      if (outcome) m.inc(outcome);
    }
    log(message, fields);
  };
}

/** Counts the provider's failed JSON-RPC transports (ethers reports them as "debug" events). */
export function countRpcErrors(provider: Provider, m: Metrics): void {
  void provider.on("debug", (info: { action?: string }) => {
    if (info?.action === "receiveRpcError") m.inc("referee_rpc_errors_total");
  });
}

/**
 * The gauges, read now for `agents` (one per model, one account): stake, balances, and every
 * open game's clocks.
 */
export async function collectGauges(m: Metrics, d: Deployment, agents: readonly Agent[]): Promise<void> {
  const address = agents[0].address;
  const provider = agents[0].sender.signer.provider!;
  const [bonded, tokens, wei] = await Promise.all([
    withRetry(() => d.staking.bondedOf(address)),
    withRetry(() => d.token.balanceOf(address)),
    withRetry(() => provider.getBalance(address)),
  ]);
  m.set("referee_stake_bonded", Number(bonded));
  m.set("referee_token_balance", Number(tokens));
  m.set("referee_eth_balance_wei", Number(wei));
  m.reset("referee_game_clock_seconds_left");
  let open = 0;
  for (const a of agents)
    for (const c of await a.gameClocks()) {
      open++;
      const game = String(c.gameId);
      m.set("referee_game_clock_seconds_left", c.ours, { game, side: "ours", to_move: String(c.ourMove) });
      m.set("referee_game_clock_seconds_left", c.theirs, { game, side: "theirs", to_move: String(!c.ourMove) });
    }
  m.set("referee_games_open", open);
  m.set("referee_up", 1);
}
