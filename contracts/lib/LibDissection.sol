// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title LibDissection
/// @notice Index math of the n-ary dissection over steps (docs/PROTOCOL.md, dispute game):
///         a disputed range [lo, hi] of length L = hi − lo is cut into m = min(k, L)
///         sub-ranges at the points p_i = lo + ⌊L·i / m⌋, i = 0..m. The claimer posts the
///         m − 1 state hashes at p_1..p_{m−1}; sub-range j is [p_j, p_{j+1}]. Because L ≥ m
///         every sub-range has length ≥ 1, and lengths differ by at most one.
library LibDissection {
    /// @notice Number of sub-ranges a range of length `_length` is cut into with degree `_k`.
    /// @param _length L = hi − lo, in steps; ≥ 1 in a game.
    /// @param _k The game's degree (DEGREE).
    /// @return parts_ m = min(k, L).
    function parts(uint256 _length, uint256 _k) internal pure returns (uint256 parts_) {
        parts_ = _length < _k ? _length : _k;
    }

    /// @notice Split point i (0 ≤ i ≤ parts) of [lo, lo + length] cut into `_parts` sub-ranges.
    /// @param _lo The range's first step.
    /// @param _length L, in steps.
    /// @param _parts m, from `parts`.
    /// @param _i The point's position, 0 ≤ i ≤ m.
    /// @return point_ p_i, a step index.
    function point(uint64 _lo, uint256 _length, uint256 _parts, uint256 _i) internal pure returns (uint64 point_) {
        // length < 2^64 and i ≤ parts ≤ 2^32 in every use: the product fits in uint256 and
        // the quotient ≤ length, so lo + quotient ≤ hi fits in uint64.
        point_ = _lo + uint64((_length * _i) / _parts);
    }

    /// @notice Number of dissection rounds (claimer moves) before a range of length `_length`
    ///         is down to one step, when each round keeps the longest sub-range.
    /// @param _length L, in steps.
    /// @param _k The game's degree.
    /// @return rounds_ The worst-case number of dissections (§7.8).
    function rounds(uint256 _length, uint256 _k) internal pure returns (uint256 rounds_) {
        while (_length > 1) {
            uint256 m = parts(_length, _k);
            _length = (_length + m - 1) / m;
            ++rounds_;
        }
    }
}
