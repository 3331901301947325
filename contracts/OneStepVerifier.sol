// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {Root, StateHash} from "./lib/Hashes.sol";
import {Kind} from "./lib/Isa.sol";
import {LibProofKind} from "./lib/LibProofKind.sol";

/// @title OneStepVerifier
/// @notice One micro-step of a Referee program, executed from a one-step proof (layout in
///         docs/PROTOCOL.md §6) exactly as `step` of node/vm/step.ts (§2.2), returning the
///         post-state hash. The step is checked whole by the prover of the instruction's kind
///         (ProverDot, ProverMap, ProverReduce, ProverMove), as Arbitrum's one-step provers are
///         split; this entry names them (kindVerifiers) and routes a proof to the one its kind
///         byte names. The dispute game reads the provers once and calls them directly.
/// @dev The provers are fixed at construction: no admin, no setter (PROTOCOL §7.7). The
///      executable TypeScript model is `verifyWitness` in node/commit/witness.ts.
contract OneStepVerifier is IOneStepVerifier {
    /// @notice A prover given to the constructor executes another kind than its place says.
    /// @param kind The kind of the constructor argument (Kind in contracts/lib/Isa.sol).
    /// @param prover The address given for it.
    /// @param provesKind The kind that prover reports.
    error OneStepVerifier_WrongProver(uint256 kind, address prover, uint256 provesKind);

    /// @notice The prover of Dot steps, fixed at construction.
    IOneStepProver public immutable PROVER_DOT;
    /// @notice The prover of Map steps, fixed at construction.
    IOneStepProver public immutable PROVER_MAP;
    /// @notice The prover of Reduce steps, fixed at construction.
    IOneStepProver public immutable PROVER_REDUCE;
    /// @notice The prover of Move steps, fixed at construction.
    IOneStepProver public immutable PROVER_MOVE;

    /// @notice Wires the per-kind provers for good; each must report its kind.
    /// @param _dot The ProverDot.
    /// @param _map The ProverMap.
    /// @param _reduce The ProverReduce.
    /// @param _move The ProverMove.
    constructor(IOneStepProver _dot, IOneStepProver _map, IOneStepProver _reduce, IOneStepProver _move) {
        _checkProver(Kind.DOT, _dot);
        _checkProver(Kind.MAP, _map);
        _checkProver(Kind.REDUCE, _reduce);
        _checkProver(Kind.MOVE, _move);
        PROVER_DOT = _dot;
        PROVER_MAP = _map;
        PROVER_REDUCE = _reduce;
        PROVER_MOVE = _move;
    }

    /// @inheritdoc IOneStepVerifier
    function kindVerifiers() public view returns (IOneStepVerifier[4] memory verifiers_) {
        // A prover's step has IOneStepVerifier.step's selector and meaning (IOneStepProver).
        verifiers_[0] = IOneStepVerifier(address(PROVER_DOT));
        verifiers_[1] = IOneStepVerifier(address(PROVER_MAP));
        verifiers_[2] = IOneStepVerifier(address(PROVER_REDUCE));
        verifiers_[3] = IOneStepVerifier(address(PROVER_MOVE));
    }

    /// @inheritdoc IOneStepVerifier
    /// @dev The prover's revert data is passed through unchanged.
    function step(
        Root _programRoot,
        StateHash _preStateHash,
        bytes calldata _proof
    ) external view returns (StateHash postStateHash_) {
        return kindVerifiers()[LibProofKind.placeOf(_proof)].step(_programRoot, _preStateHash, _proof);
    }

    /// @dev Reverts unless `_candidate` reports `_kind`.
    function _checkProver(uint256 _kind, IOneStepProver _candidate) private pure {
        uint256 proves = _candidate.kind();
        if (proves != _kind) revert OneStepVerifier_WrongProver(_kind, address(_candidate), proves);
    }
}
