// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Clock, LibClock} from "../lib/LibClock.sol";
import {LibCommitment} from "../lib/LibCommitment.sol";
import {LibDissection} from "../lib/LibDissection.sol";
import {LibTensorRoot} from "../lib/LibTensorRoot.sol";

/// @title ProtocolLibHarness
/// @notice External entry points to the protocol libraries, for tests.
contract ProtocolLibHarness {
    function slotRoot(
        bytes calldata _data,
        uint256 _offset,
        uint256 _length
    ) external pure returns (bytes32 root_, uint256 nanIndex_) {
        (root_, nanIndex_) = LibTensorRoot.slotRoot(_data, _offset, _length);
    }

    function spaceRoot(bytes32[] memory _slotRoots) external pure returns (bytes32 root_) {
        root_ = LibTensorRoot.spaceRoot(_slotRoots);
    }

    function spaceRootFromProof(
        bytes32 _slotRoot,
        uint256 _index,
        uint256 _slots,
        bytes32[] calldata _proof
    ) external pure returns (bytes32 root_) {
        root_ = LibTensorRoot.spaceRootFromProof(_slotRoot, _index, _slots, _proof);
    }

    function zeroHash(bytes1 _prefix, uint256 _depth) external pure returns (bytes32 z_) {
        z_ = LibTensorRoot.zeroHash(_prefix, _depth);
    }

    function stateHash(
        bytes32 _w,
        bytes32 _i,
        bytes32 _a,
        uint32 _instr,
        uint32 _elem,
        uint32 _k,
        uint32 _acc
    ) external pure returns (bytes32 h_) {
        h_ = LibCommitment.stateHash(_w, _i, _a, _instr, _elem, _k, _acc);
    }

    function parts(uint256 _length, uint256 _k) external pure returns (uint256 parts_) {
        parts_ = LibDissection.parts(_length, _k);
    }

    function point(uint64 _lo, uint256 _length, uint256 _parts, uint256 _i) external pure returns (uint64 point_) {
        point_ = LibDissection.point(_lo, _length, _parts, _i);
    }

    function rounds(uint256 _length, uint256 _k) external pure returns (uint256 rounds_) {
        rounds_ = LibDissection.rounds(_length, _k);
    }

    function clockWrap(uint64 _seconds) external pure returns (uint128 clock_) {
        clock_ = Clock.unwrap(LibClock.wrap(_seconds));
    }

    function clockStart(uint128 _clock, uint64 _now) external pure returns (uint128 clock_) {
        clock_ = Clock.unwrap(Clock.wrap(_clock).start(_now));
    }

    function clockStop(uint128 _clock, uint64 _now) external pure returns (uint128 clock_) {
        clock_ = Clock.unwrap(Clock.wrap(_clock).stop(_now));
    }

    function clockSecondsLeft(uint128 _clock, uint64 _now) external pure returns (uint64 left_) {
        left_ = Clock.wrap(_clock).secondsLeft(_now);
    }

    function clockExpired(uint128 _clock, uint64 _now) external pure returns (bool expired_) {
        expired_ = Clock.wrap(_clock).expired(_now);
    }
}
