// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IOneStepVerifier
/// @notice Executes one micro-step of a Referee program on-chain (docs/PROTOCOL.md §2.2).
interface IOneStepVerifier {
    /// @notice Computes the state after one step from a witnessed pre-state.
    /// @dev Reverts with a named custom error when the witness is inconsistent with
    ///      `preStateHash` or `programRoot` (wrong value, Merkle path, index, instruction or pc).
    /// @param programRoot The model's program root (docs/PROTOCOL.md §3.3).
    /// @param preStateHash The hash of the state before the step.
    /// @param proof The witness: pre-state parts, instruction with its proof, read values
    ///        and the written leaf, each with Merkle proofs (layout in docs/PROTOCOL.md).
    /// @return postStateHash The hash of the state after the step.
    function step(bytes32 programRoot, bytes32 preStateHash, bytes calldata proof)
        external
        view
        returns (bytes32 postStateHash);
}
