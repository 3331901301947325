// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibDomains} from "./LibDomains.sol";
import {LibZeroNodes} from "./LibZeroNodes.sol";

/// @notice A path's index does not fit a tree of its depth: the path would prove another leaf.
/// @param prefix Domain prefix of the tree (§3).
/// @param index The index, ≥ 2^depth.
/// @param depth The tree's depth.
error LibMerkle_IndexOutOfRange(uint8 prefix, uint256 index, uint256 depth);
/// @notice A path has another number of levels than the tree it is checked against.
/// @param prefix Domain prefix of the tree (§3).
/// @param index The index the path was given for.
/// @param given n from the path's header.
/// @param depth Levels the tree (or the joined route) requires.
error LibMerkle_BadPathLength(uint8 prefix, uint256 index, uint256 given, uint256 depth);
/// @notice A path's zero mask marks levels the path does not have.
/// @param prefix Domain prefix of the tree (§3).
/// @param mask The zero mask from the header.
/// @param levels n from the header: every mask bit must be below it.
error LibMerkle_BadZeroMask(uint8 prefix, uint256 mask, uint256 levels);

/// @title LibMerkle
/// @notice Index-bound, domain-separated binary Merkle paths (docs/PROTOCOL.md §3): a node is
///         H(prefix ‖ left ‖ right) with one prefix per tree kind — 0x01 leaf → slot root,
///         0x02 slot root → space root, 0x03 instruction hash → instruction tree root — and
///         bit d of the index says on which side the level-d sibling goes. The depth is fixed
///         by the tree, never by the path: an index ≥ 2^depth is rejected.
///
///         Paths are read from calldata in the compressed form of §6:
///
///             u8 n ‖ u32 zeroMask ‖ bytes32 sibling[n − popcount(zeroMask)]
///
///         siblings bottom-up; bit d of zeroMask set ⇔ the level-d sibling is Z_d, the root
///         of an all-zero subtree of depth d (Z_0 = 0^32, Z_{d+1} = H(prefix ‖ Z_d ‖ Z_d)),
///         left out of the calldata and recomputed here.
library LibMerkle {
    /// @notice One path as checked: where it starts, its siblings, where it ends (for
    ///         `climb` by joined paths, §6.1 "Joined slot paths").
    struct Path {
        uint256 index;
        /// @dev siblings[d] at level d, zero siblings filled in.
        bytes32[] siblings;
        /// @dev The node the path starts from (level 0) and the root it reaches.
        bytes32 start;
        bytes32 root;
    }

    uint8 internal constant TENSOR = uint8(LibDomains.TENSOR_NODE);
    uint8 internal constant MEMORY = uint8(LibDomains.MEMORY_NODE);
    uint8 internal constant PROGRAM = uint8(LibDomains.PROGRAM_NODE);

    /// @dev Count trailing zeros of a nonzero u32 x: byte ((x & −x) · DEBRUIJN32 mod 2^32) >> 27
    ///      of CTZ32 (a de Bruijn sequence: each power of two gives a distinct top 5 bits).
    uint256 private constant DEBRUIJN32 = 0x077CB531;
    uint256 private constant CTZ32 = 0x00011c021d0e18031e16140f191104081f1b0d17151310071a0c12060b050a09;

    /// @notice Leaves per tensor leaf (8 binary32 values in 32 bytes, §3.1).
    uint256 internal constant VALUES_PER_LEAF = 8;

    /// @notice ⌈log2 max(1, count)⌉: depth of a tree over `count` padded leaves, the bit
    ///         length of count − 1.
    /// @param _count Number of leaves (or slot roots, instruction hashes) before padding.
    /// @return Levels above the leaves; 0 for zero or one leaf (the root is the leaf).
    function depthFor(uint256 _count) internal pure returns (uint256) {
        if (_count <= 1) return 0;
        return msb(_count - 1) + 1;
    }

    /// @notice ⌊log2 x⌋ for x ≥ 1 (0 for x = 0).
    /// @param _x Any word.
    /// @return r_ Index of the highest set bit of `_x` (0 for x = 0 and for x = 1).
    function msb(uint256 _x) internal pure returns (uint256 r_) {
        assembly ("memory-safe") {
            r_ := shl(7, lt(0xffffffffffffffffffffffffffffffff, _x))
            r_ := or(r_, shl(6, lt(0xffffffffffffffff, shr(r_, _x))))
            r_ := or(r_, shl(5, lt(0xffffffff, shr(r_, _x))))
            r_ := or(r_, shl(4, lt(0xffff, shr(r_, _x))))
            r_ := or(r_, shl(3, lt(0xff, shr(r_, _x))))
            r_ := or(r_, shl(2, lt(0xf, shr(r_, _x))))
            r_ := or(r_, shl(1, lt(0x3, shr(r_, _x))))
            r_ := or(r_, lt(0x1, shr(r_, _x)))
        }
    }

    /// @notice `msb` of a value below 2^32 (a zero mask, an xor of slot indices): 5 halvings
    ///         instead of 8.
    /// @param _x A value < 2^32.
    /// @return r_ Index of the highest set bit of `_x` (0 for x = 0 and for x = 1).
    function msb32(uint256 _x) internal pure returns (uint256 r_) {
        assembly ("memory-safe") {
            r_ := shl(4, lt(0xffff, _x))
            r_ := or(r_, shl(3, lt(0xff, shr(r_, _x))))
            r_ := or(r_, shl(2, lt(0xf, shr(r_, _x))))
            r_ := or(r_, shl(1, lt(0x3, shr(r_, _x))))
            r_ := or(r_, lt(0x1, shr(r_, _x)))
        }
    }

    /// @notice Depth D of the tree of a slot of `_length` values: ⌈log2 max(1, ⌈L/8⌉)⌉ (§3.1).
    /// @param _length Number of binary32 values in the slot (L), not of leaves.
    /// @return D, the number of levels of the slot's leaf path.
    function slotDepth(uint256 _length) internal pure returns (uint256) {
        return depthFor((_length + VALUES_PER_LEAF - 1) / VALUES_PER_LEAF);
    }

    /// @notice Depth of the tree of a space of `_slots` slots (§3.2), or of the instruction
    ///         tree of `_slots` instructions (§3.3).
    /// @param _slots Number of slots in the space (or of instructions in the program).
    /// @return ⌈log2 max(1, _slots)⌉, the number of levels of a slot (or instruction) path.
    function spaceDepth(uint256 _slots) internal pure returns (uint256) {
        return depthFor(_slots);
    }

    /// @notice H(prefix ‖ left ‖ right): keccak256 over the 65 packed bytes (§3).
    /// @param _prefix Domain prefix of the tree kind: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _left Left child (bit d of the index 0 for a node on this side).
    /// @param _right Right child.
    /// @return h_ The parent node.
    function hashNode(uint8 _prefix, bytes32 _left, bytes32 _right) internal pure returns (bytes32 h_) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, _prefix)
            mstore(add(m, 1), _left)
            mstore(add(m, 33), _right)
            h_ := keccak256(m, 65)
        }
    }

    /// @notice Reads a path header at `_p` and checks it against the tree: n = `_depth`,
    ///         no mask bit at or above n, index < 2^depth.
    /// @dev Reverts LibMerkle_BadPathLength, LibMerkle_BadZeroMask or
    ///      LibMerkle_IndexOutOfRange.
    /// @param _prefix Domain prefix of the tree (only reported in the errors).
    /// @param _index Position of the path's starting node among the tree's bottom nodes.
    /// @param _depth Depth the tree has (from slotDepth / spaceDepth); the path must match.
    /// @param _p Calldata offset of the header `u8 n ‖ u32 zeroMask` (§6.1).
    /// @return mask_ The zero mask: bit d set ⇔ the level-d sibling is Z_d, not in calldata.
    /// @return next_ Calldata offset just past the header (`_p` + 5): the first sibling.
    function header(
        uint8 _prefix,
        uint256 _index,
        uint256 _depth,
        uint256 _p
    ) internal pure returns (uint256 mask_, uint256 next_) {
        uint256 n;
        (n, mask_, next_) = _header(_prefix, _p);
        // INVARIANT: the path has exactly the tree's depth.
        if (n != _depth) revert LibMerkle_BadPathLength(_prefix, _index, n, _depth);
        // INVARIANT: the index names a leaf of this tree, so the path proves that leaf only.
        if (_depth < 256 && (_index >> _depth) != 0) revert LibMerkle_IndexOutOfRange(_prefix, _index, _depth);
    }

    /// @notice Root over `_leaf` at `_index` of a tree of `_depth` levels, path at `_p`.
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _leaf The level-0 node: a raw 32-byte leaf, a slot root or an instruction hash.
    /// @param _index Position of `_leaf` at level 0 (must be < 2^`_depth`).
    /// @param _depth Depth of the tree, fixed by the tree's size, never by the path.
    /// @param _p Calldata offset of the path (header then siblings, §6.1).
    /// @return root_ The root the path reaches; the caller compares it to the committed one.
    /// @return next_ Calldata offset just past the path.
    function root(
        uint8 _prefix,
        bytes32 _leaf,
        uint256 _index,
        uint256 _depth,
        uint256 _p
    ) internal pure returns (bytes32 root_, uint256 next_) {
        uint256 mask;
        (mask, next_) = header(_prefix, _index, _depth, _p);
        (root_, next_) = walk(_prefix, _leaf, _index, _depth, mask, next_);
    }

    /// @notice The roots before and after replacing `_leaf` by `_newLeaf`: one path, read once.
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _leaf The level-0 node before the write.
    /// @param _newLeaf The level-0 node after the write, at the same index.
    /// @param _index Position of the leaf at level 0 (must be < 2^`_depth`).
    /// @param _depth Depth of the tree, fixed by the tree's size.
    /// @param _p Calldata offset of the path (header then siblings, §6.1).
    /// @return root_ Root over `_leaf`: the pre-state root to check.
    /// @return newRoot_ Root over `_newLeaf` with the same siblings: the post-state root.
    /// @return next_ Calldata offset just past the path.
    function rootPair(
        uint8 _prefix,
        bytes32 _leaf,
        bytes32 _newLeaf,
        uint256 _index,
        uint256 _depth,
        uint256 _p
    ) internal pure returns (bytes32 root_, bytes32 newRoot_, uint256 next_) {
        uint256 mask;
        (mask, next_) = header(_prefix, _index, _depth, _p);
        (root_, newRoot_, next_) = walkPair(_prefix, _leaf, _newLeaf, _index, _depth, mask, next_);
    }

    /// @notice Hashes `_node` at `_index` up `_levels` levels with the siblings at `_p`
    ///         (zero siblings per `_mask`). No header, no index check: callers check both.
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _node The node at level 0 of the walk.
    /// @param _index Its position at that level; bit d picks the side at level d.
    /// @param _levels Number of levels to hash up (the path's checked length n).
    /// @param _mask Zero mask from the header: bit d set ⇔ the level-d sibling is Z_d.
    /// @param _p Calldata offset of the first sibling (just past the header).
    /// @return node_ The node `_levels` levels above `_node`.
    /// @return next_ Calldata offset just past the last sibling read.
    function walk(
        uint8 _prefix,
        bytes32 _node,
        uint256 _index,
        uint256 _levels,
        uint256 _mask,
        uint256 _p
    ) internal pure returns (bytes32 node_, uint256 next_) {
        // Below the lowest mask bit t0 (all of the path for none) every sibling is in calldata:
        // those levels hash with no mask test. From t0 up, Z_d is carried alongside, starting
        // from Z_t0 (`_zeroStart`), only up to the highest mask bit.
        uint256 t0 = _levels;
        bytes32 z;
        if (_mask != 0) (z, t0) = _zeroStart(_prefix, _mask, _levels);
        assembly ("memory-safe") {
            let m := mload(0x40)
            let m1 := add(m, 1)
            // The right child's word, hoisted: the loop stores one child there per level.
            let m33 := add(m, 33)
            node_ := _node
            next_ := _p
            mstore8(m, _prefix)
            let d := 0
            for {} lt(d, t0) {
                d := add(d, 1)
            } {
                // side 0: node left, sibling right; side 32: the other way round.
                let side := shl(5, and(shr(d, _index), 1))
                mstore(add(m1, side), node_)
                mstore(sub(m33, side), calldataload(next_))
                next_ := add(next_, 32)
                node_ := keccak256(m, 65)
            }
            for {} lt(d, _levels) {
                d := add(d, 1)
            } {
                let s := z
                if iszero(and(shr(d, _mask), 1)) {
                    s := calldataload(next_)
                    next_ := add(next_, 32)
                }
                let side := shl(5, and(shr(d, _index), 1))
                mstore(add(m1, side), node_)
                mstore(sub(m33, side), s)
                node_ := keccak256(m, 65)
                // Z_{d+1}, only while a higher level still takes a zero sibling (a mask bit above d).
                if shr(add(d, 1), _mask) {
                    mstore(m1, z)
                    mstore(m33, z)
                    z := keccak256(m, 65)
                }
            }
        }
    }

    /// @dev The lowest level t0 of a zero sibling and Z_t0 (`_mask` ≠ 0). Tensor paths look
    ///      Z_t0 up (LibZeroNodes) when t0 ≥ 3: a lone high zero sibling, as on the last leaf of
    ///      a slot, would otherwise cost t0 hashes. Other trees, and lower t0, hash it up.
    function _zeroStart(uint8 _prefix, uint256 _mask, uint256 _levels) private pure returns (bytes32 z_, uint256 t0_) {
        assembly ("memory-safe") {
            t0_ := byte(shr(27, and(mul(and(_mask, sub(0, _mask)), DEBRUIJN32), 0xffffffff)), CTZ32)
        }
        // At most _levels, so the walk never reads past its path whatever the mask (callers
        // reject mask bits at or above the path's length; this does not rely on it).
        if (t0_ >= _levels) return (0, _levels);
        if (_prefix == TENSOR && t0_ >= 3) return (LibZeroNodes.tensorZero(t0_), t0_);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, _prefix)
            for {
                let d := 0
            } lt(d, t0_) {
                d := add(d, 1)
            } {
                mstore(add(m, 1), z_)
                mstore(add(m, 33), z_)
                z_ := keccak256(m, 65)
            }
        }
    }

    /// @notice `walk` of two leaves at the same index with the same siblings.
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _node The level-0 node before the write.
    /// @param _newNode The level-0 node after the write.
    /// @param _index Their position at level 0; bit d picks the side at level d.
    /// @param _levels Number of levels to hash up (the path's checked length n).
    /// @param _mask Zero mask from the header: bit d set ⇔ the level-d sibling is Z_d.
    /// @param _p Calldata offset of the first sibling (just past the header).
    /// @return node_ The node `_levels` levels above `_node`.
    /// @return newNode_ The node `_levels` levels above `_newNode`.
    /// @return next_ Calldata offset just past the last sibling read.
    function walkPair(
        uint8 _prefix,
        bytes32 _node,
        bytes32 _newNode,
        uint256 _index,
        uint256 _levels,
        uint256 _mask,
        uint256 _p
    ) internal pure returns (bytes32 node_, bytes32 newNode_, uint256 next_) {
        // Below the lowest mask bit (all of the path for none) every sibling is in calldata;
        // from it up, Z_d is carried alongside as in `walk`.
        uint256 t0 = _levels;
        bytes32 z;
        if (_mask != 0) (z, t0) = _zeroStart(_prefix, _mask, _levels);
        assembly ("memory-safe") {
            let m := mload(0x40)
            let m1 := add(m, 1)
            // The right child's word, hoisted: the loop stores one child there per level.
            let m33 := add(m, 33)
            node_ := _node
            newNode_ := _newNode
            next_ := _p
            mstore8(m, _prefix)
            let d := 0
            for {} lt(d, t0) {
                d := add(d, 1)
            } {
                let side := shl(5, and(shr(d, _index), 1))
                let nodeAt := add(m1, side)
                mstore(sub(m33, side), calldataload(next_))
                next_ := add(next_, 32)
                mstore(nodeAt, node_)
                node_ := keccak256(m, 65)
                mstore(nodeAt, newNode_)
                newNode_ := keccak256(m, 65)
            }
            for {} lt(d, _levels) {
                d := add(d, 1)
            } {
                let s := z
                if iszero(and(shr(d, _mask), 1)) {
                    s := calldataload(next_)
                    next_ := add(next_, 32)
                }
                let side := shl(5, and(shr(d, _index), 1))
                let nodeAt := add(m1, side)
                mstore(sub(m33, side), s)
                mstore(nodeAt, node_)
                node_ := keccak256(m, 65)
                mstore(nodeAt, newNode_)
                newNode_ := keccak256(m, 65)
                if shr(add(d, 1), _mask) {
                    mstore(m1, z)
                    mstore(m33, z)
                    z := keccak256(m, 65)
                }
            }
        }
    }

    /// @notice The node at level `_to` above `_node`, the node at level `_from` on `_path`'s
    ///         route at position `_index >> _from`, hashed with `_path`'s siblings of levels
    ///         `_from … _to − 1` (`_to` = the depth gives the root). `_path` must pass through
    ///         the parent of that position.
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _node The node at level `_from`.
    /// @param _index A level-0 index on the route; bit d picks the side at level d.
    /// @param _from Level of `_node`.
    /// @param _to Level to stop at (≤ the path's depth).
    /// @param _path A path recorded by `rootRecorded`; only its siblings are read.
    /// @return node_ The node at level `_to`.
    function climb(
        uint8 _prefix,
        bytes32 _node,
        uint256 _index,
        uint256 _from,
        uint256 _to,
        Path memory _path
    ) internal pure returns (bytes32 node_) {
        bytes32[] memory sib = _path.siblings;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let m1 := add(m, 1)
            let at := add(sib, 0x20)
            node_ := _node
            mstore8(m, _prefix)
            for {
                let d := _from
            } lt(d, _to) {
                d := add(d, 1)
            } {
                let side := shl(5, and(shr(d, _index), 1))
                mstore(add(m1, side), node_)
                mstore(sub(add(m1, 32), side), mload(add(at, shl(5, d))))
                node_ := keccak256(m, 65)
            }
        }
    }

    /// @notice The depth check of a path header without computing the depth: `_n` levels
    ///         are ⌈log2 max(1, `_count`)⌉ ⇔ (count − 1) >> n = 0 and, for n > 0,
    ///         (count − 1) >> (n − 1) ≠ 0. Reads the header at `_p` and reverts like `header`.
    /// @param _prefix Domain prefix of the tree (only reported in the errors).
    /// @param _index Position of the path's starting node (must be < 2^n).
    /// @param _count Leaves (or slot roots) of the tree before padding.
    /// @param _p Calldata offset of the header `u8 n ‖ u32 zeroMask`.
    /// @return n_ The checked depth.
    /// @return mask_ The zero mask.
    /// @return next_ Calldata offset just past the header.
    function headerOf(
        uint8 _prefix,
        uint256 _index,
        uint256 _count,
        uint256 _p
    ) internal pure returns (uint256 n_, uint256 mask_, uint256 next_) {
        uint256 badLength;
        assembly ("memory-safe") {
            let w := calldataload(_p)
            n_ := byte(0, w)
            mask_ := shr(224, shl(8, w))
            next_ := add(_p, 5)
            let c1 := sub(_count, iszero(iszero(_count)))
            // n too small: (count − 1) >> n ≠ 0; too large: n > 0 and (count − 1) >> (n − 1) = 0.
            badLength := or(shr(n_, c1), and(iszero(iszero(n_)), iszero(shr(sub(n_, 1), c1))))
        }
        // INVARIANT: the zero mask only marks levels of the path.
        if ((mask_ >> n_) != 0) revert LibMerkle_BadZeroMask(_prefix, mask_, n_);
        // INVARIANT: the path has exactly the tree's depth.
        if (badLength != 0) revert LibMerkle_BadPathLength(_prefix, _index, n_, depthFor(_count));
        // INVARIANT: the index names a leaf of this tree, so the path proves that leaf only.
        if ((_index >> n_) != 0) revert LibMerkle_IndexOutOfRange(_prefix, _index, n_);
    }

    /// @notice `walk` that also records, for each level d < `_levels`, the sibling (zero
    ///         siblings filled in) at `_rec[d]` and the route's node at `_rec[D + d]`, where
    ///         2D is the length of `_rec` (D the tree's depth).
    /// @param _prefix Domain prefix of the tree: TENSOR, MEMORY or PROGRAM (§3).
    /// @param _node The node at level 0 of the walk.
    /// @param _index Its position at that level; bit d picks the side at level d.
    /// @param _levels Number of levels to hash up (checked by the caller).
    /// @param _mask Zero mask: bit d set ⇔ the level-d sibling is Z_d.
    /// @param _p Calldata offset of the first sibling.
    /// @param _rec Where siblings and nodes go: 2D words, D ≥ `_levels`.
    /// @return node_ The node `_levels` levels above `_node`.
    /// @return next_ Calldata offset just past the last sibling read.
    function walkRecorded(
        uint8 _prefix,
        bytes32 _node,
        uint256 _index,
        uint256 _levels,
        uint256 _mask,
        uint256 _p,
        bytes32[] memory _rec
    ) internal pure returns (bytes32 node_, uint256 next_) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            let m1 := add(m, 1)
            // The right child's word, hoisted: the loop stores one child there per level.
            let m33 := add(m, 33)
            let z := 0
            let out := add(_rec, 0x20)
            // Nodes start D words after the siblings.
            let nodesAt := add(out, shl(4, mload(_rec)))
            node_ := _node
            next_ := _p
            mstore8(m, _prefix)
            for {
                let d := 0
            } lt(d, _levels) {
                d := add(d, 1)
            } {
                let s := z
                if iszero(and(shr(d, _mask), 1)) {
                    s := calldataload(next_)
                    next_ := add(next_, 32)
                }
                mstore(add(out, shl(5, d)), s)
                mstore(add(nodesAt, shl(5, d)), node_)
                // side 0: node left, sibling right; side 32: the other way round.
                let side := shl(5, and(shr(d, _index), 1))
                mstore(add(m1, side), node_)
                mstore(sub(m33, side), s)
                node_ := keccak256(m, 65)
                // Z_{d+1}, only while a higher level still takes a zero sibling (a mask bit above d).
                if shr(add(d, 1), _mask) {
                    mstore(m1, z)
                    mstore(m33, z)
                    z := keccak256(m, 65)
                }
            }
        }
    }

    /// @notice Level at which the routes of indices `_a` ≠ `_b` meet: ⌊log2(a ⊕ b)⌋. At that
    ///         level their nodes are siblings; above it the routes coincide.
    /// @param _a A level-0 index below 2^32 (e.g. a slot index).
    /// @param _b Another level-0 index of the same tree (e.g. the reference's slot index).
    /// @return m, the length of a joined path from `_a` to the reference's route (§6.1).
    function meetingLevel(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return msb32(_a ^ _b);
    }

    /// @dev Reads `u8 n ‖ u32 zeroMask` at `_p`; reverts LibMerkle_BadZeroMask if a mask bit
    ///      lies at or above n.
    function _header(uint8 _prefix, uint256 _p) private pure returns (uint256 n_, uint256 mask_, uint256 next_) {
        assembly ("memory-safe") {
            let w := calldataload(_p)
            n_ := byte(0, w)
            mask_ := shr(224, shl(8, w))
            next_ := add(_p, 5)
        }
        // INVARIANT: the zero mask only marks levels of the path.
        if ((mask_ >> n_) != 0) revert LibMerkle_BadZeroMask(_prefix, mask_, n_);
    }

    /// @notice Reads a path header of `_levels` levels for a route joined to another path
    ///         (§6): checks only the length and mask; the caller binds the route.
    /// @dev Reverts LibMerkle_BadPathLength or LibMerkle_BadZeroMask.
    /// @param _prefix Domain prefix of the tree (only reported in the errors).
    /// @param _index The joined value's slot index (only reported in the errors).
    /// @param _levels Required length: m = ⌊log2(slotIndex ⊕ refSlotIndex)⌋, or 0 for the
    ///        reference's own slot (§6.1 "Joined slot paths").
    /// @param _p Calldata offset of the header `u8 n ‖ u32 zeroMask`.
    /// @return mask_ The zero mask: bit d set ⇔ the level-d sibling is Z_d, not in calldata.
    /// @return next_ Calldata offset just past the header (`_p` + 5): the first sibling.
    function joinedHeader(
        uint8 _prefix,
        uint256 _index,
        uint256 _levels,
        uint256 _p
    ) internal pure returns (uint256 mask_, uint256 next_) {
        uint256 n;
        (n, mask_, next_) = _header(_prefix, _p);
        // INVARIANT: a joined path stops at the level where it meets its reference.
        if (n != _levels) revert LibMerkle_BadPathLength(_prefix, _index, n, _levels);
    }
}
