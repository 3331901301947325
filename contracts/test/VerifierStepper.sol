// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {Root, StateHash} from "../lib/Hashes.sol";

/// @title VerifierStepper
/// @notice Test and gas harness: a one-step proof sent as a transaction, the way a dispute
///         game submits it (calldata included), with the post-state hash emitted.
contract VerifierStepper {
    /// @notice A one-step proof was checked; `postStateHash` is the state after the step.
    event Stepped(bytes32 indexed preStateHash, bytes32 postStateHash);

    IOneStepVerifier public immutable VERIFIER;

    constructor(IOneStepVerifier _verifier) {
        VERIFIER = _verifier;
    }

    /// @notice Runs the verifier on a proof and emits the post-state hash.
    function prove(
        bytes32 _programRoot,
        bytes32 _preStateHash,
        bytes calldata _proof
    ) external returns (bytes32 post_) {
        post_ = StateHash.unwrap(VERIFIER.step(Root.wrap(_programRoot), StateHash.wrap(_preStateHash), _proof));
        emit Stepped(_preStateHash, post_);
    }
}
