// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibDomains} from "./LibDomains.sol";

/// @title LibTensorRoot
/// @notice Tensor (slot) roots and memory (space) roots of docs/PROTOCOL.md §3.1–§3.2,
///         computed from big-endian binary32 bytes, and the index-bound slot-root proof of a
///         slot in its space tree.
/// @dev Leaf j of a slot is 32 bytes holding values 8j..8j+7 big-endian, so the leaves of a
///      slot whose values are stored consecutively as big-endian binary32 are consecutive
///      32-byte words of those bytes (§5.1); the last one is zero padded. Level 0 is the raw
///      leaves; node = H(0x01 ‖ left ‖ right); padding subtrees hash to
///      Z_0 = 0^32, Z_{d+1} = H(0x01 ‖ Z_d ‖ Z_d). Space trees are the same construction over
///      slot roots with prefix 0x02.
library LibTensorRoot {
    /// @notice `nanIndex_` value when no NaN was found.
    uint256 internal constant NO_NAN = type(uint256).max;

    /// @dev Eight 32-bit lanes: |x| mask, bias pushing every NaN's |x| past bit 31, bit 31.
    ///      For a lane x, |x| = x & 0x7FFFFFFF is NaN iff |x| > 0x7F800000 iff
    ///      |x| + 0x007FFFFF ≥ 0x80000000; the sum is < 2^32, so no lane carries into another.
    uint256 private constant LANE_ABS = 0x7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF;
    uint256 private constant LANE_BIAS = 0x007FFFFF007FFFFF007FFFFF007FFFFF007FFFFF007FFFFF007FFFFF007FFFFF;
    uint256 private constant LANE_TOP = 0x8000000080000000800000008000000080000000800000008000000080000000;

    /// @notice A proof has siblings for a tree other than the expected depth.
    error LibTensorRoot_ProofDepth(uint256 expected, uint256 actual);
    /// @notice A proof index does not fit a tree of the proof's depth.
    error LibTensorRoot_IndexOutOfRange(uint256 index, uint256 depth);

    /// @notice ⌈log2 count⌉ for count ≥ 1 (0 for 0 and 1).
    /// @param _count Leaves (values' leaves or slots) of a tree.
    /// @return depth_ Levels above the leaves of the smallest power-of-two tree holding them.
    function depthFor(uint256 _count) internal pure returns (uint256 depth_) {
        while ((uint256(1) << depth_) < _count) ++depth_;
    }

    /// @notice Depth of the space tree of a space with `_slots` slots.
    /// @param _slots The space's slot count; 0 is treated as 1.
    /// @return depth_ Siblings in a slot-root proof of that space.
    function spaceDepth(uint256 _slots) internal pure returns (uint256 depth_) {
        depth_ = depthFor(_slots == 0 ? 1 : _slots);
    }

    /// @notice H(prefix ‖ left ‖ right).
    /// @param _prefix LibDomains.TENSOR_NODE (0x01) or MEMORY_NODE (0x02).
    /// @param _left The left child.
    /// @param _right The right child.
    /// @return node_ keccak256 of the 65 bytes.
    function hashNode(bytes1 _prefix, bytes32 _left, bytes32 _right) internal pure returns (bytes32 node_) {
        assembly ("memory-safe") {
            // Scratch above the free memory pointer: nothing is allocated, nothing is kept.
            let p := mload(0x40)
            mstore8(p, byte(0, _prefix))
            mstore(add(p, 1), _left)
            mstore(add(p, 33), _right)
            node_ := keccak256(p, 65)
        }
    }

    /// @notice Z_d of a tree kind: the root of an all-zero subtree of depth `_depth`.
    /// @param _prefix The tree kind's node prefix.
    /// @param _depth d.
    /// @return z_ Z_d; Z_0 = 0^32.
    function zeroHash(bytes1 _prefix, uint256 _depth) internal pure returns (bytes32 z_) {
        for (uint256 d; d < _depth; ++d) z_ = hashNode(_prefix, z_, z_);
    }

    /// @notice Root of `_nodes[0.._count)` padded with zero words to a power of two.
    /// @dev Overwrites `_nodes` in place. `_count` ≥ 1 and ≤ `_nodes.length`.
    /// @param _prefix The tree kind's node prefix.
    /// @param _nodes Level 0: leaves (tensor tree) or slot roots (space tree).
    /// @param _count How many of `_nodes` are real; the rest of the level is Z_0.
    /// @return root_ The root; `_nodes[0]` itself when `_count` is 1.
    function merkleRoot(bytes1 _prefix, bytes32[] memory _nodes, uint256 _count) internal pure returns (bytes32 root_) {
        assembly ("memory-safe") {
            let base := add(_nodes, 0x20)
            // Scratch above the free memory pointer: prefix ‖ left ‖ right, 65 bytes.
            let m := mload(0x40)
            mstore8(m, byte(0, _prefix))
            let zero := 0 // Z_d of the level being reduced
            let n := _count
            for {} gt(n, 1) {} {
                let half := shr(1, n)
                // Node i of the next level from nodes 2i, 2i+1: read before written (i ≤ 2i).
                for {
                    let i := 0
                } lt(i, half) {
                    i := add(i, 1)
                } {
                    let src := add(base, shl(6, i))
                    mstore(add(m, 1), mload(src))
                    mstore(add(m, 33), mload(add(src, 0x20)))
                    mstore(add(base, shl(5, i)), keccak256(m, 65))
                }
                if and(n, 1) {
                    mstore(add(m, 1), mload(add(base, shl(5, sub(n, 1)))))
                    mstore(add(m, 33), zero)
                    mstore(add(base, shl(5, half)), keccak256(m, 65))
                    half := add(half, 1)
                }
                mstore(add(m, 1), zero)
                mstore(add(m, 33), zero)
                zero := keccak256(m, 65)
                n := half
            }
            root_ := mload(base)
        }
    }

    /// @notice Slot root of `_length` big-endian binary32 values stored at
    ///         `_data[_offset : _offset + 4·_length]`, and the index of the first NaN among
    ///         them (`NO_NAN` if none).
    /// @dev The caller guarantees `_offset + 4·_length ≤ _data.length`. Bytes past the slot
    ///      (the next tensor's, or past the calldata) are masked off the last leaf.
    /// @param _data Calldata holding the values.
    /// @param _offset Byte offset of the first value in `_data`.
    /// @param _length Number of values; 0 gives the root of one zero leaf.
    /// @return root_ The slot root (§3.1).
    /// @return nanIndex_ Index (in values) of the first NaN, or NO_NAN.
    function slotRoot(
        bytes calldata _data,
        uint256 _offset,
        uint256 _length
    ) internal pure returns (bytes32 root_, uint256 nanIndex_) {
        uint256 nBytes = _length * 4;
        uint256 leaves = nBytes == 0 ? 1 : (nBytes + 31) >> 5;
        bytes32[] memory level = new bytes32[](leaves);
        uint256 nanLanes; // OR of every leaf's NaN lanes
        assembly ("memory-safe") {
            let src := add(_data.offset, _offset)
            let dst := add(level, 0x20)
            let full := shr(5, nBytes)
            for {
                let j := 0
            } lt(j, full) {
                j := add(j, 1)
            } {
                let w := calldataload(add(src, shl(5, j)))
                mstore(add(dst, shl(5, j)), w)
                nanLanes := or(nanLanes, and(add(and(w, LANE_ABS), LANE_BIAS), LANE_TOP))
            }
            let rest := and(nBytes, 31)
            if rest {
                // The last, partial leaf: keep its first `rest` bytes.
                let w := and(calldataload(add(src, shl(5, full))), not(shr(shl(3, rest), not(0))))
                mstore(add(dst, shl(5, full)), w)
                nanLanes := or(nanLanes, and(add(and(w, LANE_ABS), LANE_BIAS), LANE_TOP))
            }
        }
        nanIndex_ = nanLanes == 0 ? NO_NAN : _firstNaN(_data, _offset, _length);
        root_ = merkleRoot(LibDomains.TENSOR_NODE, level, leaves);
    }

    /// @dev Index of the first NaN among `_length` values at `_data[_offset:]` (one is there).
    function _firstNaN(bytes calldata _data, uint256 _offset, uint256 _length) private pure returns (uint256 index_) {
        for (uint256 i; i < _length; ++i) {
            uint32 bits = uint32(bytes4(_data[_offset + 4 * i:_offset + 4 * i + 4]));
            if (bits & 0x7FFFFFFF > 0x7F800000) return i;
        }
        return NO_NAN;
    }

    /// @notice Root of a space over its slot roots (§3.2): 0^32 for no slot, R_0 for one.
    /// @dev Overwrites `_slotRoots` in place.
    /// @param _slotRoots Every slot root of the space, in slot order.
    /// @return root_ The space root (§3.2).
    function spaceRoot(bytes32[] memory _slotRoots) internal pure returns (bytes32 root_) {
        if (_slotRoots.length == 0) return bytes32(0);
        root_ = merkleRoot(LibDomains.MEMORY_NODE, _slotRoots, _slotRoots.length);
    }

    /// @notice The space root implied by slot root `_slotRoot` at slot `_index` of a space
    ///         of `_slots` slots with siblings `_proof` (bottom-up).
    /// @dev Index-bound: bit d of the index says on which side sibling d goes. The depth is
    ///      fixed by the slot count, so a proof cannot stop early at an inner node (a slot
    ///      root of ≤ 8 values is raw caller-chosen bytes and could equal an inner node).
    /// @param _slotRoot The proved slot's root (§3.1).
    /// @param _index Its slot index.
    /// @param _slots The space's slot count, which fixes the proof depth.
    /// @param _proof spaceDepth(_slots) sibling hashes, leaf level first.
    /// @return root_ The implied space root, for the caller to compare with the known one.
    function spaceRootFromProof(
        bytes32 _slotRoot,
        uint256 _index,
        uint256 _slots,
        bytes32[] calldata _proof
    ) internal pure returns (bytes32 root_) {
        uint256 depth = spaceDepth(_slots);
        // INVARIANT: the proof has exactly the depth of the space tree.
        if (_proof.length != depth) revert LibTensorRoot_ProofDepth(depth, _proof.length);
        // INVARIANT: the index names a leaf of that tree.
        if (_index >> depth != 0) revert LibTensorRoot_IndexOutOfRange(_index, depth);
        root_ = _slotRoot;
        uint256 m = _index;
        for (uint256 d; d < depth; ++d) {
            root_ =
                m & 1 == 1
                    ? hashNode(LibDomains.MEMORY_NODE, _proof[d], root_)
                    : hashNode(LibDomains.MEMORY_NODE, root_, _proof[d]);
            m >>= 1;
        }
    }
}
