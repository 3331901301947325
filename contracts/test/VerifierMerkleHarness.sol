// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibMerkle} from "../lib/LibMerkle.sol";
import {LibInstruction} from "../lib/LibInstruction.sol";

/// @title VerifierMerkleHarness
/// @notice Test-only access to LibMerkle and LibInstruction internals
///         (test/evm-verifier-libs.test.ts).
contract VerifierMerkleHarness {
    /// @notice LibMerkle.root over a compressed path (§6) given as `_path`.
    function root(
        uint8 _prefix,
        bytes32 _leaf,
        uint256 _index,
        uint256 _depth,
        bytes calldata _path
    ) external pure returns (bytes32 root_, uint256 consumed_) {
        uint256 p;
        assembly ("memory-safe") {
            p := _path.offset
        }
        uint256 next;
        (root_, next) = LibMerkle.root(_prefix, _leaf, _index, _depth, p);
        consumed_ = next - p;
    }

    /// @notice LibMerkle.rootPair: the roots before and after replacing the leaf.
    function rootPair(
        uint8 _prefix,
        bytes32 _leaf,
        bytes32 _newLeaf,
        uint256 _index,
        uint256 _depth,
        bytes calldata _path
    ) external pure returns (bytes32 root_, bytes32 newRoot_) {
        uint256 p;
        assembly ("memory-safe") {
            p := _path.offset
        }
        (root_, newRoot_, ) = LibMerkle.rootPair(_prefix, _leaf, _newLeaf, _index, _depth, p);
    }

    function slotDepth(uint256 _length) external pure returns (uint256) {
        return LibMerkle.slotDepth(_length);
    }

    function spaceDepth(uint256 _slots) external pure returns (uint256) {
        return LibMerkle.spaceDepth(_slots);
    }

    /// @notice LibInstruction.evaluate of operand `_q` of the instruction `_ins` at `_it`.
    function evaluate(
        bytes calldata _ins,
        uint256 _q,
        uint256[] calldata _it
    ) external pure returns (bool valid_, uint256 addr_, uint256 length_, uint256 malformed_) {
        uint256 p;
        assembly ("memory-safe") {
            p := _ins.offset
        }
        LibInstruction.Instruction memory ins;
        (ins, malformed_) = LibInstruction.decode(p, _ins.length);
        if (malformed_ != 0) return (false, 0, 0, malformed_);
        uint256[] memory it = LibInstruction.point(_it.length);
        for (uint256 i; i < _it.length; ++i) it[i] = _it[i];
        (valid_, addr_, length_) = LibInstruction.evaluate(LibInstruction.operand(ins, _q), it);
    }
}
