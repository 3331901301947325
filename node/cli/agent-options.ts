// The operator and challenger kit's options (keys, models, fees, metrics, stake policy) and
// their help: pure data, like chain-specs.ts, so --help loads no chain libraries.
import type { OptionSpec } from "./args";

/** Options both agents take. */
export const AGENT_KIT_OPTIONS: OptionSpec[] = [
  {
    name: "model",
    kind: "list",
    metavar: "file.onnx",
    help: "serve this model too, from the same account (repeatable; compiled without --shape/--fix)",
  },
  {
    name: "keystore",
    kind: "value",
    metavar: "file",
    help: "sign with this encrypted JSON keystore instead of $REFEREE_PRIVATE_KEY (password: $REFEREE_KEYSTORE_PASSWORD or --keystore-password-file)",
  },
  {
    name: "keystore-password-file",
    kind: "value",
    metavar: "file",
    help: "read the keystore's password from this file (one line)",
  },
  {
    name: "max-fee-gwei",
    kind: "value",
    metavar: "g",
    help: "never offer more than g gwei per gas: a stuck transaction is re-sent with bumped fees up to this cap (default: no cap)",
  },
  {
    name: "resubmit-after",
    kind: "value",
    metavar: "s",
    help: "re-send a transaction not mined after s seconds, same nonce, fees +10% at least (default 48)",
  },
  {
    name: "tx-timeout",
    kind: "value",
    metavar: "s",
    help: "give up on a transaction (and its replacements) after s seconds (default 120)",
  },
  {
    name: "metrics-port",
    kind: "value",
    metavar: "p",
    help: "serve Prometheus metrics on http://0.0.0.0:p/metrics (0: any free port, named in the start line)",
  },
];

/** Options only the operator takes. */
export const OPERATOR_KIT_OPTIONS: OptionSpec[] = [
  {
    name: "min-fee",
    kind: "value",
    metavar: "n",
    help: "ignore requests whose fee is below the amount n (an integer: base units; 0.5 or 2REFT: tokens; logged once per request)",
  },
  {
    name: "on-slash",
    kind: "value",
    metavar: "stop|topup",
    help: "after a claim of ours is slashed: stop serving new requests (games still defended), or top the stake up again (default topup)",
  },
  {
    name: "topup-cap",
    kind: "value",
    metavar: "n",
    help: "with --on-slash topup: top-ups after the first stake add at most the amount n in all (as --min-fee), then the operator stops serving (default: no cap)",
  },
];

export const AGENT_KIT_DETAILS = `keys:
  --keystore file signs with an encrypted JSON keystore (geth/ethers format, e.g. made by
  ethers' Wallet.encrypt or \`cast wallet new\`); its password comes from
  REFEREE_KEYSTORE_PASSWORD or --keystore-password-file.

fees:
  Transactions use the node's suggested fees. One not mined within --resubmit-after seconds is
  sent again with the same nonce and both fees raised by 10% at least (or to what the node
  then suggests); --max-fee-gwei caps every offer: a bump past it fails with an error naming it.

metrics (--metrics-port):
  referee_claims_{made,finalized,slashed}_total, referee_games_{opened,won,lost}_total,
  referee_games_open, referee_game_clock_seconds_left{game,side}, referee_stake_bonded,
  referee_token_balance, referee_eth_balance_wei, referee_tx_replaced_total,
  referee_pass_failures_total, referee_rpc_errors_total. See docs/OPERATING.md.`;
