// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {OneStepProver} from "./OneStepProver.sol";
import {F32, LibF32} from "./lib/LibF32.sol";
import {Kind, ReduceOp} from "./lib/Isa.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";

/// @title ProverReduce
/// @notice One-step prover of Reduce steps (§2.2): Sum, Max, Min, Mean accumulation (k < K) and write
///         (k = K, Mean divides).
/// @dev Deployed once and wired immutably into OneStepVerifier, which names it for its kind;
///      the dispute game sends it proofs of that kind directly (docs/PROTOCOL.md §6.2).
contract ProverReduce is OneStepProver {
    /// @inheritdoc IOneStepProver
    function kind() public pure override returns (uint256) {
        return Kind.REDUCE;
    }

    /// @dev Reduce, k < K: acc' = reduce(op, a, X), or a when the read is out of range.
    function _reduction(Ctx memory _c) internal pure override returns (uint256) {
        uint256 a = _accIn(_c);
        LibInstruction.Operand memory opX = _operand(_c, 0);
        (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(opX, _point(_c, true, true));
        if (!valid) return a;
        F32 x = _f(_read(_c, opX, addr, len));
        uint256 op = _c.ins.op;
        if (op == ReduceOp.SUM || op == ReduceOp.MEAN) return _u(LibF32.add(_f(a), x));
        if (op == ReduceOp.MAX) return _u(LibF32.max(_f(a), x));
        if (op == ReduceOp.MIN) return _u(LibF32.min(_f(a), x));
        // INVARIANT: the reduce op is Sum, Max, Min or Mean.
        revert IOneStepVerifier.OneStepVerifier_BadInstruction(uint32(_c.pre.instr), LibInstruction.UNKNOWN_OP);
    }

    /// @dev Reduce, k = K: out[e] = a, or div(a, params[0]) for Mean.
    function _output(Ctx memory _c) internal pure override returns (uint256) {
        uint256 a = _accIn(_c);
        if (_c.ins.op != ReduceOp.MEAN) return a;
        return _u(LibF32.div(_f(a), _f(_param(_c, 0))));
    }
}
