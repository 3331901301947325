// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Root, StateHash} from "./Hashes.sol";
import {LibDomains} from "./LibDomains.sol";

/// @title LibState
/// @notice The machine state hash (docs/PROTOCOL.md §3.4) and the program root (§3.3):
///
///             stateHash   = H(0x06 ‖ weightsRoot ‖ inputsRoot ‖ activationsRoot
///                             ‖ u32 pc.instr ‖ u32 pc.elem ‖ u32 pc.k ‖ u32 f32(acc))
///             programRoot = H(0x05 ‖ instructionTreeRoot ‖ u32 #instructions
///                             ‖ u32 #weightSlots ‖ u32 #inputSlots ‖ u32 #activationSlots)
///
///         A one-step proof (§6) starts with exactly these preimages without their prefix,
///         so both are hashed straight from calldata.
library LibState {
    /// @notice Bytes of a state preimage after its prefix: 3 roots and 4 u32.
    uint256 internal constant STATE_BYTES = 112;
    /// @notice Bytes of a program header after its prefix: a root and 4 u32.
    uint256 internal constant HEADER_BYTES = 48;

    /// @notice The machine state, unpacked.
    struct State {
        bytes32 weightsRoot;
        bytes32 inputsRoot;
        bytes32 activationsRoot;
        uint256 instr;
        uint256 elem;
        uint256 k;
        /// @dev Bits of the binary32 accumulator.
        uint256 acc;
    }

    /// @notice The program header, unpacked.
    struct Header {
        bytes32 instructionTreeRoot;
        uint256 instructions;
        uint256 weightSlots;
        uint256 inputSlots;
        uint256 activationSlots;
    }

    /// @notice stateHash of a state.
    /// @param _s The state; pc fields and acc are taken modulo 2^32.
    /// @return h_ Its state hash.
    function hash(State memory _s) internal pure returns (StateHash h_) {
        bytes1 prefix = LibDomains.MACHINE_STATE;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, prefix)
            mcopy(add(m, 1), _s, 0x60)
            mstore(
                add(m, 0x61),
                or(
                    or(shl(224, mload(add(_s, 0x60))), shl(192, and(mload(add(_s, 0x80)), 0xffffffff))),
                    or(shl(160, and(mload(add(_s, 0xa0)), 0xffffffff)), shl(128, and(mload(add(_s, 0xc0)), 0xffffffff)))
                )
            )
            h_ := keccak256(m, 113)
        }
    }

    /// @notice stateHash of the state preimage (without prefix) at calldata offset `_p`.
    /// @param _p Calldata offset of STATE_BYTES bytes: 3 roots, then pc.instr, pc.elem, pc.k, acc bits.
    /// @return h_ Their state hash.
    function hashAt(uint256 _p) internal pure returns (StateHash h_) {
        bytes1 prefix = LibDomains.MACHINE_STATE;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, prefix)
            calldatacopy(add(m, 1), _p, 112)
            h_ := keccak256(m, 113)
        }
    }

    /// @notice Decodes the state preimage at calldata offset `_p`.
    /// @param _p Calldata offset of STATE_BYTES bytes, as for `hashAt`.
    /// @return s_ The state, each u32 widened.
    function decodeAt(uint256 _p) internal pure returns (State memory s_) {
        assembly ("memory-safe") {
            calldatacopy(s_, _p, 0x60)
            let w := calldataload(add(_p, 0x60))
            mstore(add(s_, 0x60), shr(224, w))
            mstore(add(s_, 0x80), and(shr(192, w), 0xffffffff))
            mstore(add(s_, 0xa0), and(shr(160, w), 0xffffffff))
            mstore(add(s_, 0xc0), and(shr(128, w), 0xffffffff))
        }
    }

    /// @notice programRoot of the header preimage (without prefix) at calldata offset `_p`.
    /// @param _p Calldata offset of HEADER_BYTES bytes: the instruction tree root, then the 4 counts.
    /// @return h_ Their program root.
    function programRootAt(uint256 _p) internal pure returns (Root h_) {
        bytes1 prefix = LibDomains.PROGRAM_ROOT;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, prefix)
            calldatacopy(add(m, 1), _p, 48)
            h_ := keccak256(m, 49)
        }
    }

    /// @notice programRoot of a header.
    /// @param _h The header; counts are taken modulo 2^32.
    /// @return h_ Its program root.
    function programRoot(Header memory _h) internal pure returns (Root h_) {
        bytes1 prefix = LibDomains.PROGRAM_ROOT;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, prefix)
            mstore(add(m, 1), mload(_h))
            mstore(
                add(m, 0x21),
                or(
                    or(shl(224, mload(add(_h, 0x20))), shl(192, and(mload(add(_h, 0x40)), 0xffffffff))),
                    or(shl(160, and(mload(add(_h, 0x60)), 0xffffffff)), shl(128, and(mload(add(_h, 0x80)), 0xffffffff)))
                )
            )
            h_ := keccak256(m, 49)
        }
    }

    /// @notice Decodes the header preimage at calldata offset `_p`.
    /// @param _p Calldata offset of HEADER_BYTES bytes, as for `programRootAt`.
    /// @return h_ The header, each u32 widened.
    function decodeHeaderAt(uint256 _p) internal pure returns (Header memory h_) {
        assembly ("memory-safe") {
            mstore(h_, calldataload(_p))
            let w := calldataload(add(_p, 0x20))
            mstore(add(h_, 0x20), shr(224, w))
            mstore(add(h_, 0x40), and(shr(192, w), 0xffffffff))
            mstore(add(h_, 0x60), and(shr(160, w), 0xffffffff))
            mstore(add(h_, 0x80), and(shr(128, w), 0xffffffff))
        }
    }
}
