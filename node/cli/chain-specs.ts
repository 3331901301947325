// Arguments and help of the chain commands (deploy, register, faucet, operator, challenger,
// request, status): pure data, like specs.ts, so help needs no chain libraries loaded.
import type { CommandSpec, OptionSpec } from "./args";
import { CHAIN_DETAILS_TEXT, CHAIN_OPTIONS_LIST } from "./chain-options";
import { AGENT_KIT_DETAILS, AGENT_KIT_OPTIONS, OPERATOR_KIT_OPTIONS } from "./agent-options";
import {
  INPUT_DETAILS,
  MODEL_ARG,
  OPT_DIST,
  OPT_INPUT,
  OPT_JSON,
  OPT_SEED,
  OPT_SHAPE,
  OPT_FIX,
  OPT_THREADS,
} from "./specs";

const OPT_JSON_LOG: OptionSpec = {
  name: "json",
  kind: "flag",
  help: "log one JSON object per line (fields: time, event, agent, …, message)",
};
const OPT_POLL: OptionSpec = {
  name: "poll",
  kind: "value",
  metavar: "ms",
  help: "pause between passes over the chain (default 1000)",
};
/** How amount options are written (parsed by node/chain/amounts.ts): in every amount command's help. */
const AMOUNTS_DETAILS = `amounts:
  A plain integer is in the token's base units (1500, or 1500units); a number with a
  decimal point or followed by the token's symbol is in whole tokens, scaled by the token's
  decimals(): 0.01, 2.5REFT, 1000 REFT (quoted, with the space). Amounts are exact (no
  rounding, no 2^53 limit) and printed as "1.5 REFT"; --json output gives base units as
  decimal strings. A token without decimals() takes and shows base units only.`;

const OPT_ONCE: OptionSpec = { name: "once", kind: "flag", help: "make one pass and exit (for cron jobs and scripts)" };

export const DEPLOY_SPEC: CommandSpec = {
  path: ["deploy"],
  summary: "Deploy the protocol contracts and write deployments/<network>.json.",
  positionals: [],
  options: [
    ...CHAIN_OPTIONS_LIST,
    { name: "degree", kind: "value", metavar: "k", help: "dissection degree: k sub-ranges per round (default 8)" },
    { name: "challenge-window", kind: "value", metavar: "s", help: "seconds a claim can be challenged (default 600)" },
    { name: "clock", kind: "value", metavar: "s", help: "each party's chess clock in a game, seconds (default 3600)" },
    {
      name: "claim-bond",
      kind: "value",
      metavar: "amount",
      help: "stake locked per claim (default 1000 base units; see amounts)",
    },
    {
      name: "challenger-bond",
      kind: "value",
      metavar: "amount",
      help: "bond posted to open a game (default 400 base units; see amounts)",
    },
    {
      name: "token",
      kind: "value",
      metavar: "address",
      help: "use this ERC20 for fees, stakes and bonds (default: deploy a mintable TestToken)",
    },
    {
      name: "treasury",
      kind: "value",
      metavar: "address",
      help: "receives the protocol's share of slashed bonds (default: the deployer)",
    },
    OPT_JSON,
  ],
  details: `${AMOUNTS_DETAILS}

${CHAIN_DETAILS_TEXT}`,
};

export const REGISTER_SPEC: CommandSpec = {
  path: ["register"],
  summary: "Register an ONNX model in the deployment's registry (its id is the node's commitment).",
  positionals: [MODEL_ARG],
  options: [
    OPT_SHAPE,
    OPT_FIX,
    { name: "name", kind: "value", metavar: "text", help: "display name (default: the file name)" },
    { name: "uri", kind: "value", metavar: "uri", help: "where the model file can be fetched (default: file:<name>)" },
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON,
  ],
  details: CHAIN_DETAILS_TEXT,
};

export const FAUCET_SPEC: CommandSpec = {
  path: ["faucet"],
  summary: "Mint test tokens (deployments with the TestToken only).",
  positionals: [],
  options: [
    {
      name: "amount",
      kind: "value",
      metavar: "amount",
      help: "tokens to mint (default 1000000 base units; see amounts)",
    },
    { name: "to", kind: "value", metavar: "address", help: "recipient (default: this account)" },
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON,
  ],
  details: `${AMOUNTS_DETAILS}

${CHAIN_DETAILS_TEXT}`,
};

