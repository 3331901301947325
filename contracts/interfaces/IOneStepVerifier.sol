// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Root, StateHash} from "../lib/Hashes.sol";

/// @title IOneStepVerifier
/// @notice Executes one micro-step of a Referee program on-chain (docs/PROTOCOL.md §2.2).
interface IOneStepVerifier {
    /// @notice The proof's pre-state parts do not hash to the pre-state hash (§3.4).
    error OneStepVerifier_BadPreState(StateHash preStateHash, StateHash computed);
    /// @notice The proof's program header does not hash to the program root (§3.3).
    error OneStepVerifier_BadProgramHeader(Root programRoot, Root computed);
    /// @notice The pc is not well formed (§2.4): outside the program or the instruction, or a
    ///         halted pc other than (#instructions, 0, 0).
    error OneStepVerifier_BadPc(uint32 instr, uint32 elem, uint32 k);
    /// @notice acc must be +0 whenever k = 0 (and in the halted state) (§2.4).
    error OneStepVerifier_NonCanonicalAcc(uint32 k, uint32 acc);
    /// @notice The instruction bytes with their path do not prove to the instruction tree
    ///         root at index `instr`.
    error OneStepVerifier_BadInstructionProof(uint32 instr, bytes32 computed);
    /// @notice The proven instruction's bytes are not a well-formed instruction (§3.3, §2.4)
    ///         for this step: unknown kind or space, inconsistent lengths, missing operand or
    ///         param, unknown op.
    error OneStepVerifier_BadInstruction(uint32 instr, uint256 reason);
    /// @notice A read that must be in range (a Map operand, a Dot bias) is not.
    error OneStepVerifier_ReadOutOfRange(uint32 instr, uint256 operand);
    /// @notice The next value witness is not the value the step needs.
    error OneStepVerifier_WrongValue(
        uint8 space,
        uint32 slot,
        uint256 addr,
        uint8 givenSpace,
        uint32 givenSlot,
        uint256 givenAddr
    );
    /// @notice The step reads or writes a slot the program header does not have.
    error OneStepVerifier_SlotOutOfRange(uint8 space, uint32 slot, uint256 slots);
    /// @notice A value's leaf with its leaf and slot paths does not prove to the pre-state's
    ///         space root (wrong value, wrong path, or a path of another leaf).
    error OneStepVerifier_BadLeafProof(uint8 space, uint32 slot, uint256 addr);
    /// @notice The proof carries another number of read witnesses than the step uses.
    error OneStepVerifier_BadReadCount(uint256 given, uint256 used);
    /// @notice The proof's write flag disagrees with the step (write steps only have one).
    error OneStepVerifier_BadWriteFlag(uint256 given, uint256 expected);
    /// @notice The proof is longer or shorter than its contents.
    error OneStepVerifier_BadProofLength(uint256 consumed, uint256 length);

    /// @notice The verifiers of each instruction kind's steps, in Kind order (Dot, Map, Reduce,
    ///         Move; contracts/lib/Isa.sol). Each has this `step`; a caller may send a proof
    ///         straight to the one of its instruction's kind byte (LibProofKind), saving the hop
    ///         through this contract (docs/PROTOCOL.md §6.2). Read once, at construction, by the
    ///         dispute game. A verifier that does not split by kind returns itself four times.
    /// @return verifiers The verifier of each kind.
    function kindVerifiers() external view returns (IOneStepVerifier[4] memory verifiers);

    /// @notice Computes the state after one step from a witnessed pre-state.
    /// @dev Reverts with a named custom error when the witness is inconsistent with
    ///      `preStateHash` or `programRoot` (wrong value, Merkle path, index, instruction or pc).
    /// @param programRoot The model's program root (docs/PROTOCOL.md §3.3).
    /// @param preStateHash The hash of the state before the step.
    /// @param proof The one-step proof: pre-state parts, program header, instruction with its
    ///        path, read values and the written leaf with their paths (docs/PROTOCOL.md §6).
    /// @return postStateHash The hash of the state after the step.
    function step(
        Root programRoot,
        StateHash preStateHash,
        bytes calldata proof
    ) external view returns (StateHash postStateHash);
}
