// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {Root, StateHash} from "./lib/Hashes.sol";
import {Kind} from "./lib/Isa.sol";
import {LibCursor} from "./lib/LibCursor.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";
import {LibMerkle} from "./lib/LibMerkle.sol";
import {LibState} from "./lib/LibState.sol";

/// @title OneStepVerifier
/// @notice One micro-step of a Referee program, executed from a one-step proof (layout in
///         docs/PROTOCOL.md §6) exactly as `step` of node/vm/step.ts (§2.2), returning the
///         post-state hash. This entry does the part common to every kind — check the
///         pre-state and the program header against the given hashes, check the pc, prove
///         the instruction — then hands the proof to the prover of the instruction's kind
///         (ProverDot, ProverMap, ProverReduce, ProverMove), which runs the step. A halted
///         state is returned unchanged.
/// @dev The provers are fixed at construction: no admin, no setter (PROTOCOL §7.7). The
///      executable TypeScript model of the pair is `verifyWitness` in node/commit/witness.ts.
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
    function step(
        Root _programRoot,
        StateHash _preStateHash,
        bytes calldata _proof
    ) external view returns (StateHash postStateHash_) {
        uint256 start;
        assembly ("memory-safe") {
            start := _proof.offset
        }
        uint256 end = start + _proof.length;
        (LibState.State memory pre, uint256 instructions) = _open(_programRoot, _preStateHash, start, _proof.length);

        // INVARIANT: acc is +0 whenever k = 0 (§2.4).
        if (pre.k == 0 && pre.acc != 0) revert OneStepVerifier_NonCanonicalAcc(uint32(pre.k), uint32(pre.acc));
        uint256 p = start + LibState.STATE_BYTES + LibState.HEADER_BYTES;
        if (pre.instr == instructions) {
            // INVARIANT: the halted pc is exactly (#instructions, 0, 0).
            if (pre.elem != 0 || pre.k != 0)
                revert OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));
            // INVARIANT: a halted state's proof carries nothing more.
            if (p != end) revert OneStepVerifier_BadProofLength(p - start, _proof.length);
            // A halted state is a fixed point.
            return _preStateHash;
        }
        // INVARIANT: pc.instr names an instruction of the program.
        if (pre.instr > instructions) revert OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));

        uint256 kind;
        (kind, p) = _proveInstruction(start, p, pre.instr, instructions);
        return _prove(_proverOf(kind, pre.instr), start, _proof.length, p - start);
    }

    /// @dev `_prover.prove(proof, _body)` with the proof's `_length` bytes at calldata offset
    ///      `_start`: the call's arguments built in place (one calldatacopy), its revert data
    ///      passed through unchanged.
    function _prove(
        IOneStepProver _prover,
        uint256 _start,
        uint256 _length,
        uint256 _body
    ) private view returns (StateHash postStateHash_) {
        bytes4 selector = IOneStepProver.prove.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 4), 0x40) // offset of the bytes argument
            mstore(add(m, 36), _body)
            mstore(add(m, 68), _length)
            calldatacopy(add(m, 100), _start, _length)
            if iszero(staticcall(gas(), _prover, m, add(100, _length), 0, 32)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            // A prover returns one word; anything shorter is not a post-state hash.
            if lt(returndatasize(), 32) {
                revert(0, 0)
            }
            postStateHash_ := mload(0)
        }
    }

    /// @dev Checks the pre-state and header preimages at the start of the proof against their
    ///      hashes; returns the decoded pre-state and the instruction count.
    function _open(
        Root _programRoot,
        StateHash _preStateHash,
        uint256 _start,
        uint256 _length
    ) private pure returns (LibState.State memory pre_, uint256 instructions_) {
        uint256 fixedBytes = LibState.STATE_BYTES + LibState.HEADER_BYTES;
        // INVARIANT: the proof holds at least the pre-state and the program header.
        if (_length < fixedBytes) revert OneStepVerifier_BadProofLength(fixedBytes, _length);
        // INVARIANT: the pre-state parts are those of the pre-state hash.
        // Compared as bytes32 (contracts/lib/Hashes.sol); one word serves both hashes.
        bytes32 h = StateHash.unwrap(LibState.hashAt(_start));
        if (h != StateHash.unwrap(_preStateHash)) revert OneStepVerifier_BadPreState(_preStateHash, StateHash.wrap(h));
        // INVARIANT: the header (instruction tree root, instruction and slot counts) is the program's.
        h = Root.unwrap(LibState.programRootAt(_start + LibState.STATE_BYTES));
        if (h != Root.unwrap(_programRoot)) revert OneStepVerifier_BadProgramHeader(_programRoot, Root.wrap(h));
        pre_ = LibState.decodeAt(_start);
        instructions_ = LibCursor.u32At(_start + LibState.STATE_BYTES + 32);
    }

    /// @dev Reads the instruction bytes at `_p` and their path; checks them against the
    ///      header's instruction tree at pc.instr. Returns the instruction's kind byte and the
    ///      offset just past the path.
    function _proveInstruction(
        uint256 _start,
        uint256 _p,
        uint256 _instr,
        uint256 _instructions
    ) private pure returns (uint256 kind_, uint256 next_) {
        uint256 len;
        (len, _p) = LibCursor.u32(_p);
        uint256 at = _p;
        bytes32 leaf = _instructionHash(at, len);
        bytes32 root;
        (root, next_) = LibMerkle.root(LibMerkle.PROGRAM, leaf, _instr, LibMerkle.spaceDepth(_instructions), _p + len);
        // INVARIANT: the instruction is the program's instruction at pc.instr.
        (bytes32 treeRoot, ) = LibCursor.b32(_start + LibState.STATE_BYTES);
        if (root != treeRoot) revert OneStepVerifier_BadInstructionProof(uint32(_instr), root);
        // INVARIANT: the fixed part, with the kind to dispatch on, is there (the prover
        //            decodes the rest).
        if (len < LibInstruction.FIXED_BYTES)
            revert OneStepVerifier_BadInstruction(uint32(_instr), LibInstruction.MALFORMED_LENGTH);
        (kind_, ) = LibCursor.u8(at);
    }

    /// @dev The prover of `_kind`; an unknown kind is a malformed instruction.
    function _proverOf(uint256 _kind, uint256 _instr) private view returns (IOneStepProver) {
        if (_kind == Kind.DOT) return PROVER_DOT;
        if (_kind == Kind.MAP) return PROVER_MAP;
        if (_kind == Kind.REDUCE) return PROVER_REDUCE;
        if (_kind == Kind.MOVE) return PROVER_MOVE;
        // INVARIANT: the instruction's kind is one of the ISA's.
        revert OneStepVerifier_BadInstruction(uint32(_instr), LibInstruction.MALFORMED_KIND);
    }

    /// @dev h_i = H(0x04 ‖ bytes_i).
    function _instructionHash(uint256 _at, uint256 _len) private pure returns (bytes32 h_) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x04)
            calldatacopy(add(m, 1), _at, _len)
            h_ := keccak256(m, add(_len, 1))
        }
    }

    /// @dev Reverts unless `_candidate` reports `_kind`.
    function _checkProver(uint256 _kind, IOneStepProver _candidate) private pure {
        uint256 proves = _candidate.kind();
        if (proves != _kind) revert OneStepVerifier_WrongProver(_kind, address(_candidate), proves);
    }
}
