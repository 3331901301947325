// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title LibCursor
/// @notice Big-endian reads from calldata at an absolute offset, cursor style:
///         `(x, offset) = LibCursor.u32(offset)`. Reads past the end of calldata see zeros;
///         callers bound their cursor by the end of the proof once decoding is done.
library LibCursor {
    function u8(uint256 _p) internal pure returns (uint256 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := shr(248, calldataload(_p))
            next_ := add(_p, 1)
        }
    }

    function u32(uint256 _p) internal pure returns (uint256 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := shr(224, calldataload(_p))
            next_ := add(_p, 4)
        }
    }

    function b32(uint256 _p) internal pure returns (bytes32 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := calldataload(_p)
            next_ := add(_p, 32)
        }
    }

    /// @notice The u32 at `_p`, without moving a cursor.
    function u32At(uint256 _p) internal pure returns (uint256 x_) {
        assembly ("memory-safe") {
            x_ := shr(224, calldataload(_p))
        }
    }

    /// @notice The i32 at `_p`, sign-extended.
    function i32At(uint256 _p) internal pure returns (int256 x_) {
        assembly ("memory-safe") {
            x_ := signextend(3, shr(224, calldataload(_p)))
        }
    }
}

/// @title LibInstruction
/// @notice Reads an instruction (docs/PROTOCOL.md §3.3) in place, from its bytes in calldata,
///         and evaluates operand index maps exactly as `evalOperand` of node/vm/step.ts (§2.1):
///
///             u8 kind ‖ u8 op ‖ u8 #params ‖ u8 #iterDims ‖ u8 #redDims ‖ u8 #operands
///             ‖ u32 outIndex ‖ u32 params[] ‖ u32 iterDims[] ‖ u32 redDims[]
///             ‖ per operand: u8 space ‖ u8 #dims ‖ u32 slotIndex ‖ u32 dims[] ‖ i32 offset[]
///                            ‖ i32 coef[#dims × (#iterDims + #redDims)]
///
///         Nothing is copied: the structs hold calldata offsets of the arrays.
library LibInstruction {
    uint256 internal constant KIND_DOT = 1;
    uint256 internal constant KIND_MAP = 2;
    uint256 internal constant KIND_REDUCE = 3;
    uint256 internal constant KIND_MOVE = 4;

    uint256 internal constant SPACE_WEIGHT = 0;
    uint256 internal constant SPACE_INPUT = 1;
    uint256 internal constant SPACE_ACTIVATION = 2;

    /// @notice Reduce ops (ReduceOp of node/compiler/program.ts).
    uint256 internal constant REDUCE_SUM = 1;
    uint256 internal constant REDUCE_MAX = 2;
    uint256 internal constant REDUCE_MIN = 3;
    uint256 internal constant REDUCE_MEAN = 4;

    /// @notice Map ops with a special role here (MapOp of node/compiler/program.ts).
    uint256 internal constant MAP_NONE = 0;
    uint256 internal constant FIRST_BINARY_MAP_OP = 64;

    /// @notice Why bytes are not a well-formed instruction (OneStepVerifier_BadInstruction).
    uint256 internal constant MALFORMED_KIND = 1;
    uint256 internal constant MALFORMED_SPACE = 2;
    uint256 internal constant MALFORMED_LENGTH = 3;
    /// @notice ... and, for a step: the kind's operand is missing, a needed param is missing,
    ///         the op is not one of the kind's.
    uint256 internal constant MISSING_OPERAND = 4;
    uint256 internal constant MISSING_PARAM = 5;
    uint256 internal constant UNKNOWN_OP = 6;

    /// @notice Fixed part of the encoding: 6 u8 counts and the u32 outIndex.
    uint256 private constant FIXED_BYTES = 10;

    struct Instruction {
        uint256 kind;
        uint256 op;
        uint256 nParams;
        uint256 nIter;
        uint256 nRed;
        uint256 outIndex;
        /// @dev Calldata offsets of params[0], iterDims[0], redDims[0].
        uint256 params;
        uint256 iterDims;
        uint256 redDims;
        /// @dev Calldata offset of each operand's encoding.
        uint256[] operands;
    }

    struct Operand {
        uint256 space;
        uint256 slot;
        uint256 nDims;
        /// @dev Calldata offsets of dims[0], offset[0], coef[0].
        uint256 dims;
        uint256 offsets;
        uint256 coefs;
    }

    /// @notice Decodes the instruction whose `_length` bytes start at calldata offset `_start`.
    /// @return ins_ The instruction (offsets into calldata).
    /// @return malformed_ 0, or the MALFORMED_* reason the bytes are not an instruction.
    function decode(uint256 _start, uint256 _length)
        internal
        pure
        returns (Instruction memory ins_, uint256 malformed_)
    {
        uint256 end = _start + _length;
        uint256 w;
        uint256 nOps;
        // INVARIANT: the fixed part is there before it is read.
        if (_length < FIXED_BYTES) return (ins_, MALFORMED_LENGTH);
        assembly ("memory-safe") {
            let head := calldataload(_start)
            mstore(ins_, byte(0, head)) // kind
            mstore(add(ins_, 0x20), byte(1, head)) // op
            mstore(add(ins_, 0x40), byte(2, head)) // nParams
            mstore(add(ins_, 0x60), byte(3, head)) // nIter
            mstore(add(ins_, 0x80), byte(4, head)) // nRed
            nOps := byte(5, head)
            mstore(add(ins_, 0xa0), shr(224, shl(48, head))) // outIndex
        }
        // INVARIANT: the kind is one of Dot, Map, Reduce, Move.
        if (ins_.kind < KIND_DOT || ins_.kind > KIND_MOVE) return (ins_, MALFORMED_KIND);
        // Every count is a u8, so no offset below can overflow.
        unchecked {
            ins_.params = _start + FIXED_BYTES;
            ins_.iterDims = ins_.params + 4 * ins_.nParams;
            ins_.redDims = ins_.iterDims + 4 * ins_.nIter;
            w = ins_.nIter + ins_.nRed;
            uint256 p = ins_.redDims + 4 * ins_.nRed;
            ins_.operands = new uint256[](nOps);
            for (uint256 q; q < nOps; ++q) {
                // INVARIANT: an operand's header lies inside the bytes.
                if (p + 6 > end) return (ins_, MALFORMED_LENGTH);
                ins_.operands[q] = p;
                uint256 head;
                assembly ("memory-safe") {
                    head := calldataload(p)
                }
                // INVARIANT: the operand's space is Weight, Input or Activation.
                if (uint8(head >> 248) > SPACE_ACTIVATION) return (ins_, MALFORMED_SPACE);
                uint256 c = uint8(head >> 240);
                p += 6 + 4 * c * (2 + w);
            }
            // INVARIANT: the bytes end exactly after the last operand (no trailing bytes).
            if (p != end) return (ins_, MALFORMED_LENGTH);
        }
    }

    /// @notice Operand `_q`; the caller checks `_q < ins.operands.length`.
    function operand(Instruction memory _ins, uint256 _q) internal pure returns (Operand memory o_) {
        uint256 p = _ins.operands[_q];
        uint256 head;
        assembly ("memory-safe") {
            head := calldataload(p)
        }
        o_.space = uint8(head >> 248);
        o_.nDims = uint8(head >> 240);
        o_.slot = uint32(head >> 208);
        // Counts are u8: no overflow.
        unchecked {
            o_.dims = p + 6;
            o_.offsets = o_.dims + 4 * o_.nDims;
            o_.coefs = o_.offsets + 4 * o_.nDims;
        }
    }

    /// @notice params[_j] as bits, or `_default` when the instruction has fewer params.
    function param(Instruction memory _ins, uint256 _j, uint32 _default) internal pure returns (uint32) {
        if (_j >= _ins.nParams) return _default;
        return uint32(LibCursor.u32At(_ins.params + 4 * _j));
    }

    /// @notice Π of `_n` u32 dims at calldata offset `_dims` (1 for none). Checked: a product
    ///         beyond 2^256 reverts (well-formed programs stay below 2^32, §2.4).
    function product(uint256 _dims, uint256 _n) internal pure returns (uint256 p_) {
        p_ = 1;
        for (uint256 j; j < _n; ++j) {
            p_ *= LibCursor.u32At(_dims + 4 * j);
        }
    }

    /// @notice Writes the row-major multi-index of `_index` in the `_n` dims at `_dims` into
    ///         `_it[_at .. _at + _n)` (node/vm/step.ts multiIndex).
    function multiIndex(uint256 _index, uint256 _dims, uint256 _n, uint256[] memory _it, uint256 _at) internal pure {
        uint256 rest = _index;
        for (uint256 j = _n; j > 0;) {
            unchecked {
                --j;
            }
            uint256 d = LibCursor.u32At(_dims + 4 * j);
            _it[_at + j] = rest % d;
            rest /= d;
        }
    }

    /// @notice Coordinates, validity and address of operand `_o` at iteration point `_it`
    ///         (§2.1): coord_j = offset_j + Σ_i coef[j·w + i]·it_i with w = _it.length,
    ///         valid ⇔ 0 ≤ coord_j < dims_j for every j, address row-major.
    /// @return valid_ Whether every coordinate is in range.
    /// @return addr_ The row-major address (0 when not valid).
    /// @return length_ The slot length Π dims (what the slot's tree depth follows from).
    function evaluate(Operand memory _o, uint256[] memory _it)
        internal
        pure
        returns (bool valid_, uint256 addr_, uint256 length_)
    {
        uint256 w = _it.length;
        valid_ = true;
        length_ = 1;
        for (uint256 j; j < _o.nDims; ++j) {
            uint256 d = LibCursor.u32At(_o.dims + 4 * j);
            length_ *= d;
            int256 x = LibCursor.i32At(_o.offsets + 4 * j);
            // |coef| ≤ 2^31, it_i < 2^32 and w ≤ 510: every partial sum stays below 2^73.
            unchecked {
                uint256 row = _o.coefs + 4 * j * w;
                for (uint256 i; i < w; ++i) {
                    x += LibCursor.i32At(row + 4 * i) * int256(_it[i]);
                }
            }
            if (x < 0 || uint256(x) >= d) {
                valid_ = false;
            } else if (valid_) {
                addr_ = addr_ * d + uint256(x);
            }
        }
        if (!valid_) addr_ = 0;
    }
}