export const OPERATOR_SPEC: CommandSpec = {
  path: ["operator"],
  summary: "Serve a model: stake, claim open requests, defend games, finalize, withdraw fees.",
  positionals: [MODEL_ARG],
  options: [
    OPT_SHAPE,
    OPT_FIX,
    { name: "stake-claims", kind: "value", metavar: "n", help: "keep enough stake for n open claims (default 3)" },
    {
      name: "min-fee-per-gas",
      kind: "value",
      metavar: "units",
      help: "decline requests whose fee is below (claim + finalize gas, callback limit included) × units (token units per gas, decimals allowed; default: serve all)",
    },
    {
      name: "cheat-at",
      kind: "value",
      metavar: "step",
      help: "DEMOS AND TESTS: corrupt every run from this step on (and claim 1.0 as the first output)",
    },
    {
      name: "cheat-rate",
      kind: "value",
      metavar: "p",
      help: "LOAD TESTS: corrupt about this fraction of runs (0..1), each from a random step (and claim 1.0)",
    },
    {
      name: "cheat-seed",
      kind: "value",
      metavar: "n",
      help: "LOAD TESTS: seed of --cheat-rate's choice of requests and steps (default 1)",
    },
    OPT_THREADS,
    OPT_POLL,
    OPT_ONCE,
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON_LOG,
    ...AGENT_KIT_OPTIONS,
    ...OPERATOR_KIT_OPTIONS,
  ],
  details: `Each pass: serve every open request for the model (run; commit to the output, then
reveal it in a later block), make the next move in every game against our claims (first
reveal the run's halted state, built only then), finalize claims whose window closed,
withdraw what is owed. Requests whose input holds a NaN are declined.
With --min-fee-per-gas, a request whose escrowed fee does not pay for the gas of claiming and
finalizing it at that price (the callback's whole gas limit counted) is declined, logged once
(event "unprofitable").
State comes from the chain each pass: a restarted operator carries on where it stopped.

${CHAIN_DETAILS_TEXT}

${AGENT_KIT_DETAILS}`,
};

export const CHALLENGER_SPEC: CommandSpec = {
  path: ["challenger"],
  summary: "Watch claims on a model, re-execute them, dispute wrong ones, withdraw rewards.",
  positionals: [MODEL_ARG],
  options: [
    OPT_SHAPE,
    OPT_FIX,
    OPT_THREADS,
    OPT_POLL,
    OPT_ONCE,
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON_LOG,
    ...AGENT_KIT_OPTIONS,
  ],
  details: `Each pass: re-execute every new pending claim on the model; on output bytes that differ
from ours, open a game (posting the challenger bond and the request's input), commit to our
run while the claimer reveals its halted state, and play it: choose the first sub-range the
claimer got wrong, then prove the one step on-chain. Bonds and rewards are withdrawn
when credited. State comes from the chain: a restarted challenger resumes its games.

${CHAIN_DETAILS_TEXT}

${AGENT_KIT_DETAILS}`,
};

export const REQUEST_SPEC: CommandSpec = {
  path: ["request"],
  summary: "Request an inference: pay the fee, send the input; --wait for the verified output.",
  positionals: [MODEL_ARG],
  options: [
    OPT_INPUT,
    OPT_SEED,
    OPT_DIST,
    OPT_SHAPE,
    OPT_FIX,
    {
      name: "fee",
      kind: "value",
      metavar: "amount",
      help: "fee offered, e.g. 0.01 (tokens) or 1500 (base units) (default: the coordinator's quote)",
    },
    {
      name: "ttl",
      kind: "value",
      metavar: "s",
      help: "claims accepted for s seconds from now (the later of the wall clock and the latest block), then the fee can be refunded (default 3600)",
    },
    {
      name: "consumer",
      kind: "value",
      metavar: "address",
      help: "contract called back with the output (IInferenceConsumer; default none)",
    },
    {
      name: "callback-gas",
      kind: "value",
      metavar: "n",
      help: "gas for the consumer's callback (default 200000 with --consumer, else 0)",
    },
    {
      name: "wait",
      kind: "flag",
      help: "wait until the request is final and print the output (with --json: a 'sent' line, then a 'final' line)",
    },
    { name: "timeout", kind: "value", metavar: "s", help: "with --wait: give up after s seconds (default 3600)" },
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON,
  ],
  details: `${INPUT_DETAILS}

${AMOUNTS_DETAILS}

${CHAIN_DETAILS_TEXT}`,
};

export const STATUS_SPEC: CommandSpec = {
  path: ["status"],
  summary: "A request's status: its claim, any dispute games, and the output once final.",
  positionals: [{ name: "requestId", help: "the request's id (printed by referee request)" }],
  options: [...CHAIN_OPTIONS_LIST, OPT_JSON],
  details: CHAIN_DETAILS_TEXT,
};

