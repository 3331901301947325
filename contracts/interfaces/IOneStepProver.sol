// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StateHash} from "../lib/Hashes.sol";

/// @title IOneStepProver
/// @notice The per-kind half of a one-step proof (docs/PROTOCOL.md §6.2, steps 3–6): one
///         contract per instruction kind executes the step of an instruction OneStepVerifier
///         has already proven. Split from the verifier so that each contract stays well under
///         the 24,576-byte code limit, as Arbitrum's one-step provers are split.
/// @dev A prover trusts its caller for §6.2 steps 1–3 (state hash, program header, pc.instr,
///      the instruction path); it is pure, so calling it directly proves nothing. Its
///      reverts are the errors of IOneStepVerifier, bubbled up by the verifier unchanged.
interface IOneStepProver {
    /// @notice The proven instruction is of another kind than this prover executes.
    /// @param expected The kind this prover executes (Kind in contracts/lib/Isa.sol).
    /// @param given The instruction's kind.
    error OneStepProver_WrongKind(uint256 expected, uint256 given);

    /// @notice The instruction kind this prover executes.
    /// @return The Kind constant (contracts/lib/Isa.sol).
    function kind() external pure returns (uint256);

    /// @notice The post-state hash of the step of `proof`, whose pre-state, header and
    ///         instruction path the caller has checked.
    /// @param proof The whole one-step proof (§6.1).
    /// @param body Offset in `proof` of `u8 #reads`, just past the instruction path.
    /// @return postStateHash The hash of the state after the step.
    function prove(bytes calldata proof, uint256 body) external pure returns (StateHash postStateHash);
}
