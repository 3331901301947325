// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {F32, LibF32} from "./lib/LibF32.sol";
import {Root, StateHash} from "./lib/Hashes.sol";
import {FIRST_BINARY_MAP_OP, FIRST_TERNARY_MAP_OP, Kind, MapOp, ReduceOp, Space} from "./lib/Isa.sol";
import {LibMapOps} from "./lib/LibMapOps.sol";
import {LibCursor} from "./lib/LibCursor.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";
import {LibMerkle} from "./lib/LibMerkle.sol";
import {LibState} from "./lib/LibState.sol";

/// @title OneStepVerifier
/// @notice One micro-step of a Referee program, executed from a one-step proof (layout in
///         docs/PROTOCOL.md §6) exactly as `step` of node/vm/step.ts (§2.2), returning the
///         post-state hash. Order of work: check the pre-state and the program header against
///         the given hashes, check the pc, prove the instruction, then dispatch on the
///         instruction's kind and the step's phase — Dot multiply-accumulate, Dot write,
///         Reduce step, Reduce write, Map, Move — reading each used value from its leaf with
///         its paths, and for write steps compute the new leaf, slot root and activations
///         root from the written leaf's paths. A halted state is returned unchanged.
/// @dev The executable TypeScript model of this contract is `verifyWitness` in
///      node/commit/witness.ts.
contract OneStepVerifier is IOneStepVerifier {
    /// @notice Canonical quiet NaN (§1): every NaN stored or hashed is this pattern.
    uint32 private constant CANONICAL_NAN = 0x7FC00000;
    uint32 private constant NEG_INF = 0xFF800000;
    uint32 private constant POS_INF = 0x7F800000;

    /// @notice What the step functions share: the pre-state, the program header, the cursor
    ///         over the proof and the anchors of the value paths (§6).
    struct Ctx {
        LibState.State pre;
        LibState.Header header;
        /// @dev Absolute calldata offsets of the next unread proof byte and of the proof's end.
        uint256 p;
        uint256 end;
        /// @dev Read witnesses the proof announces, and how many the step has used.
        uint256 reads;
        uint256 used;
        /// @dev Per space: whether a value of it was proven yet, and that value's slot path.
        bool[3] anchored;
        LibMerkle.Path[3] anchors;
        LibInstruction.Instruction ins;
    }

    /// @notice A value witness being checked: which value, its leaf, its slot root before and
    ///         (writes) after the step.
    struct Value {
        uint256 space;
        uint256 slot;
        uint256 addr;
        bytes32 leaf;
        bytes32 slotRoot;
        bytes32 newSlotRoot;
        bool isWrite;
    }

    /// @inheritdoc IOneStepVerifier
    function step(
        Root _programRoot,
        StateHash _preStateHash,
        bytes calldata _proof
    ) external pure returns (StateHash postStateHash_) {
        uint256 start;
        assembly ("memory-safe") {
            start := _proof.offset
        }
        Ctx memory c = _open(_programRoot, _preStateHash, start, _proof.length);
        LibState.State memory pre = c.pre;

        // INVARIANT: acc is +0 whenever k = 0 (§2.4).
        if (pre.k == 0 && pre.acc != 0) revert OneStepVerifier_NonCanonicalAcc(uint32(pre.k), uint32(pre.acc));
        if (pre.instr == c.header.instructions) {
            // INVARIANT: the halted pc is exactly (#instructions, 0, 0).
            if (pre.elem != 0 || pre.k != 0)
                revert OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));
            // INVARIANT: a halted state's proof carries nothing more.
            if (c.p != c.end) revert OneStepVerifier_BadProofLength(c.p - start, _proof.length);
            // A halted state is a fixed point.
            return _preStateHash;
        }
        // INVARIANT: pc.instr names an instruction of the program.
        if (pre.instr > c.header.instructions)
            revert OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));

        LibState.State memory post = _run(c);
        // INVARIANT: the proof ends where its contents end.
        if (c.p != c.end) revert OneStepVerifier_BadProofLength(c.p - start, _proof.length);
        return LibState.hash(post);
    }

    /// @dev Checks the pre-state and header preimages at the start of the proof against their
    ///      hashes and decodes them.
    function _open(
        Root _programRoot,
        StateHash _preStateHash,
        uint256 _start,
        uint256 _length
    ) private pure returns (Ctx memory c_) {
        uint256 fixedBytes = LibState.STATE_BYTES + LibState.HEADER_BYTES;
        // INVARIANT: the proof holds at least the pre-state and the program header.
        if (_length < fixedBytes) revert OneStepVerifier_BadProofLength(fixedBytes, _length);
        // INVARIANT: the pre-state parts are those of the pre-state hash.
        // Compared as bytes32 (contracts/lib/Hashes.sol); one word serves both hashes.
        bytes32 h = StateHash.unwrap(LibState.hashAt(_start));
        if (h != StateHash.unwrap(_preStateHash)) revert OneStepVerifier_BadPreState(_preStateHash, StateHash.wrap(h));
        // INVARIANT: the header (instruction tree root, instruction and slot counts) is the program's.
        h = Root.unwrap(LibState.programRootAt(_start + LibState.STATE_BYTES));
        if (h != Root.unwrap(_programRoot)) revert OneStepVerifier_BadProgramHeader(_programRoot, Root.wrap(h));
        c_.pre = LibState.decodeAt(_start);
        c_.header = LibState.decodeHeaderAt(_start + LibState.STATE_BYTES);
        c_.p = _start + fixedBytes;
        c_.end = _start + _length;
    }

    /// @dev A step of a running state: the instruction, the pc inside it, the step by kind and
    ///      phase, the write. Returns the post-state.
    function _run(Ctx memory _c) private pure returns (LibState.State memory post_) {
        LibState.State memory pre = _c.pre;
        _proveInstruction(_c);
        (uint256 elems, uint256 kMax) = _extent(_c.ins);
        // INVARIANT: the pc lies inside the instruction: elem < E, k ≤ K (k = 0 for Map, Move).
        if (pre.elem >= elems || pre.k > kMax)
            revert OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));

        (_c.reads, _c.p) = LibCursor.u8(_c.p);
        uint256 kind = _c.ins.kind;
        bool writes = pre.k == kMax; // reduction steps are k < K; every other step writes
        uint256 value; // a reduction step's new acc, or a write step's value
        if (!writes) {
            value = kind == Kind.DOT ? _dotMac(_c) : _reduceStep(_c);
        } else if (kind == Kind.DOT) {
            value = _dotWrite(_c);
        } else if (kind == Kind.REDUCE) {
            value = _reduceWrite(_c);
        } else if (kind == Kind.MAP) {
            value = _map(_c);
        } else {
            value = _move(_c);
        }
        // INVARIANT: the proof carries exactly the reads the step uses.
        if (_c.used != _c.reads) revert OneStepVerifier_BadReadCount(_c.reads, _c.used);

        uint256 flag;
        (flag, _c.p) = LibCursor.u8(_c.p);
        post_ = pre;
        if (!writes) {
            // INVARIANT: a reduction step writes nothing.
            if (flag != 0) revert OneStepVerifier_BadWriteFlag(flag, 0);
            post_.k = pre.k + 1;
            post_.acc = _canonical(value);
        } else {
            // INVARIANT: a write step carries the written element's leaf.
            if (flag != 1) revert OneStepVerifier_BadWriteFlag(flag, 1);
            post_.activationsRoot = _write(_c, _canonical(value), elems);
            _advance(post_, elems);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Instruction and pc

    /// @dev Reads the instruction bytes and their path; checks them against the header's
    ///      instruction tree at pc.instr; decodes them.
    function _proveInstruction(Ctx memory _c) private pure {
        uint256 len;
        (len, _c.p) = LibCursor.u32(_c.p);
        uint256 at = _c.p;
        _c.p += len;
        bytes32 leaf = _instructionHash(at, len);
        bytes32 root;
        uint256 instr = _c.pre.instr;
        (root, _c.p) = LibMerkle.root(
            LibMerkle.PROGRAM,
            leaf,
            instr,
            LibMerkle.spaceDepth(_c.header.instructions),
            _c.p
        );
        // INVARIANT: the instruction is the program's instruction at pc.instr.
        if (root != _c.header.instructionTreeRoot) revert OneStepVerifier_BadInstructionProof(uint32(instr), root);
        uint256 malformed;
        (_c.ins, malformed) = LibInstruction.decode(at, len);
        // INVARIANT: the committed bytes are a well-formed instruction.
        if (malformed != 0) revert OneStepVerifier_BadInstruction(uint32(instr), malformed);
    }

    /// @dev h_i = H(0x04 ‖ bytes_i).
    function _instructionHash(uint256 _at, uint256 _len) private pure returns (bytes32 h_) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore8(m, 0x04)
            calldatacopy(add(m, 1), _at, _len)
            h_ := keccak256(m, add(_len, 1))
        }
    }

    /// @dev E = Π iterDims and K = Π redDims for Dot and Reduce (0 for Map and Move).
    function _extent(LibInstruction.Instruction memory _ins) private pure returns (uint256 e_, uint256 k_) {
        e_ = LibInstruction.product(_ins.iterDims, _ins.nIter);
        if (_ins.kind == Kind.DOT || _ins.kind == Kind.REDUCE) {
            k_ = LibInstruction.product(_ins.redDims, _ins.nRed);
        }
    }

    /// @dev The iteration point (o, r) of the step: o the multi-index of pc.elem in iterDims,
    ///      then `_red` reduction coordinates — the multi-index of pc.k in redDims if `_atK`,
    ///      else zeros (a Dot bias reads at r = 0).
    function _point(Ctx memory _c, bool _withRed, bool _atK) private pure returns (uint256[] memory it_) {
        LibInstruction.Instruction memory ins = _c.ins;
        uint256 nRed = _withRed ? ins.nRed : 0;
        it_ = LibInstruction.point(ins.nIter + nRed);
        LibInstruction.multiIndex(_c.pre.elem, ins.iterDims, ins.nIter, it_, 0);
        if (_atK) LibInstruction.multiIndex(_c.pre.k, ins.redDims, nRed, it_, ins.nIter);
    }

    /// @dev Operand `_q` of the instruction, which must have it.
    function _operand(Ctx memory _c, uint256 _q) private pure returns (LibInstruction.Operand memory) {
        // INVARIANT: the instruction has the operand its kind reads.
        if (_q >= _c.ins.operands.length) {
            revert OneStepVerifier_BadInstruction(uint32(_c.pre.instr), LibInstruction.MISSING_OPERAND);
        }
        return LibInstruction.operand(_c.ins, _q);
    }

    /// @dev params[_j], which the step needs.
    function _param(Ctx memory _c, uint256 _j) private pure returns (uint32) {
        // INVARIANT: a param the step needs is there (Mean's divisor, Move's fill value).
        if (_j >= _c.ins.nParams)
            revert OneStepVerifier_BadInstruction(uint32(_c.pre.instr), LibInstruction.MISSING_PARAM);
        return LibInstruction.param(_c.ins, _j, 0);
    }

    /// @dev The accumulator used at this step: init(op) at k = 0, else acc (§2.2).
    function _accIn(Ctx memory _c) private pure returns (uint256) {
        if (_c.pre.k != 0) return _c.pre.acc;
        if (_c.ins.kind == Kind.REDUCE) {
            if (_c.ins.op == ReduceOp.MAX) return NEG_INF;
            if (_c.ins.op == ReduceOp.MIN) return POS_INF;
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------
    // Per kind and phase. Each returns the new acc (reduction steps) or the written value.

    /// @dev Dot, k < K: acc' = add(a, mul(A, B)), or a for a padded tap.
    function _dotMac(Ctx memory _c) private pure returns (uint256) {
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
    function _dotWrite(Ctx memory _c) private pure returns (uint256) {
        F32 s = _f(_accIn(_c));
        if (_c.ins.operands.length > 2) {
            LibInstruction.Operand memory opBias = LibInstruction.operand(_c.ins, 2);
            (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(opBias, _point(_c, true, false));
            // INVARIANT: a Dot bias read is in range (§2.4).
            if (!valid) revert OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), 2);
            s = LibF32.add(s, _f(_read(_c, opBias, addr, len)));
        }
        return _unary(_c, s);
    }

    /// @dev Reduce, k < K: acc' = reduce(op, a, X), or a when the read is out of range.
    function _reduceStep(Ctx memory _c) private pure returns (uint256) {
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
        revert OneStepVerifier_BadInstruction(uint32(_c.pre.instr), LibInstruction.UNKNOWN_OP);
    }

    /// @dev Reduce, k = K: out[e] = a, or div(a, params[0]) for Mean.
    function _reduceWrite(Ctx memory _c) private pure returns (uint256) {
        uint256 a = _accIn(_c);
        if (_c.ins.op != ReduceOp.MEAN) return a;
        return _u(LibF32.div(_f(a), _f(_param(_c, 0))));
    }

    /// @dev Map: out[e] = f(X), f(X, Y) or f(X, Y, Z); every read in range (§2.4).
    function _map(Ctx memory _c) private pure returns (uint256) {
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
        if (!valid) revert OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), 2);
        return _u(LibMapOps.ternary(uint8(_c.ins.op), _x, _y, _f(_read(_c, o, addr, len))));
    }

    /// @dev Move: the first source read in range gives the value, else params[0].
    function _move(Ctx memory _c) private pure returns (uint256) {
        uint256[] memory it = _point(_c, false, false);
        uint256 n = _c.ins.operands.length;
        for (uint256 q; q < n; ++q) {
            LibInstruction.Operand memory src = LibInstruction.operand(_c.ins, q);
            (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(src, it);
            if (valid) return _read(_c, src, addr, len);
        }
        return _param(_c, 0);
    }

    /// @dev The unary Map op (Dot epilogue) of the instruction on `_x`, params defaulted.
    function _unary(Ctx memory _c, F32 _x) private pure returns (uint256) {
        uint8 op = uint8(_c.ins.op);
        if (op == MapOp.NONE) return _u(_x);
        F32 p0 = _c.ins.nParams > 0 ? _f(LibInstruction.param(_c.ins, 0, 0)) : LibMapOps.defaultParam(op, 0);
        F32 p1 = _c.ins.nParams > 1 ? _f(LibInstruction.param(_c.ins, 1, 0)) : LibMapOps.defaultParam(op, 1);
        return _u(LibMapOps.unary(op, _x, p0, p1));
    }

    // ---------------------------------------------------------------------------------------
    // Values

    /// @dev Operand `_q` read at `_it`, which must be in range.
    function _mustRead(Ctx memory _c, uint256 _q, uint256[] memory _it) private pure returns (uint256) {
        LibInstruction.Operand memory o = _operand(_c, _q);
        (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(o, _it);
        // INVARIANT: a Map read is in range (§2.4).
        if (!valid) revert OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), _q);
        return _read(_c, o, addr, len);
    }

    /// @dev The next read witness, which must be the value of `_o` at `_addr`, proven
    ///      against the pre-state; returns its bits.
    function _read(
        Ctx memory _c,
        LibInstruction.Operand memory _o,
        uint256 _addr,
        uint256 _len
    ) private pure returns (uint256) {
        // INVARIANT: the proof announces this read.
        if (_c.used >= _c.reads) revert OneStepVerifier_BadReadCount(_c.reads, _c.used + 1);
        ++_c.used;
        Value memory v = Value(_o.space, _o.slot, _addr, 0, 0, 0, false);
        _value(_c, v, _len, 0);
        return uint32(uint256(v.leaf) >> (224 - 32 * (_addr % LibMerkle.VALUES_PER_LEAF)));
    }

    /// @dev Writes `_x` at pc.elem of the output slot (length `_len`): checks the written
    ///      leaf's paths against the pre-state; returns the post-state activations root.
    function _write(Ctx memory _c, uint256 _x, uint256 _len) private pure returns (bytes32) {
        Value memory v = Value(Space.ACTIVATION, _c.ins.outIndex, _c.pre.elem, 0, 0, 0, true);
        return _value(_c, v, _len, _x);
    }

    /// @dev One value witness: `u8 space ‖ u32 slot ‖ u32 address ‖ bytes32 leaf ‖ leaf path
    ///      ‖ slot path` (§6). Checks it names `_v` and proves to the pre-state's space root.
    ///      For a write, returns the space root with the value replaced by `_x`.
    function _value(Ctx memory _c, Value memory _v, uint256 _len, uint256 _x) private pure returns (bytes32) {
        {
            uint256 p = _c.p;
            uint256 gSpace;
            uint256 gSlot;
            uint256 gAddr;
            (gSpace, p) = LibCursor.u8(p);
            (gSlot, p) = LibCursor.u32(p);
            (gAddr, p) = LibCursor.u32(p);
            (_v.leaf, _c.p) = LibCursor.b32(p);
            // INVARIANT: the witness is of the value the step reads or writes.
            if (gSpace != _v.space || gSlot != _v.slot || gAddr != _v.addr) {
                revert OneStepVerifier_WrongValue(
                    uint8(_v.space),
                    uint32(_v.slot),
                    _v.addr,
                    uint8(gSpace),
                    uint32(gSlot),
                    gAddr
                );
            }
        }
        _leafPath(_c, _v, LibMerkle.slotDepth(_len), _x);
        return _slotPath(_c, _v);
    }

    /// @dev Leaf → slot root (0x01), at leaf ⌊address/8⌋ of a slot tree of `_depth` levels;
    ///      for a write also the slot root with the value replaced by `_x`.
    function _leafPath(Ctx memory _c, Value memory _v, uint256 _depth, uint256 _x) private pure {
        uint256 j = _v.addr / LibMerkle.VALUES_PER_LEAF;
        if (!_v.isWrite) {
            (_v.slotRoot, _c.p) = LibMerkle.root(LibMerkle.TENSOR, _v.leaf, j, _depth, _c.p);
            return;
        }
        uint256 shift = 224 - 32 * (_v.addr % LibMerkle.VALUES_PER_LEAF);
        bytes32 newLeaf = bytes32((uint256(_v.leaf) & ~(uint256(0xffffffff) << shift)) | (_x << shift));
        (bytes32 root, bytes32 newRoot, uint256 p) = LibMerkle.rootPair(
            LibMerkle.TENSOR,
            _v.leaf,
            newLeaf,
            j,
            _depth,
            _c.p
        );
        _v.slotRoot = root;
        _v.newSlotRoot = newRoot;
        _c.p = p;
    }

    /// @dev Slot root → space root (0x02). The space's first value carries the full path (its
    ///      anchor); a later one is joined to the anchor where their routes meet (§6).
    function _slotPath(Ctx memory _c, Value memory _v) private pure returns (bytes32 newSpaceRoot_) {
        uint256 space = _v.space;
        uint256 slot = _v.slot;
        uint256 slots =
            space == Space.WEIGHT
                ? _c.header.weightSlots
                : space == Space.INPUT
                    ? _c.header.inputSlots
                    : _c.header.activationSlots;
        // INVARIANT: the slot exists in its space.
        if (slot >= slots) revert OneStepVerifier_SlotOutOfRange(uint8(space), uint32(slot), slots);
        if (!_c.anchored[space]) {
            bytes32 spaceRoot =
                space == Space.WEIGHT
                    ? _c.pre.weightsRoot
                    : space == Space.INPUT
                        ? _c.pre.inputsRoot
                        : _c.pre.activationsRoot;
            LibMerkle.Path memory path;
            (path, _c.p) = LibMerkle.rootRecorded(
                LibMerkle.MEMORY,
                _v.slotRoot,
                slot,
                LibMerkle.spaceDepth(slots),
                _c.p
            );
            // INVARIANT: leaf, leaf path and slot path prove the value against the pre-state.
            if (path.root != spaceRoot) {
                revert OneStepVerifier_BadLeafProof(uint8(space), uint32(slot), _v.addr);
            }
            _c.anchored[space] = true;
            _c.anchors[space] = path;
            if (_v.isWrite)
                newSpaceRoot_ = LibMerkle.climb(LibMerkle.MEMORY, _v.newSlotRoot, slot, 0, path.siblings.length, path);
            return newSpaceRoot_;
        }
        LibMerkle.Path memory anchor = _c.anchors[space];
        uint256 mask;
        if (anchor.index == slot) {
            // Same slot as the anchor: no slot path of its own.
            (mask, _c.p) = LibMerkle.joinedHeader(LibMerkle.MEMORY, slot, 0, _c.p);
            // INVARIANT: the value's slot root is the anchor's, which is in the pre-state.
            if (_v.slotRoot != anchor.start) revert OneStepVerifier_BadLeafProof(uint8(space), uint32(slot), _v.addr);
            if (_v.isWrite) {
                newSpaceRoot_ = LibMerkle.climb(
                    LibMerkle.MEMORY,
                    _v.newSlotRoot,
                    slot,
                    0,
                    anchor.siblings.length,
                    anchor
                );
            }
            return newSpaceRoot_;
        }
        return _joinedPath(_c, _v, anchor);
    }

    /// @dev A slot path joined to its space's anchor in another slot: the siblings below the
    ///      meeting level m, then the anchor's route.
    function _joinedPath(
        Ctx memory _c,
        Value memory _v,
        LibMerkle.Path memory _anchor
    ) private pure returns (bytes32 newSpaceRoot_) {
        uint256 slot = _v.slot;
        // Both slots are below the slot count ≤ 2^depth, so they meet below the root: m < depth.
        uint256 m = LibMerkle.meetingLevel(_anchor.index, slot);
        uint256 mask;
        (mask, _c.p) = LibMerkle.joinedHeader(LibMerkle.MEMORY, slot, m, _c.p);
        bytes32 node;
        bytes32 newNode;
        if (_v.isWrite) {
            (node, newNode, _c.p) = LibMerkle.walkPair(
                LibMerkle.MEMORY,
                _v.slotRoot,
                _v.newSlotRoot,
                slot,
                m,
                mask,
                _c.p
            );
        } else {
            (node, _c.p) = LibMerkle.walk(LibMerkle.MEMORY, _v.slotRoot, slot, m, mask, _c.p);
        }
        // INVARIANT: at the meeting level the value's node is the anchor's sibling, so it lies
        //            in the pre-state's space tree.
        if (node != _anchor.siblings[m]) revert OneStepVerifier_BadLeafProof(uint8(_v.space), uint32(slot), _v.addr);
        if (_v.isWrite) {
            // The anchor's node at level m is untouched by the write; above m the routes coincide.
            bytes32 anchorNode = LibMerkle.climb(LibMerkle.MEMORY, _anchor.start, _anchor.index, 0, m, _anchor);
            bytes32 parent =
                ((slot >> m) & 1) == 0
                    ? LibMerkle.hashNode(LibMerkle.MEMORY, newNode, anchorNode)
                    : LibMerkle.hashNode(LibMerkle.MEMORY, anchorNode, newNode);
            newSpaceRoot_ = LibMerkle.climb(LibMerkle.MEMORY, parent, slot, m + 1, _anchor.siblings.length, _anchor);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Helpers

    /// @dev advance (§2.2): next element, else next instruction, else halted; acc' = +0.
    function _advance(LibState.State memory _s, uint256 _elems) private pure {
        _s.acc = 0;
        _s.k = 0;
        if (_s.elem + 1 < _elems) {
            _s.elem += 1;
        } else {
            // instr < #instructions: instr + 1 is the next instruction, or the halted pc
            // (#instructions, 0, 0) after the last one.
            _s.elem = 0;
            _s.instr += 1;
        }
    }

    /// @dev Memory is canonical (§2.4): every NaN is stored and hashed as 0x7FC00000.
    function _canonical(uint256 _bits) private pure returns (uint256) {
        return (_bits & 0x7FFFFFFF) > POS_INF ? CANONICAL_NAN : _bits;
    }

    function _f(uint256 _bits) private pure returns (F32) {
        return F32.wrap(uint32(_bits));
    }

    function _u(F32 _x) private pure returns (uint256) {
        return F32.unwrap(_x);
    }
}
