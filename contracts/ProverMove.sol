// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {OneStepProver} from "./OneStepProver.sol";
import {Kind} from "./lib/Isa.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";

/// @title ProverMove
/// @notice One-step prover of Move steps (§2.2): the first source in range, else the fill value
///         params[0].
/// @dev Deployed once and wired immutably into OneStepVerifier, which names it for its kind;
///      the dispute game sends it proofs of that kind directly (docs/PROTOCOL.md §6.2).
contract ProverMove is OneStepProver {
    /// @inheritdoc IOneStepProver
    function kind() public pure override returns (uint256) {
        return Kind.MOVE;
    }

    /// @dev Move: the first source read in range gives the value, else params[0].
    function _output(Ctx memory _c) internal pure override returns (uint256) {
        uint256[] memory it = _point(_c, false, false);
        uint256 n = _c.ins.operands.length;
        for (uint256 q; q < n; ++q) {
            LibInstruction.Operand memory src = LibInstruction.operand(_c.ins, q);
            (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(src, it);
            if (valid) return _read(_c, src, addr, len);
        }
        return _param(_c, 0);
    }
}
