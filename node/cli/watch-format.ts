// Text of the watching tools (referee claims, games, account): times as ISO dates and
// durations against the chain's clock, amounts in the token's decimals and symbol.
import { formatEther, formatUnits } from "ethers";
import type { AccountView, ChainTime, ClaimRow, GameRow, TokenInfo } from "../chain/views";
import { table } from "./format";

export function iso(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}

/** A duration as "1h 02m 03s", "4m 05s" or "7s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s % 60)}s` : m > 0 ? `${m}m ${pad(s % 60)}s` : `${s}s`;
}

/** An amount in the token's decimals and symbol; raw units when the token has no symbol. */
export function amount(v: bigint, t: TokenInfo): string {
  return t.symbol ? `${formatUnits(v, t.decimals).replace(/\.0$/, "")} ${t.symbol}` : `${v} units`;
}

function at(t: ChainTime): string {
  return `at block ${t.block} (chain time ${iso(t.timestamp)})`;
}

/** A pending claim's window: time left and when it becomes final, or why not yet. */
export function claimWindow(c: ClaimRow, now: number): { left: string; finalAt: string } {
  if (c.openGames > 0)
    return { left: `disputed: ${c.openGames} open game${c.openGames > 1 ? "s" : ""}`, finalAt: "when its games end" };
  if (c.challengeDeadline > now)
    return { left: `${duration(c.challengeDeadline - now)} left`, finalAt: iso(c.challengeDeadline) };
  return { left: "closed", finalAt: `${iso(c.challengeDeadline)} (awaiting finalize)` };
}

export function formatClaims(t: ChainTime, claims: readonly ClaimRow[], token: TokenInfo): string {
  if (claims.length === 0) return `no pending claims ${at(t)}\n`;
  const rows = claims.map((c) => {
    const w = claimWindow(c, t.timestamp);
    return [
      `#${c.claimId}`,
      `#${c.requestId}`,
      c.modelName || c.modelId.slice(0, 10) + "…",
      c.operator,
      amount(c.bond, token),
      w.left,
      w.finalAt,
    ];
  });
  return [
    `${claims.length} pending claim${claims.length > 1 ? "s" : ""} ${at(t)}`,
    table([["claim", "request", "model", "operator", "bond", "window", "final at"], ...rows]),
    "",
  ].join("\n");
}

export function formatGames(t: ChainTime, games: readonly GameRow[]): string {
  if (games.length === 0) return `no open games ${at(t)}\n`;
  const lines = [`${games.length} open game${games.length > 1 ? "s" : ""} ${at(t)}`];
  for (const g of games) {
    lines.push(
      `game #${g.gameId} on claim #${g.claimId}: ${g.status}, round ${g.round}, steps [${g.lo}, ${g.hi}] of ${g.steps}`,
    );
    const party = (who: "claimer" | "challenger", address: string) => [
      who,
      address,
      `clock ${duration(g.clocks[who])} left`,
      g.mover === who ? "← to move" : "",
    ];
    lines.push(table([party("claimer", g.claimer), party("challenger", g.challenger)]));
  }
  return lines.join("\n") + "\n";
}

export function formatAccount(t: ChainTime, a: AccountView): string {
  const tok = a.token;
  const lines = [
    `account ${a.address} ${at(t)}`,
    table([
      ["ETH", `${formatEther(a.eth)} ETH`],
      [`token`, `${amount(tok.balance, tok)} (${tok.address})`],
      ...a.stakes.flatMap((s) => [
        [
          "stake",
          `bonded ${amount(s.bonded, tok)} (locked ${amount(s.locked, tok)}, free ${amount(s.free, tok)}) in staking contract ${s.contract}`,
        ],
        [
          "unbonding",
          s.unbonding === 0n
            ? "none"
            : `${amount(s.unbonding, tok)}, withdrawable from ${iso(s.readyAt)}${s.readyAt <= t.timestamp ? " (now: referee unstake --withdraw)" : ""}`,
        ],
        ...(s.slashedCredit > 0n ? [["slashed credit", amount(s.slashedCredit, tok)]] : []),
      ]),
      [
        "payouts",
        `coordinator ${amount(a.payouts.coordinator, tok)} (fees, refunds), dispute game ${amount(a.payouts.game, tok)} (bonds, rewards)${a.payouts.coordinator + a.payouts.game > 0n ? ": referee withdraw" : ""}`,
      ],
    ]),
    "",
  ];
  return lines.join("\n");
}
