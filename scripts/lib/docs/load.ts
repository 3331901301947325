// The load test's summary (scripts/load.ts): its rows, printed by the run and rendered as the
// README's generated block from docs/data/load.json (written by `npm run load -- --update`).
import * as fs from "fs";
import * as path from "path";

export const LOAD_DATA = path.join("docs", "data", "load.json");

/** What one `npm run load` run reports (the --json line; --update commits it). */
export interface LoadSummary {
  requests: number;
  ok: boolean;
  problems: string[];
  finalized: number;
  refunded: number;
  claims: number;
  wrongClaims: number;
  wrongRejected: number;
  cheaterClaims: { total: number; wrong: number };
  games: Record<string, number>;
  callbacks: { delivered: number; failed: number; failedAsPredicted: number };
  supply: { minted: string; burned: string; accounted: string };
  agents: { label: string; code: number | null; aliveAtEnd: boolean }[];
  agentErrors: Record<string, Record<string, number>>;
  latencySeconds: { p50: number; p90: number; max: number; slowest: string };
  wallSeconds: number;
  sendSeconds: number;
  windowSeconds: number;
  finalizedPerMinute: number;
  rpc: {
    agentCalls: number;
    agentCallsPerRequest: number;
    driverCalls: number;
    byAgent: Record<string, number>;
    topMethods: [string, number][];
  };
  /** The run's options and when it ran (for the docs). */
  run: { rate: number; seed: number; cheatRate: number; revertRate: number; date: string };
}

const n = (x: number): string => x.toLocaleString("en-US");

/** The summary as (measure, value) rows: the console table and the README block alike. */
export function loadRows(s: LoadSummary): [string, string][] {
  const agentEvents = (event: string) => Object.values(s.agentErrors).reduce((a, e) => a + (e[event] ?? 0), 0);
  return [
    ["requests", `${n(s.requests)} (sent in ${s.sendSeconds} s at ${s.run.rate}/s, window ${s.windowSeconds} s)`],
    ["finalized / refunded", `${n(s.finalized)} / ${n(s.refunded)}`],
    ["requests finalized per minute", `${s.finalizedPerMinute} (${s.wallSeconds} s, first request to last settled)`],
    [
      "request → final (chain s)",
      `median ${s.latencySeconds.p50}, p90 ${s.latencySeconds.p90}, max ${s.latencySeconds.max} (${s.latencySeconds.slowest})`,
    ],
    ["claims", `${n(s.claims)} (cheater: ${s.cheaterClaims.total}, of which wrong ${s.cheaterClaims.wrong})`],
    ["wrong claims rejected", `${s.wrongRejected} / ${s.wrongClaims}`],
    [
      "games",
      Object.entries(s.games)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none",
    ],
    [
      "consumer callbacks",
      `${s.callbacks.delivered} delivered, ${s.callbacks.failed} failed (${s.callbacks.failedAsPredicted} as the consumer's seed predicts)`,
    ],
    [
      "value",
      `minted ${s.supply.minted}, burned ${s.supply.burned}, accounted ${s.supply.accounted} (balances + contract books)`,
    ],
    ["agents", s.agents.map((a) => `${a.label} ${a.aliveAtEnd ? "alive" : "DEAD"}, exit ${a.code}`).join("; ")],
    [
      "agent items skipped",
      `${agentEvents("failedPasses")} failed passes, ${agentEvents("refused")} refused, ${agentEvents("race")} races, ${agentEvents("itemFailed")} other failures`,
    ],
    [
      "RPC calls per request (agents)",
      `${s.rpc.agentCallsPerRequest} (${n(s.rpc.agentCalls)} calls; driver ${n(s.rpc.driverCalls)})`,
    ],
    [
      "RPC calls by agent",
      Object.entries(s.rpc.byAgent)
        .map(([k, v]) => `${k} ${n(v)}`)
        .join(", "),
    ],
    ["top methods", s.rpc.topMethods.map(([m, v]) => `${m} ${n(v)}`).join(", ")],
  ];
}

export function loadLoadSummary(root: string): LoadSummary {
  return JSON.parse(fs.readFileSync(path.join(root, LOAD_DATA), "utf8")) as LoadSummary;
}

/** The README block: the run's options, then its rows as a table. */
export function renderLoad(s: LoadSummary): string {
  const cell = (t: string) => t.replace(/\|/g, "\\|");
  return [
    `${s.requests} requests, seed ${s.run.seed}, ${s.run.cheatRate * 100}% of the cheater's claims wrong, ${s.run.revertRate * 100}% of callbacks reverting; run on ${s.run.date}: ${s.ok ? "all checks passed" : `FAILED (${s.problems.length} problems)`}.`,
    "",
    "| measure | value |",
    "|---|---|",
    ...loadRows(s).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
  ].join("\n");
}
