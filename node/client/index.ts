// The `referee` package's client: what a dApp imports to request verified inference of a
// registered model and read its result (docs/CLIENT.md).
export { RefereeClient } from "./client";
export type { ClientOptions, DeploymentAddresses, Quote, RequestOptions, SentRequest } from "./client";
export { encodeRequestInputs } from "./inputs";
export type { InputArray, RequestInputs } from "./inputs";
export { decodeOutputs } from "./outputs";
export type { OutputTensor } from "./outputs";
export type { ModelSpec, OutputSpec, ProgramInterface, SpecSource } from "./spec";
export type { CallbackState, ClaimState, ClaimView, RequestState, RequestView } from "./status";
export type { CallbackOutcome, ClaimSeen, VerifiedResult, WaitOptions } from "./wait";
export { RequestWaitError } from "./errors";
export type { WaitFailure } from "./errors";
export { RefereeError } from "../errors";
export { ChainError } from "../chain/errors";
export type { DeploymentRecord } from "../chain/deploy";
export type { InputSpec } from "../io/inputs";
