// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepVerifier} from "../interfaces/IOneStepVerifier.sol";
import {LibState} from "./LibState.sol";

/// @title LibProofKind
/// @notice Where a one-step proof goes: the verifier of the kind its instruction's first byte
///         names (docs/PROTOCOL.md §6.2). The byte is not trusted: the verifier it selects
///         proves the instruction and refuses another kind, so a wrong byte only reverts.
library LibProofKind {
    /// @notice Offset of the instruction's kind byte: pre ‖ header ‖ u32 length (§6.1).
    uint256 internal constant KIND_AT = LibState.STATE_BYTES + LibState.HEADER_BYTES + 4;

    /// @notice The place, 0–3, of the verifier `_proof` goes to in Kind order (Dot, Map, Reduce,
    ///         Move; IOneStepVerifier.kindVerifiers): its kind byte − 1, or 0 for a proof without
    ///         one (a halted state's) or with a byte outside the kinds, which any of them proves
    ///         or refuses.
    /// @param _proof The one-step proof.
    /// @return i_ The verifier's place.
    function placeOf(bytes calldata _proof) internal pure returns (uint256 i_) {
        if (_proof.length <= KIND_AT) return 0;
        uint256 at = KIND_AT;
        assembly ("memory-safe") {
            // Kind codes are 1–4 (Isa.sol): byte − 1 wraps to a huge number for byte 0.
            i_ := sub(byte(0, calldataload(add(_proof.offset, at))), 1)
            if gt(i_, 3) {
                i_ := 0
            }
        }
    }

    /// @notice The verifier `_proof` goes to among the four of IOneStepVerifier.kindVerifiers,
    ///         given one by one (a contract holds them as immutables, which cannot be an array).
    /// @param _proof The one-step proof.
    /// @param _dot The Dot verifier.
    /// @param _map The Map verifier.
    /// @param _reduce The Reduce verifier.
    /// @param _move The Move verifier.
    /// @return The verifier at `_proof`'s place (placeOf).
    function verifierOf(
        bytes calldata _proof,
        IOneStepVerifier _dot,
        IOneStepVerifier _map,
        IOneStepVerifier _reduce,
        IOneStepVerifier _move
    ) internal pure returns (IOneStepVerifier) {
        uint256 i = placeOf(_proof);
        if (i == 0) return _dot;
        if (i == 1) return _map;
        if (i == 2) return _reduce;
        return _move;
    }
}
