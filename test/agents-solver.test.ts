// The pure dispute solver (node/agents/solver.ts), without a chain: a toy trace whose state
// at step s is a string, a liar that diverges from some step on, and a simulated game.
import { expect } from "chai";
import { GameStatus } from "../node/chain/status";
import { GameState, Trace, claimerToMove, disputedIndex, isLive, nextMove } from "../node/agents/solver";

const honest: Trace = { stateAt: (s) => `0x${s.toString(16).padStart(8, "0")}` };
const liarFrom = (bad: number): Trace => ({ stateAt: (s) => (s >= bad ? `0xbad${s}` : honest.stateAt(s)) });

/** LibDissection's split points for [lo, hi] at degree k, as DisputeGame computes them. */
function points(lo: number, hi: number, k: number): number[] {
  const parts = Math.min(k, hi - lo);
  return Array.from({ length: parts + 1 }, (_, i) => lo + Math.floor(((hi - lo) * i) / parts));
}

function game(status: bigint, lo: number, hi: number, hiHash: string, hashes: string[] = [], k = 8): GameState {
  return { status, lo, hi, hiHash, points: points(lo, hi, k), hashes };
}

/** Plays claimer (from `claimer`) against challenger (from `challenger`) to the step. */
function simulate(n: number, k: number, claimer: Trace, challenger: Trace): { lo: number; rounds: number } {
  let g = game(GameStatus.AwaitingDissection, 0, n, claimer.stateAt(n), [], k);
  let rounds = 0;
  for (;;) {
    const d = nextMove("claimer", g, claimer);
    if (d.kind !== "dissect") throw new Error(`claimer: ${d.kind}`);
    expect(d.hashes).to.have.length(g.points.length - 2);
    g = { ...g, status: GameStatus.AwaitingChoice, hashes: d.hashes };
    expect(nextMove("claimer", g, claimer).kind).to.equal("wait");
    const c = nextMove("challenger", g, challenger);
    if (c.kind !== "choose") throw new Error(`challenger: ${c.kind}`);
    const lo = g.points[c.index];
    const hi = g.points[c.index + 1];
    const hiHash = c.index === g.points.length - 2 ? g.hiHash : g.hashes[c.index];
    rounds++;
    if (hi - lo === 1) {
      g = { ...g, status: GameStatus.AwaitingStep, lo, hi, hiHash, hashes: [] };
      const s = nextMove("challenger", g, challenger);
      expect(s).to.deep.equal({ kind: "step", at: lo });
      return { lo, rounds };
    }
    g = game(GameStatus.AwaitingDissection, lo, hi, hiHash, [], k);
    expect(nextMove("challenger", g, challenger).kind).to.equal("wait");
  }
}