export const UNSTAKE_SPEC: CommandSpec = {
  path: ["unstake"],
  summary: "Operators leaving: start unbonding free stake, or withdraw stake whose delay has passed.",
  positionals: [],
  options: [
    {
      name: "amount",
      kind: "value",
      metavar: "amount",
      help: "start unbonding this much of the free stake (default: all of it; see amounts)",
    },
    { name: "withdraw", kind: "flag", help: "instead, pay out the unbonding stake (after the unbonding delay)" },
    ...CHAIN_OPTIONS_LIST,
    OPT_JSON,
  ],
  details: `Only free stake unbonds: stake locked behind pending claims stays until they finalize, so
stop the operator and let its claims finalize first. Unbonding stake backs no claim and is
paid out by --withdraw once the deployment's unbonding delay has passed.

${AMOUNTS_DETAILS}

${CHAIN_DETAILS_TEXT}`,
};

const REQUEST_ID_ARG = { name: "requestId", help: "the request's id (printed by referee request)" };

export const REFUND_SPEC: CommandSpec = {
  path: ["refund"],
  summary: "Refund the fee of an open request whose deadline passed with no claim standing, and withdraw it.",
  positionals: [REQUEST_ID_ARG],
  options: [...CHAIN_OPTIONS_LIST, OPT_JSON],
  details: CHAIN_DETAILS_TEXT,
};

export const RETRY_CALLBACK_SPEC: CommandSpec = {
  path: ["retry-callback"],
  summary: "Deliver a final request's output to its consumer contract again after a failed callback.",
  positionals: [REQUEST_ID_ARG],
  options: [...CHAIN_OPTIONS_LIST, OPT_JSON],
  details: CHAIN_DETAILS_TEXT,
};

export const WITHDRAW_SPEC: CommandSpec = {
  path: ["withdraw"],
  summary:
    "Withdraw everything credited to this account: fees and refunds (coordinator), bonds and rewards (dispute game).",
  positionals: [],
  options: [...CHAIN_OPTIONS_LIST, OPT_JSON],
  details: `Stake is not included: see referee unstake.

${CHAIN_DETAILS_TEXT}`,
};

// The watching tools: read-only, so no signing key (account takes --account only to name
// whose balances to show).
const READ_OPTIONS_LIST = CHAIN_OPTIONS_LIST.filter((o) => o.name !== "account");
const READ_DETAILS_TEXT = `Read-only: no key needed. Which requests, claims and games exist comes from the
deployment's event logs since its first block; their state from view calls at the
latest block, whose timestamp (the chain's clock) decides windows and clocks.

deployments:
  \`referee deploy\` writes deployments/<network>.json; the other commands read it.`;

export const CLAIMS_SPEC: CommandSpec = {
  path: ["claims"],
  summary: "Pending claims: request, model, operator, bond, challenge window left and when final.",
  positionals: [],
  options: [...READ_OPTIONS_LIST, OPT_JSON],
  details: READ_DETAILS_TEXT,
};

export const GAMES_SPEC: CommandSpec = {
  path: ["games"],
  summary: "Open dispute games: claim, parties, round, range, whose move, each clock's seconds left.",
  positionals: [],
  options: [...READ_OPTIONS_LIST, OPT_JSON],
  details: READ_DETAILS_TEXT,
};

export const ACCOUNT_SPEC: CommandSpec = {
  path: ["account"],
  summary: "An account's ETH and token balances, stake, and payouts waiting to be withdrawn.",
  positionals: [
    {
      name: "address",
      help: "the account (default: this account: $REFEREE_PRIVATE_KEY, or --account i on a dev chain)",
      optional: true,
    },
  ],
  options: [...CHAIN_OPTIONS_LIST, OPT_JSON],
  details: `Payouts are pull payments: withdraw them with referee withdraw (coordinator: fees,
refunds; dispute game: bonds, rewards); unbonding stake with referee unstake --withdraw.

${READ_DETAILS_TEXT}`,
};

export const EXPLORER_SPEC: CommandSpec = {
  path: ["explorer"],
  summary: "A local web page of requests, claims and games, live from the chain; games drawn round by round.",
  positionals: [],
  options: [
    { name: "port", kind: "value", metavar: "p", help: "listen on 127.0.0.1:p (default 8580; 0 picks a free port)" },
    { name: "poll", kind: "value", metavar: "ms", help: "how often the page refreshes (default 2000)" },
    ...READ_OPTIONS_LIST,
  ],
  details: `Serves one page and a JSON API (/api/state, /api/requests, /api/claims, /api/games,
/api/games/<id>) until interrupted (Ctrl-C). A game's view draws its dissection: one row per
round, the disputed step range [lo, hi] split at the claimer's points, the sub-range the
challenger chose highlighted, down to the one step proven on-chain and the winner.

${READ_DETAILS_TEXT}`,
};
