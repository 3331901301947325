// The responder (node/agents/responder.ts) on its own: the solver's actions, played from the
// toy traces (which implement the agents' GameTrace like the real Run does), become
// DisputeGame transactions, with no Agent around them. The AlphabetVerifier judges the step.
import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { GameTrace, Responder } from "../node/agents/responder";
import { GameState, Role, isLive, nextMove } from "../node/agents/solver";
import { LogFields } from "../node/agents/log";
import { initHasher } from "../node/commit";
import {
  GameStatus,
  Protocol,
  deployProtocol,
  makeClaim,
  makeRequest,
  openGame,
  registerScenario,
  stakeAll,
} from "./helpers/protocol-fixture";
import { ToyModel } from "./helpers/toy-trace";

function responderFor(p: Protocol, who: HardhatEthersSigner, events: LogFields[]): Responder {
  return new Responder({
    name: who.address.slice(0, 8),
    game: p.game.connect(who),
    send: async (populate) => (await (await who.sendTransaction(await populate())).wait())?.gasUsed ?? 0n,
    latest: (query) => ethers.provider.getBlockNumber().then((b) => query(0, b)),
    log: (_message, fields = {}) => void events.push(fields),
  });
}

/** The game as the solver reads it (what Agent.readGame does, without clocks). */
async function gameState(p: Protocol, gameId: bigint): Promise<{ state: GameState; round: number }> {
  const g = await p.game.getGame(gameId);
  const live = isLive(g.status);
  const points = live ? (await p.game.splitPoints(gameId)).map(Number) : [];
  let hashes: string[] = [];
  if (g.status === GameStatus.AwaitingChoice) {
    const ev = await p.game.queryFilter(p.game.filters.Dissected(gameId));
    hashes = [...ev[ev.length - 1].args.hashes];
  }
  return {
    state: { status: g.status, lo: Number(g.lo), hi: Number(g.hi), hiHash: g.hiHash, points, hashes },
    round: Number(g.round),
  };
}

describe("agents: the responder turns the solver's actions into transactions (toy traces)", function () {
  this.timeout(120_000);
  before(async () => {
    await initHasher();
  });

  it("a liar's claim is revealed, dissected, chosen down to one step and refuted by the honest trace's proof", async () => {
    const s = new ToyModel({ steps: 1000, seed: 5 }).scenario(2);
    const p = await deployProtocol({ degree: 8 });
    await registerScenario(p, s);
    await stakeAll(p);
    const [claimer] = p.actors.operators;
    const [challenger] = p.actors.challengers;
    const liar = s.lie("intermediate");
    const gameId = await openGame(p, challenger, await makeClaim(p, claimer, await makeRequest(p, s), liar));
    const events: LogFields[] = [];
    const players: Record<Role, { responder: Responder; trace: GameTrace }> = {
      claimer: { responder: responderFor(p, claimer, events), trace: liar },
      challenger: { responder: responderFor(p, challenger, events), trace: s.honest },
    };
    for (let moves = 0; moves < 100; moves++) {
      const { state, round } = await gameState(p, gameId);
      const acted = (["claimer", "challenger"] as const).map((role) => {
        const action = nextMove(role, state, players[role].trace);
        return { role, action };
      });
      if (acted.every((a) => a.action.kind === "done")) break;
      for (const { role, action } of acted) {
        if (action.kind === "wait" || action.kind === "done") continue;
        await players[role].responder.respond(
          { gameId, action, state, round: round + 1, answerMs: 0 },
          players[role].trace,
        );
      }
    }
    expect((await p.game.getGame(gameId)).status).to.equal(GameStatus.ChallengerWon);
    const kinds = events.map((e) => e.event);
    const rounds = kinds.filter((k) => k === "dissected").length;
    // 1000 steps at degree 8: sub-ranges of 125, then 15 or 16, then 1 or 2: three or four rounds.
    expect(rounds).to.be.oneOf([3, 4]);
    expect(rounds).to.equal(Number((await p.game.getGame(gameId)).round));
    // The game opened awaiting the claimer's halted state: revealed first, then dissected.
    expect(kinds).to.deep.equal([
      "revealed",
      ...Array.from({ length: rounds }, () => ["dissected", "chose"]).flat(),
      "stepped",
    ]);
    expect(events[0].finalStateHash).to.equal(liar.claim.finalStateHash);
    const stepped = events[events.length - 1];
    expect(stepped.claimedHash).to.not.equal(stepped.postStateHash);
    for (const e of events) expect(Number(e.gas)).to.be.greaterThan(21_000);
  });

  it("waiting and finished games send nothing", async () => {
    const p = await deployProtocol();
    const events: LogFields[] = [];
    const r = responderFor(p, p.actors.challengers[0], events);
    const s = new ToyModel({ steps: 10 }).scenario(1);
    const state: GameState = {
      status: GameStatus.AwaitingDissection,
      lo: 0,
      hi: 10,
      hiHash: s.honest.stateAt(10),
      points: [0, 10],
      hashes: [],
    };
    const before = await ethers.provider.getBlockNumber();
    await r.respond({ gameId: 1n, action: { kind: "wait" }, state, round: 1, answerMs: 0 }, s.honest);
    await r.respond({ gameId: 1n, action: { kind: "done" }, state, round: 1, answerMs: 0 }, s.honest);
    expect(await ethers.provider.getBlockNumber()).to.equal(before);
    expect(events).to.deep.equal([]);
  });
});
