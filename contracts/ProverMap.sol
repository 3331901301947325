// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {OneStepProver} from "./OneStepProver.sol";
import {F32} from "./lib/LibF32.sol";
import {FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, Kind} from "./lib/Isa.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";
import {LibMapOps} from "./lib/LibMapOps.sol";

/// @title ProverMap
/// @notice One-step prover of Map steps (§2.2, §2.3): unary, binary and ternary elementwise ops, with
///         their FO32 math (LibMapOps, LibF32Math).
/// @dev Deployed once and wired immutably into OneStepVerifier, which names it for its kind;
///      the dispute game sends it proofs of that kind directly (docs/PROTOCOL.md §6.2).
contract ProverMap is OneStepProver {
    /// @inheritdoc IOneStepProver
    function kind() public pure override returns (uint256) {
        return Kind.MAP;
    }

    /// @dev Map: out[e] = f(X), f(X, Y) or f(X, Y, Z); every read in range (§2.4).
    function _output(Ctx memory _c) internal pure override returns (uint256) {
        uint256[] memory it = _point(_c, false, false);
        F32 x = _f(_mustRead(_c, 0, it));
        uint256 op = _c.ins.op;
        if (op >= FIRST_BINARY_MAP_OP) {
            F32 y = _f(_mustRead(_c, 1, it));
            if (op < FIRST_TERNARY_MAP_OP) return _u(LibMapOps.binary(uint8(op), x, y));
            return _mapTernary(_c, it, x, y);
        }
        return _unary(_c, x);
    }

    /// @dev A ternary Map op (Where) on X, Y and operand Z. Reads Z itself rather than through
    ///      _mustRead, whose two call sites keep it inlined for every other Map step.
    function _mapTernary(Ctx memory _c, uint256[] memory _it, F32 _x, F32 _y) private pure returns (uint256) {
        LibInstruction.Operand memory o = _operand(_c, 2);
        (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(o, _it);
        // INVARIANT: a Map read is in range (§2.4).
        if (!valid) revert IOneStepVerifier.OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), 2);
        return _u(LibMapOps.ternary(uint8(_c.ins.op), _x, _y, _f(_read(_c, o, addr, len))));
    }
}
