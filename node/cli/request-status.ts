// A request as the chain records it: status, every claim made on it (a rejected claim
// reopens the request), the games against each claim, and the output values once final.
import { ZeroHash } from "ethers";
import { type TokenInfo, formatAmount } from "../chain/amounts";
import { claimedOutputOf } from "../chain/claims";
import type { Deployment } from "../chain/deploy";
import { f32Values } from "../chain/encoding";
import { logsSince } from "../chain/logs";
import { CallbackStatus, ClaimStatus, GameStatus, RequestStatus, statusName } from "../chain/status";

export interface GameView {
  gameId: string;
  challenger: string;
  status: string;
  rounds: number;
  range: [number, number];
}

export interface ClaimView {
  claimId: string;
  operator: string;
  status: string;
  /** keccak256 of the claimed output bytes (the bytes are in the Claimed event). */
  outputHash: string;
  /** The halted state's hash, once the claimer revealed it in a game; null before. */
  finalStateHash: string | null;
  challengeDeadline: number;
  games: GameView[];
}

export interface RequestView {
  requestId: string;
  status: string;
  modelId: string;
  modelName: string;
  requester: string;
  fee: string;
  deadline: number;
  callback: string;
  claims: ClaimView[];
  /** Per output tensor, its values (binary32), once the request is final. */
  outputs: number[][] | null;
}

/** Big-endian binary32 values (§5.2), split by the outputs' value counts. */
export function decodeOutputs(output: string, counts: readonly number[]): number[][] {
  const values = f32Values(output);
  let o = 0;
  return counts.map((n) => {
    if (o + n > values.length) throw new RangeError(`decodeOutputs: ${values.length} values, expected more`);
    return Array.from(values.subarray(o, (o += n)));
  });
}

export async function requestView(d: Deployment, requestId: bigint): Promise<RequestView | null> {
  if (requestId < 1n || requestId > (await d.coordinator.requestCount())) return null;
  const r = await d.coordinator.getRequest(requestId);
  const [modelName] = await d.registry.metadata(r.modelId);
  const claims: ClaimView[] = [];
  const provider = d.coordinator.runner!.provider!;
  for (const e of await logsSince(
    provider,
    (a, b) => d.coordinator.queryFilter(d.coordinator.filters.Claimed(requestId), a, b),
    d.fromBlock,
  )) {
    const claimId = e.args.claimId;
    const c = await d.coordinator.getClaim(claimId);
    const games: GameView[] = [];
    for (const g of await logsSince(
      provider,
      (a, b) => d.game.queryFilter(d.game.filters.GameCreated(undefined, claimId), a, b),
      d.fromBlock,
    )) {
      const game = await d.game.getGame(g.args.gameId);
      games.push({
        gameId: String(g.args.gameId),
        challenger: game.challenger,
        status: statusName(GameStatus, game.status),
        rounds: Number(game.round),
        range: [Number(game.lo), Number(game.hi)],
      });
    }
    claims.push({
      claimId: String(claimId),
      operator: c.operator,
      status: statusName(ClaimStatus, c.status),
      outputHash: c.outputHash,
      finalStateHash: c.finalStateHash === ZeroHash ? null : c.finalStateHash,
      challengeDeadline: Number(c.challengeDeadline),
      games,
    });
  }
  let outputs: number[][] | null = null;
  if (r.status === RequestStatus.Finalized) {
    const [, , slots] = await d.registry.claimSpec(r.modelId);
    outputs = decodeOutputs(
      await claimedOutputOf(d, provider, r.claimId),
      slots.map((s) => Number(s.valueCount)),
    );
  }
  return {
    requestId: String(requestId),
    status: statusName(RequestStatus, r.status),
    modelId: r.modelId,
    modelName,
    requester: r.requester,
    fee: String(r.fee),
    deadline: Number(r.deadline),
    callback: statusName(CallbackStatus, r.callbackStatus),
    claims,
    outputs,
  };
}

const FIRST = 8;

/** The view for people; with the deployment's token, the fee in tokens ("0.5 REFT"), else in base units. */
export function formatRequestView(v: RequestView, token?: TokenInfo): string {
  const fee = token ? formatAmount(BigInt(v.fee), token) : v.fee;
  const lines = [
    `request #${v.requestId}: ${v.status}`,
    `  model      ${v.modelName || "(unnamed)"} ${v.modelId}`,
    `  requester  ${v.requester}, fee ${fee}, claims accepted until ${new Date(v.deadline * 1000).toISOString()}`,
    `  callback   ${v.callback}`,
  ];
  for (const c of v.claims) {
    lines.push(
      `  claim #${c.claimId} by ${c.operator}: ${c.status} (output hash ${c.outputHash.slice(0, 10)}…, ${c.finalStateHash === null ? "halted state not revealed" : `final state ${c.finalStateHash.slice(0, 10)}…`}, window until ${new Date(c.challengeDeadline * 1000).toISOString()})`,
    );
    for (const g of c.games)
      lines.push(
        `    game #${g.gameId} by ${g.challenger}: ${g.status}, ${g.rounds} rounds, range [${g.range[0]}, ${g.range[1]}]`,
      );
  }
  if (v.outputs) {
    v.outputs.forEach((vals, i) => {
      const shown = vals
        .slice(0, FIRST)
        .map((x) => Number(x.toPrecision(7)))
        .join(", ");
      lines.push(`  output ${i}   [${shown}${vals.length > FIRST ? `, … (${vals.length} values)` : ""}]`);
    });
  }
  return lines.join("\n") + "\n";
}
