// The explorer page: polls the server's JSON API (/api/state, /api/games/<id>) and renders
// requests, claims and games as tables, and the selected game's dissection as an SVG, one row
// per round narrowing toward the step proven on-chain. Plain DOM: text is set with
// textContent only, so nothing read from the chain is ever parsed as HTML.
/* global document, window, fetch, setTimeout, URLSearchParams, Node */
"use strict";

const SVG = "http://www.w3.org/2000/svg";
let selectedGame = null; // the game drawn; the newest one until a row is clicked
let pinned = false; // true once the user chose a game

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function short(address) {
  return address.slice(0, 6) + "…" + address.slice(-4);
}

function addr(address) {
  return el("span", { class: "addr", title: address }, short(address));
}

function status(name) {
  return el("span", { class: "status " + name }, name);
}

/** A decimal string of raw token units in the token's decimals and symbol. */
function amount(raw, token) {
  if (!token.symbol) return raw + " units";
  const d = token.decimals;
  const s = raw.padStart(d + 1, "0");
  const int = s.slice(0, s.length - d);
  const frac = s.slice(s.length - d).replace(/0+$/, "");
  return (frac ? int + "." + frac : int) + " " + token.symbol;
}

function iso(seconds) {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s % 60)}s` : m > 0 ? `${m}m ${pad(s % 60)}s` : `${s}s`;
}

function fill(section, rows) {
  const body = document.querySelector(`#${section} tbody`);
  body.replaceChildren(...rows);
  if (rows.length === 0) body.append(el("tr", {}, el("td", { colspan: "9" }, "none yet")));
}

function claimWindow(c, now) {
  if (c.status !== "Pending") return "—";
  if (c.openGames > 0) return `disputed (${c.openGames} open)`;
  if (c.challengeDeadline > now)
    return `${duration(c.challengeDeadline - now)} left, final at ${iso(c.challengeDeadline)}`;
  return `closed ${iso(c.challengeDeadline)}, awaiting finalize`;
}

function render(state) {
  const { chain, token } = state;
  document.getElementById("chain").textContent =
    `${chain.network} (chain ${chain.chainId}) · block ${chain.block} · chain time ${iso(chain.timestamp)}`;
  const now = chain.timestamp;
  fill(
    "requests",
    state.requests.map((r) =>
      el(
        "tr",
        { "data-request-id": r.requestId },
        el("td", {}, "#" + r.requestId),
        el("td", { title: r.modelId }, r.modelName || r.modelId.slice(0, 10) + "…"),
        el("td", {}, addr(r.requester)),
        el("td", {}, amount(r.fee, token)),
        el("td", {}, status(r.status)),
        el("td", {}, r.claimIds.map((id) => "#" + id).join(", ") || "—"),
        el("td", {}, iso(r.deadline)),
      ),
    ),
  );
  fill(
    "claims",
    state.claims.map((c) =>
      el(
        "tr",
        { "data-claim-id": c.claimId },
        el("td", {}, "#" + c.claimId),
        el("td", {}, "#" + c.requestId),
        el("td", {}, addr(c.operator)),
        el("td", {}, amount(c.bond, token)),
        el("td", {}, status(c.status)),
        el("td", {}, claimWindow(c, now)),
        el("td", {}, c.gameIds.map((id) => "#" + id).join(", ") || "—"),
      ),
    ),
  );
  if (!pinned) selectedGame = state.games.length > 0 ? state.games[0].gameId : null;
  fill(
    "games",
    state.games.map((g) => {
      const row = el(
        "tr",
        { "data-game-id": g.gameId, class: "selectable" + (g.gameId === selectedGame ? " selected" : "") },
        el("td", {}, "#" + g.gameId),
        el("td", {}, "#" + g.claimId),
        el("td", {}, addr(g.claimer)),
        el("td", {}, addr(g.challenger)),
        el("td", {}, status(g.status)),
        el("td", {}, String(g.round)),
        el("td", {}, `[${g.lo}, ${g.hi}]`),
        el("td", {}, g.mover || "—"),
        el("td", {}, g.mover ? `${duration(g.clocks.claimer)} / ${duration(g.clocks.challenger)}` : "—"),
      );
      row.addEventListener("click", () => {
        pinned = true;
        selectedGame = g.gameId;
        void poll(false);
      });
      return row;
    }),
  );
}

const ROW = 46;
const LEFT = 90;
const RIGHT = 20;
const WIDTH = 1000;

