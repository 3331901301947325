// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Root, StateHash} from "../lib/Hashes.sol";

/// @title IOneStepProver
/// @notice A one-step verifier of one instruction kind (docs/PROTOCOL.md §6.2): it checks the
///         whole proof — pre-state, program header, pc, instruction path — and executes the step
///         of an instruction of its kind. One contract per kind, so that each stays well under
///         the 24,576-byte code limit, as Arbitrum's one-step provers are split. OneStepVerifier
///         routes to them by the instruction's kind byte; the dispute game calls them directly
///         (IOneStepVerifier.kindVerifiers), saving that hop.
/// @dev `step` has the selector and meaning of IOneStepVerifier.step; its reverts are the
///      errors of IOneStepVerifier.
interface IOneStepProver {
    /// @notice The proven instruction is of another kind than this prover executes.
    /// @param expected The kind this prover executes (Kind in contracts/lib/Isa.sol).
    /// @param given The instruction's kind.
    error OneStepProver_WrongKind(uint256 expected, uint256 given);

    /// @notice The instruction kind this prover executes.
    /// @return The Kind constant (contracts/lib/Isa.sol).
    function kind() external pure returns (uint256);

    /// @notice IOneStepVerifier.step, for a proof of an instruction of this prover's kind (or
    ///         of a halted state); reverts OneStepProver_WrongKind for another kind.
    /// @param programRoot The model's program root (docs/PROTOCOL.md §3.3).
    /// @param preStateHash The hash of the state before the step.
    /// @param proof The one-step proof (§6.1).
    /// @return postStateHash The hash of the state after the step.
    function step(
        Root programRoot,
        StateHash preStateHash,
        bytes calldata proof
    ) external pure returns (StateHash postStateHash);
}
