// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {OneStepProver} from "./OneStepProver.sol";
import {F32, LibF32} from "./lib/LibF32.sol";
import {Kind} from "./lib/Isa.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";

/// @title ProverDot
/// @notice One-step prover of Dot steps (§2.2): multiply-accumulate (k < K) and write (k = K, bias and
///         the Map epilogue).
/// @dev Deployed once and wired immutably into OneStepVerifier, which names it for its kind;
///      the dispute game sends it proofs of that kind directly (docs/PROTOCOL.md §6.2).
contract ProverDot is OneStepProver {
    /// @inheritdoc IOneStepProver
    function kind() public pure override returns (uint256) {
        return Kind.DOT;
    }

    /// @dev Dot, k < K: acc' = add(a, mul(A, B)), or a for a padded tap.
    function _reduction(Ctx memory _c) internal pure override returns (uint256) {
        uint256 a = _accIn(_c);
        uint256[] memory it = _point(_c, true, true);
        LibInstruction.Operand memory opA = _operand(_c, 0);
        LibInstruction.Operand memory opB = _operand(_c, 1);
        (bool validA, uint256 addrA, uint256 lenA) = LibInstruction.evaluate(opA, it);
        (bool validB, uint256 addrB, uint256 lenB) = LibInstruction.evaluate(opB, it);
        // A padded tap (either read out of range) leaves acc unchanged and reads nothing.
        if (!(validA && validB)) return a;
        uint256 x = _read(_c, opA, addrA, lenA);
        uint256 y = _read(_c, opB, addrB, lenB);
        return _u(LibF32.add(_f(a), LibF32.mul(_f(x), _f(y))));
    }

    /// @dev Dot, k = K: out[e] = epilogue(op, params, add(a, bias)).
    function _output(Ctx memory _c) internal pure override returns (uint256) {
        F32 s = _f(_accIn(_c));
        if (_c.ins.operands.length > 2) {
            LibInstruction.Operand memory opBias = LibInstruction.operand(_c.ins, 2);
            (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(opBias, _point(_c, true, false));
            // INVARIANT: a Dot bias read is in range (§2.4).
            if (!valid) revert IOneStepVerifier.OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), 2);
            s = LibF32.add(s, _f(_read(_c, opBias, addr, len)));
        }
        return _unary(_c, s);
    }
}
