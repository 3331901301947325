// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title LibCursor
/// @notice Big-endian reads from calldata at an absolute offset, cursor style:
///         `(x, offset) = LibCursor.u32(offset)`. Reads past the end of calldata see zeros;
///         callers bound their cursor by the end of the proof once decoding is done.
library LibCursor {
    /// @notice The u8 at `_p`, and the offset after it.
    /// @param _p A calldata offset.
    /// @return x_ The byte.
    /// @return next_ `_p` + 1.
    function u8(uint256 _p) internal pure returns (uint256 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := shr(248, calldataload(_p))
            next_ := add(_p, 1)
        }
    }

    /// @notice The big-endian u32 at `_p`, and the offset after it.
    /// @param _p A calldata offset.
    /// @return x_ The value.
    /// @return next_ `_p` + 4.
    function u32(uint256 _p) internal pure returns (uint256 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := shr(224, calldataload(_p))
            next_ := add(_p, 4)
        }
    }

    /// @notice The 32-byte word at `_p`, and the offset after it.
    /// @param _p A calldata offset.
    /// @return x_ The word.
    /// @return next_ `_p` + 32.
    function b32(uint256 _p) internal pure returns (bytes32 x_, uint256 next_) {
        assembly ("memory-safe") {
            x_ := calldataload(_p)
            next_ := add(_p, 32)
        }
    }

    /// @notice The u32 at `_p`, without moving a cursor.
    /// @param _p A calldata offset.
    /// @return x_ The big-endian value.
    function u32At(uint256 _p) internal pure returns (uint256 x_) {
        assembly ("memory-safe") {
            x_ := shr(224, calldataload(_p))
        }
    }

    /// @notice The i32 at `_p`, sign-extended.
    /// @param _p A calldata offset.
    /// @return x_ The big-endian two's complement value.
    function i32At(uint256 _p) internal pure returns (int256 x_) {
        assembly ("memory-safe") {
            x_ := signextend(3, shr(224, calldataload(_p)))
        }
    }
}
