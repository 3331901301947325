// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {Root, StateHash} from "../lib/Hashes.sol";
import {LibProofKind} from "../lib/LibProofKind.sol";

/// @title VerifierStepper
/// @notice Test and gas harness: a one-step proof sent as a transaction, the way a dispute
///         game submits it (calldata included: straight to the verifier of the proof's kind,
///         read from the verifier at construction, as DisputeGame does), with the post-state
///         hash emitted.
contract VerifierStepper {
    /// @notice A one-step proof was checked; `postStateHash` is the state after the step.
    event Stepped(bytes32 indexed preStateHash, bytes32 postStateHash);

    IOneStepVerifier public immutable VERIFIER;
    IOneStepVerifier private immutable _VERIFIER_DOT;
    IOneStepVerifier private immutable _VERIFIER_MAP;
    IOneStepVerifier private immutable _VERIFIER_REDUCE;
    IOneStepVerifier private immutable _VERIFIER_MOVE;

    constructor(IOneStepVerifier _verifier) {
        VERIFIER = _verifier;
        IOneStepVerifier[4] memory byKind = _verifier.kindVerifiers();
        _VERIFIER_DOT = byKind[0];
        _VERIFIER_MAP = byKind[1];
        _VERIFIER_REDUCE = byKind[2];
        _VERIFIER_MOVE = byKind[3];
    }

    /// @notice Runs the verifier on a proof and emits the post-state hash.
    function prove(
        bytes32 _programRoot,
        bytes32 _preStateHash,
        bytes calldata _proof
    ) external returns (bytes32 post_) {
        post_ = StateHash.unwrap(
            _verifierOf(_proof).step(Root.wrap(_programRoot), StateHash.wrap(_preStateHash), _proof)
        );
        emit Stepped(_preStateHash, post_);
    }

    /// @dev As DisputeGame._verifierOf: the same choice (LibProofKind.verifierOf).
    function _verifierOf(bytes calldata _proof) private view returns (IOneStepVerifier) {
        return LibProofKind.verifierOf(_proof, _VERIFIER_DOT, _VERIFIER_MAP, _VERIFIER_REDUCE, _VERIFIER_MOVE);
    }
}
