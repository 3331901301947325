// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Kind, Space} from "./Isa.sol";
import {LibCursor} from "./LibCursor.sol";

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
    /// @notice A product of dims (an element count) is beyond 2^64.
    error LibInstruction_TooLarge(uint256 dims, uint256 n);

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
    uint256 internal constant FIXED_BYTES = 10;

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
    /// @param _start Calldata offset of the instruction's first byte.
    /// @param _length Its byte length, as given by the proof.
    function decode(
        uint256 _start,
        uint256 _length
    ) internal pure returns (Instruction memory ins_, uint256 malformed_) {
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
        if (ins_.kind < Kind.DOT || ins_.kind > Kind.MOVE) return (ins_, MALFORMED_KIND);
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
                if (uint8(head >> 248) > Space.ACTIVATION) return (ins_, MALFORMED_SPACE);
                uint256 c = uint8(head >> 240);
                p += 6 + 4 * c * (2 + w);
            }
            // INVARIANT: the bytes end exactly after the last operand (no trailing bytes).
            if (p != end) return (ins_, MALFORMED_LENGTH);
        }
    }

    /// @notice Operand `_q`; the caller checks `_q < ins.operands.length`.
    /// @param _ins A decoded instruction.
    /// @param _q The operand's position in the instruction.
    /// @return o_ Its space, slot, dim count and the calldata offsets of its arrays.
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
    /// @param _ins A decoded instruction.
    /// @param _j The param's position.
    /// @param _default The bits to use when the param is absent.
    /// @return The param's 32 bits (a binary32 for Map params).
    function param(Instruction memory _ins, uint256 _j, uint32 _default) internal pure returns (uint32) {
        if (_j >= _ins.nParams) return _default;
        return uint32(LibCursor.u32At(_ins.params + 4 * _j));
    }

    /// @notice Π of `_n` u32 dims at calldata offset `_dims` (1 for none). Reverts with
    ///         LibInstruction_TooLarge beyond 2^64 (well-formed programs stay below 2^53, §2.4).
    /// @param _dims Calldata offset of the first u32 dim.
    /// @param _n Number of dims.
    /// @return p_ Their product, < 2^64.
    function product(uint256 _dims, uint256 _n) internal pure returns (uint256 p_) {
        bool tooLarge;
        assembly ("memory-safe") {
            p_ := 1
            for {
                let j := 0
            } lt(j, _n) {
                j := add(j, 1)
            } {
                // p_ < 2^64 and a dim < 2^32: the product stays below 2^96.
                p_ := mul(p_, shr(224, calldataload(add(_dims, shl(2, j)))))
                if gt(p_, 0xffffffffffffffff) {
                    tooLarge := 1
                }
                if tooLarge {
                    break
                }
            }
        }
        // INVARIANT: element counts fit the protocol's bounds, so no product can overflow.
        if (tooLarge) revert LibInstruction_TooLarge(_dims, _n);
    }

    /// @notice Writes the row-major multi-index of `_index` in the `_n` dims at `_dims` into
    ///         `_it[_at .. _at + _n)` (node/vm/step.ts multiIndex). The caller ensures
    ///         `_index` < Π dims (so no dim is 0) and `_at + _n ≤ _it.length`.
    /// @param _index A row-major flat index.
    /// @param _dims Calldata offset of the first u32 dim.
    /// @param _n Number of dims.
    /// @param _it The iteration point written to.
    /// @param _at Where in `_it` the first coordinate goes.
    function multiIndex(uint256 _index, uint256 _dims, uint256 _n, uint256[] memory _it, uint256 _at) internal pure {
        assembly ("memory-safe") {
            let rest := _index
            let out := add(add(_it, 0x20), shl(5, _at))
            for {
                let j := _n
            } gt(j, 0) {} {
                j := sub(j, 1)
                let d := shr(224, calldataload(add(_dims, shl(2, j))))
                mstore(add(out, shl(5, j)), mod(rest, d))
                rest := div(rest, d)
            }
        }
    }

    /// @notice A zeroed iteration point of `_n` coordinates, followed in memory by zero words
    ///         up to a multiple of 8 coordinates (what `evaluate` reads; see there).
    /// @param _n Coordinates: #iterDims + #redDims of the instruction.
    /// @return it_ The point, length `_n`, with 7 zero words allocated after it.
    function point(uint256 _n) internal pure returns (uint256[] memory it_) {
        it_ = new uint256[](_n + 7);
        assembly ("memory-safe") {
            mstore(it_, _n)
        }
    }

    /// @notice Coordinates, validity and address of operand `_o` at iteration point `_it`
    ///         (§2.1): coord_j = offset_j + Σ_i coef[j·w + i]·it_i with w = _it.length,
    ///         valid ⇔ 0 ≤ coord_j < dims_j for every j, address row-major.
    /// @dev `_it` must come from `point`: each row of coefficients is summed 8 at a time from
    ///      one calldata word (4 when the point has ≤ 4 coordinates), the terms past the row's
    ///      end (the next row's coefficients, or whatever calldata follows) meeting the zero
    ///      words after `_it`.
    /// @return valid_ Whether every coordinate is in range.
    /// @return addr_ The row-major address (0 when not valid).
    /// @return length_ The slot length Π dims (what the slot's tree depth follows from).
    /// @param _o The operand, from `operand`.
    /// @param _it The iteration point, from `point`.
    function evaluate(
        Operand memory _o,
        uint256[] memory _it
    ) internal pure returns (bool valid_, uint256 addr_, uint256 length_) {
        bool tooLarge;
        // Signed arithmetic in two's complement: |coef| ≤ 2^31, it_i < 2^32, w ≤ 510 and
        // |offset| ≤ 2^31, so every coordinate stays below 2^73 in magnitude; addr_ < length_.
        assembly ("memory-safe") {
            let it := add(_it, 0x20)
            let rowBytes := shl(2, mload(_it)) // 4·w
            let itEnd := add(it, shl(3, rowBytes))
            let n := mload(add(_o, 0x40))
            let dims := mload(add(_o, 0x60))
            let offsets := mload(add(_o, 0x80))
            let row := mload(add(_o, 0xa0)) // coef[j·w …], rows of 4·w bytes
            valid_ := 1
            length_ := 1
            for {
                let j := 0
            } lt(j, n) {
                j := add(j, 1)
            } {
                let x := signextend(3, shr(224, calldataload(add(offsets, shl(2, j)))))
                switch gt(rowBytes, 16)
                case 0 {
                    // A point of ≤ 4 coordinates (Map, Move): one word's first 4 terms.
                    let c := calldataload(row)
                    x := add(x, mul(sar(224, c), mload(it)))
                    x := add(x, mul(sar(224, shl(32, c)), mload(add(it, 0x20))))
                    x := add(x, mul(sar(224, shl(64, c)), mload(add(it, 0x40))))
                    x := add(x, mul(sar(224, shl(96, c)), mload(add(it, 0x60))))
                }
                default {
                    let cp := row
                    for {
                        let ip := it
                    } lt(ip, itEnd) {
                        ip := add(ip, 0x100)
                    } {
                        let c := calldataload(cp)
                        x := add(x, mul(sar(224, c), mload(ip)))
                        x := add(x, mul(sar(224, shl(32, c)), mload(add(ip, 0x20))))
                        x := add(x, mul(sar(224, shl(64, c)), mload(add(ip, 0x40))))
                        x := add(x, mul(sar(224, shl(96, c)), mload(add(ip, 0x60))))
                        x := add(x, mul(sar(224, shl(128, c)), mload(add(ip, 0x80))))
                        x := add(x, mul(sar(224, shl(160, c)), mload(add(ip, 0xa0))))
                        x := add(x, mul(sar(224, shl(192, c)), mload(add(ip, 0xc0))))
                        x := add(x, mul(sar(224, shl(224, c)), mload(add(ip, 0xe0))))
                        cp := add(cp, 32)
                    }
                }
                row := add(row, rowBytes)
                let d := shr(224, calldataload(add(dims, shl(2, j))))
                // length_ < 2^64 and d < 2^32: no overflow before the bound check.
                length_ := mul(length_, d)
                if gt(length_, 0xffffffffffffffff) {
                    tooLarge := 1
                    length_ := 0
                }
                switch and(iszero(slt(x, 0)), lt(x, d))
                case 0 {
                    valid_ := 0
                    // The address is moot now: the remaining dims only extend length_, whose
                    // bound check still runs for every dim. Leaves j = n, ending the loop.
                    for {
                        j := add(j, 1)
                    } lt(j, n) {
                        j := add(j, 1)
                    } {
                        length_ := mul(length_, shr(224, calldataload(add(dims, shl(2, j)))))
                        if gt(length_, 0xffffffffffffffff) {
                            tooLarge := 1
                            length_ := 0
                        }
                    }
                    j := sub(j, 1)
                }
                default {
                    addr_ := add(mul(addr_, d), x)
                }
            }
            if iszero(valid_) {
                addr_ := 0
            }
        }
        // INVARIANT: element counts fit the protocol's bounds, so no product can overflow.
        if (tooLarge) revert LibInstruction_TooLarge(_o.dims, _o.nDims);
    }
}