describe("agents: pure solver nextMove(game, trace)", () => {
  it("the claimer dissects with its trace's hashes at the inner split points", () => {
    const g = game(GameStatus.AwaitingDissection, 0, 100, honest.stateAt(100));
    expect(nextMove("claimer", g, honest)).to.deep.equal({
      kind: "dissect",
      hashes: g.points.slice(1, -1).map((p) => honest.stateAt(p)),
    });
  });

  it("the challenger names the first sub-range whose right end is wrong", () => {
    const liar = liarFrom(40);
    const pts = points(0, 100, 8);
    const hashes = pts.slice(1, -1).map((p) => liar.stateAt(p));
    const i = disputedIndex(pts, hashes, liar.stateAt(100), honest);
    expect(pts[i]).to.be.lessThan(40);
    expect(pts[i + 1]).to.be.at.least(40);
    expect(
      nextMove("challenger", game(GameStatus.AwaitingChoice, 0, 100, liar.stateAt(100), hashes), honest),
    ).to.deep.equal({ kind: "choose", index: i });
  });

  it("a lie only in the final state is disputed in the last sub-range", () => {
    const liar = liarFrom(100);
    const pts = points(0, 100, 8);
    expect(
      disputedIndex(
        pts,
        pts.slice(1, -1).map((p) => liar.stateAt(p)),
        liar.stateAt(100),
        honest,
      ),
    ).to.equal(pts.length - 2);
  });

  it("the challenger waits when the claimer agrees everywhere, and both stop on a resolved game", () => {
    const pts = points(0, 100, 8);
    const g = game(
      GameStatus.AwaitingChoice,
      0,
      100,
      honest.stateAt(100),
      pts.slice(1, -1).map((p) => honest.stateAt(p)),
    );
    expect(nextMove("challenger", g, honest).kind).to.equal("wait");
    for (const status of [GameStatus.ChallengerWon, GameStatus.ClaimerWon, GameStatus.Aborted, GameStatus.None])
      for (const role of ["claimer", "challenger"] as const)
        expect(nextMove(role, { ...g, status }, honest).kind).to.equal("done");
  });

  it("a game awaiting the reveal: the claimer reveals; the challenger waits, and resolves once the claimer's clock ran out", () => {
    const g = game(GameStatus.AwaitingReveal, 0, 100, "0x" + "00".repeat(32));
    expect(isLive(g.status)).to.equal(true);
    expect(claimerToMove(g.status)).to.equal(true);
    expect(nextMove("claimer", g, honest)).to.deep.equal({ kind: "reveal" });
    expect(
      nextMove("claimer", { ...g, moverSecondsLeft: 0 }, honest),
      "its own clock out: still its move",
    ).to.deep.equal({
      kind: "reveal",
    });
    expect(nextMove("challenger", { ...g, moverSecondsLeft: 5 }, honest).kind).to.equal("wait");
    expect(nextMove("challenger", { ...g, moverSecondsLeft: 0 }, honest)).to.deep.equal({ kind: "resolve" });
    // Another game rejected the claim meanwhile: aborted, not revealed.
    expect(nextMove("challenger", { ...g, claimSettled: true }, honest)).to.deep.equal({ kind: "resolve" });
    expect(nextMove("claimer", { ...g, claimSettled: true }, honest).kind).to.equal("wait");
  });

  it("live statuses are exactly the four awaiting ones; the claimer moves in AwaitingReveal and AwaitingDissection", () => {
    const live = Object.entries(GameStatus)
      .filter(([, v]) => isLive(v))
      .map(([k]) => k);
    expect(live.sort()).to.deep.equal(["AwaitingChoice", "AwaitingDissection", "AwaitingReveal", "AwaitingStep"]);
    const claimers = Object.entries(GameStatus)
      .filter(([, v]) => claimerToMove(v))
      .map(([k]) => k);
    expect(claimers.sort()).to.deep.equal(["AwaitingDissection", "AwaitingReveal"]);
  });

  it("the waiting party resolves once the mover's clock ran out, and only then", () => {
    const pts = points(0, 100, 8);
    const dissecting = game(GameStatus.AwaitingDissection, 0, 100, honest.stateAt(100));
    expect(nextMove("challenger", { ...dissecting, moverSecondsLeft: 0 }, honest)).to.deep.equal({ kind: "resolve" });
    expect(nextMove("challenger", { ...dissecting, moverSecondsLeft: 5 }, honest).kind).to.equal("wait");
    expect(nextMove("claimer", { ...dissecting, moverSecondsLeft: 0 }, honest).kind).to.equal("dissect");
    const choosing = game(
      GameStatus.AwaitingChoice,
      0,
      100,
      "0xbad",
      pts.slice(1, -1).map((p) => honest.stateAt(p)),
    );
    expect(nextMove("claimer", { ...choosing, moverSecondsLeft: 0 }, honest)).to.deep.equal({ kind: "resolve" });
    expect(
      nextMove("claimer", { ...game(GameStatus.AwaitingStep, 4, 5, "0xbad"), moverSecondsLeft: 0 }, honest),
    ).to.deep.equal({ kind: "resolve" });
    expect(nextMove("claimer", { ...choosing, moverSecondsLeft: 1 }, honest).kind).to.equal("wait");
  });

  it("a game whose claim another game rejected is aborted by the challenger at once, whoever is to move", () => {
    const pts = points(0, 100, 8);
    for (const g of [
      game(GameStatus.AwaitingDissection, 0, 100, "0xbad"),
      game(
        GameStatus.AwaitingChoice,
        0,
        100,
        "0xbad",
        pts.slice(1, -1).map((p) => honest.stateAt(p)),
      ),
      game(GameStatus.AwaitingStep, 4, 5, "0xbad"),
    ]) {
      expect(nextMove("challenger", { ...g, claimSettled: true, moverSecondsLeft: 100 }, honest)).to.deep.equal({
        kind: "resolve",
      });
      expect(nextMove("claimer", { ...g, claimSettled: true, moverSecondsLeft: 100 }, honest).kind).to.equal("wait");
    }
  });

  for (const [n, k, bad] of [
    [78_441, 8, 39_220],
    [78_441, 2, 1],
    [1_000_000, 8, 999_999],
    [1_000_000, 40, 123_457],
    [2, 2, 1],
  ] as const) {
    it(`played out (N = ${n}, k = ${k}, lie from step ${bad}): the step is the first wrong transition`, () => {
      const { lo, rounds } = simulate(n, k, liarFrom(bad), honest);
      expect(lo).to.equal(bad - 1);
      expect(rounds).to.be.at.most(Math.ceil(Math.log(n) / Math.log(k)) + 2);
    });
  }
});