/** One row per dissection: the range [lo, hi] at full width, split at the claimer's points. */
function drawGame(h) {
  const g = h.game;
  const section = document.getElementById("game");
  section.hidden = false;
  section.dataset.gameId = g.gameId;
  section.dataset.rounds = String(h.rounds.length);
  section.dataset.winner = h.winner || "";
  section.dataset.provenStep = h.proven ? String(h.proven.step) : "";
  document.getElementById("game-title").textContent = `Game #${g.gameId} on claim #${g.claimId}`;
  const summary = h.winner
    ? `${h.winner === "challenger" ? "Challenger" : "Claimer"} won after ${h.rounds.length} rounds` +
      (h.proven ? `: step ${h.proven.step} proven on-chain.` : " (on time).")
    : `${g.status}: ${g.mover} to move; steps [${g.lo}, ${g.hi}] of ${g.steps} still disputed.`;
  document.getElementById("game-summary").textContent = summary;
  document
    .getElementById("game-parties")
    .replaceChildren(
      "claimer ",
      addr(g.claimer),
      " · challenger ",
      addr(g.challenger),
      ` · steps [0, ${g.steps}] dissected into ${h.degree} parts per round`,
    );

  const root = document.getElementById("dissection");
  const x0 = LEFT;
  const x1 = WIDTH - RIGHT;
  // While the last dissection awaits its choice, that row is the range now: no row below it.
  const choosing = h.rounds.length > 0 && h.rounds[h.rounds.length - 1].chosen === null;
  const rows = h.rounds.length + (h.proven || (!h.winner && !choosing) ? 1 : 0);
  root.setAttribute("viewBox", `0 0 ${WIDTH} ${rows * ROW + (h.winner ? 34 : 4)}`);
  const parts = [];
  const xOf = (r, p) => x0 + ((p - r.lo) / (r.hi - r.lo)) * (x1 - x0);
  h.rounds.forEach((r, i) => {
    const y = i * ROW + 14;
    parts.push(svg("text", { x: 0, y: y + 13 }, `round ${r.round + 1}`));
    parts.push(svg("rect", { class: "range", x: x0, y, width: x1 - x0, height: 18, "data-round": r.round }));
    if (r.chosen !== null) {
      const a = xOf(r, r.points[r.chosen]);
      const b = xOf(r, r.points[r.chosen + 1]);
      parts.push(svg("rect", { class: "chosen", x: a, y, width: Math.max(2, b - a), height: 18 }));
      // The chosen part becomes the next row's whole width.
      parts.push(
        svg("polygon", { class: "funnel", points: `${a},${y + 18} ${b},${y + 18} ${x1},${y + ROW} ${x0},${y + ROW}` }),
      );
    }
    for (const p of r.points) {
      const x = xOf(r, p);
      parts.push(svg("line", { class: "tick", x1: x, x2: x, y1: y - 3, y2: y + 21 }));
    }
    parts.push(svg("text", { x: x0, y: y + 32 }, String(r.lo)));
    parts.push(svg("text", { x: x1, y: y + 32, "text-anchor": "end" }, String(r.hi)));
  });
  // The last row: the step proven, or the range still disputed.
  const y = h.rounds.length * ROW + 14;
  if (h.proven) {
    parts.push(svg("text", { x: 0, y: y + 13 }, "one step"));
    parts.push(
      svg("rect", {
        class: "proven " + (h.winner || ""),
        id: "proven-step",
        "data-step": h.proven.step,
        x: x0,
        y,
        width: x1 - x0,
        height: 18,
      }),
    );
    parts.push(
      svg(
        "text",
        { x: (x0 + x1) / 2, y: y + 13, "text-anchor": "middle", fill: "#fff", style: "fill:#fff" },
        `step ${h.proven.step} → ${h.proven.step + 1} executed on-chain: ` +
          (h.proven.postStateHash === h.proven.claimedHash ? "matches the claimer" : "differs from the claimer"),
      ),
    );
  } else if (!h.winner && !choosing) {
    parts.push(svg("text", { x: 0, y: y + 13 }, "now"));
    parts.push(svg("rect", { class: "range", x: x0, y, width: x1 - x0, height: 18 }));
    parts.push(
      svg("text", { x: (x0 + x1) / 2, y: y + 13, "text-anchor": "middle" }, `[${g.lo}, ${g.hi}]: ${g.mover} to move`),
    );
  }
  if (h.winner)
    parts.push(
      svg(
        "text",
        { class: "winner", id: "winner", x: x0, y: h.proven ? y + 40 : y + 14 },
        `${h.winner === "challenger" ? "Challenger" : "Claimer"} won (${g.status})`,
      ),
    );
  root.replaceChildren(...parts);
}

async function getJson(path) {
  const res = await fetch(path, { cache: "no-store" });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || `${path}: HTTP ${res.status}`);
  return body;
}

let pollMs = 2000;

async function poll(again = true) {
  const error = document.getElementById("error");
  try {
    const state = await getJson("/api/state");
    pollMs = state.pollMs;
    render(state);
    if (selectedGame !== null) drawGame(await getJson(`/api/games/${selectedGame}`));
    error.hidden = true;
    document.body.dataset.block = String(state.chain.block);
  } catch (e) {
    error.hidden = false;
    error.textContent = String(e.message || e);
  }
  if (again) setTimeout(poll, pollMs);
}

const wanted = new URLSearchParams(window.location.search).get("game");
if (wanted) {
  selectedGame = wanted;
  pinned = true;
}
void poll();
