// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {F32} from "./LibF32.sol";

/// @title LibBinary32
/// @notice Reads a model's output bytes as the Coordinator delivers them to a consumer: every
///         value a big-endian binary32, the outputs concatenated in the model's order
///         (docs/PROTOCOL.md §5.2). Values are returned as their bit patterns (`uint32`);
///         `LibF32` (type `F32`) has the IEEE arithmetic and comparisons on them.
///
///         Two orders are offered, each stated in full:
///         - thresholds (`greaterThan`, `atLeast`) use IEEE 754 comparison (`LibF32.gt`/`ge`):
///           −0 = +0, and a NaN value passes no threshold, whatever the threshold, so a NaN
///           output can never unlock anything;
///         - `compare` and `argmax` use the order of numpy's sort and argmax: −inf < … < −0 =
///           +0 < … < +inf < NaN, every NaN (any sign or payload) equal to every other. It is
///           a total order on values with NaN as one value above +inf. `argmax` returns the
///           first maximum, so the first NaN if there is one, as the protocol's `argmax` step
///           and the compiler's ONNX ArgMax lowering do (PROTOCOL §3.6, node/compiler/ops/logic.ts).
/// @dev Compiles with solc >=0.8.24 <0.9.0 (see RefereeConsumer's header for the reasoning);
///      checked with 0.8.30. Output lengths are not checked by the Coordinator at claim time
///      (PROTOCOL §5.2: a wrong length loses its game if challenged), so every reader checks
///      its index against the bytes it was given and reverts with a named error.
library LibBinary32 {
    /// @notice Output bytes whose length is not a multiple of 4.
    /// @param length The byte length given.
    error LibBinary32_BadLength(uint256 length);
    /// @notice A value index at or past the last value.
    /// @param index The index asked for.
    /// @param count The number of values in the bytes.
    error LibBinary32_IndexOutOfRange(uint256 index, uint256 count);
    /// @notice A range of values that does not lie within the bytes.
    /// @param from The range's first index.
    /// @param length Its number of values.
    /// @param count The number of values in the bytes.
    error LibBinary32_RangeOutOfBounds(uint256 from, uint256 length, uint256 count);
    /// @notice `argmax` over no values.
    error LibBinary32_EmptyRange();

    uint256 private constant ABS_MASK = 0x7FFFFFFF;
    uint256 private constant INF_BITS = 0x7F800000;
    /// @dev The key every NaN gets in `_key`: one above +inf's key (0x7F800000).
    int256 private constant NAN_KEY = 0x7F800001;

    /// @notice The number of binary32 values in `_output`.
    /// @param _output Output bytes, 4 per value.
    /// @return count_ `_output.length / 4`; reverts if the length is not a multiple of 4.
    function count(bytes memory _output) internal pure returns (uint256 count_) {
        uint256 length = _output.length;
        if (length % 4 != 0) revert LibBinary32_BadLength(length);
        count_ = length / 4;
    }

    /// @notice The bit pattern of the `_index`-th value (counting from 0 over all outputs).
    /// @param _output Output bytes, 4 per value.
    /// @param _index A value index below `count(_output)`.
    /// @return bits_ The value's binary32 bits, e.g. 0x3F800000 for 1.0.
    function bitsAt(bytes memory _output, uint256 _index) internal pure returns (uint32 bits_) {
        uint256 n = count(_output);
        if (_index >= n) revert LibBinary32_IndexOutOfRange(_index, n);
        bits_ = _load(_output, _index);
    }

    /// @notice The `_index`-th value as an `F32`, for LibF32's arithmetic.
    /// @param _output Output bytes, 4 per value.
    /// @param _index A value index below `count(_output)`.
    /// @return value_ The value.
    function at(bytes memory _output, uint256 _index) internal pure returns (F32 value_) {
        value_ = F32.wrap(bitsAt(_output, _index));
    }

    /// @notice Whether the `_index`-th value is greater than a threshold (IEEE: NaN never is).
    /// @param _output Output bytes, 4 per value.
    /// @param _index A value index below `count(_output)`.
    /// @param _thresholdBits The threshold's binary32 bits (0x3F000000 = 0.5).
    /// @return Whether value > threshold; false if either is NaN; −0 = +0.
    function greaterThan(bytes memory _output, uint256 _index, uint32 _thresholdBits) internal pure returns (bool) {
        return at(_output, _index).gt(F32.wrap(_thresholdBits));
    }

    /// @notice Whether the `_index`-th value is at least a threshold (IEEE: NaN never is).
    /// @param _output Output bytes, 4 per value.
    /// @param _index A value index below `count(_output)`.
    /// @param _thresholdBits The threshold's binary32 bits (0x3F000000 = 0.5).
    /// @return Whether value ≥ threshold; false if either is NaN; −0 = +0.
    function atLeast(bytes memory _output, uint256 _index, uint32 _thresholdBits) internal pure returns (bool) {
        return at(_output, _index).ge(F32.wrap(_thresholdBits));
    }

    /// @notice Compares two binary32 values in numpy's sort order: −inf < … < −0 = +0 < … <
    ///         +inf < NaN, all NaNs equal.
    /// @param _a First value's bits.
    /// @param _b Second value's bits.
    /// @return order_ −1 if a < b, 0 if equal in this order, 1 if a > b.
    function compare(uint32 _a, uint32 _b) internal pure returns (int256 order_) {
        int256 ka = _key(_a);
        int256 kb = _key(_b);
        order_ =
            ka < kb
                ? int256(-1)
                : ka > kb
                    ? int256(1)
                    : int256(0);
    }

    /// @notice The index of the first maximum over all values (`compare`'s order: the first
    ///         NaN if any).
    /// @param _output Output bytes, 4 per value; at least one value.
    /// @return index_ The index of the first maximum, counting from 0.
    function argmax(bytes memory _output) internal pure returns (uint256 index_) {
        index_ = argmax(_output, 0, count(_output));
    }

    /// @notice The first maximum of the values [`_from`, `_from + _length`), e.g. one output
    ///         tensor's class scores within all outputs.
    /// @param _output Output bytes, 4 per value.
    /// @param _from Index of the range's first value.
    /// @param _length Values in the range; at least one, and the range within the bytes.
    /// @return index_ The index of the first maximum, relative to `_from` (0 ≤ index < _length).
    function argmax(bytes memory _output, uint256 _from, uint256 _length) internal pure returns (uint256 index_) {
        if (_length == 0) revert LibBinary32_EmptyRange();
        uint256 n = count(_output);
        // Checked without adding `_from + _length`, which could overflow.
        if (_from >= n || _length > n - _from) revert LibBinary32_RangeOutOfBounds(_from, _length, n);
        int256 best = _key(_load(_output, _from));
        // INVARIANT: `best` is the key of value `_from + index_`, the first maximum of the
        // values read so far; a NaN key is the largest, so the first NaN ends the search.
        for (uint256 i = 1; i < _length && best != NAN_KEY; ++i) {
            int256 k = _key(_load(_output, _from + i));
            if (k > best) (best, index_) = (k, i);
        }
    }

    /// @dev ±(bits & 0x7FFFFFFF), minus when the sign bit is set: a signed integer in the
    ///      order of the values (−0 and +0 both 0); every NaN gets NAN_KEY, above +inf.
    function _key(uint32 _bits) private pure returns (int256 key_) {
        uint256 magnitude = uint256(_bits) & ABS_MASK;
        if (magnitude > INF_BITS) return NAN_KEY;
        key_ = _bits >> 31 == 1 ? -int256(magnitude) : int256(magnitude);
    }

    /// @dev Value `_index` of `_output`, unchecked: the caller checked `_index < count`.
    function _load(bytes memory _output, uint256 _index) private pure returns (uint32 bits_) {
        assembly ("memory-safe") {
            bits_ := shr(224, mload(add(add(_output, 0x20), mul(_index, 4))))
        }
    }
}
