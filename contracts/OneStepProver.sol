// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {IOneStepVerifier} from "./interfaces/IOneStepVerifier.sol";
import {F32} from "./lib/LibF32.sol";
import {Root, StateHash} from "./lib/Hashes.sol";
import {Kind, MapOp, ReduceOp, Space} from "./lib/Isa.sol";
import {LibMapOps} from "./lib/LibMapOps.sol";
import {LibCursor} from "./lib/LibCursor.sol";
import {LibInstruction} from "./lib/LibInstruction.sol";
import {LibMerkle} from "./lib/LibMerkle.sol";
import {LibState} from "./lib/LibState.sol";

/// @title OneStepProver
/// @notice What every per-kind prover shares (docs/PROTOCOL.md §6.2, steps 1–6): check the
///         pre-state and the program header against their hashes, the pc, the instruction
///         against the instruction tree; decode the instruction and check its kind; run the
///         kind's step (a hook of the concrete prover), read each used value from its leaf with
///         its paths and, on write steps, compute the new leaf, slot root and activations root
///         from the written leaf's paths; then the post-state hash.
/// @dev The executable TypeScript model is `verifyWitness` in node/commit/witness.ts.
abstract contract OneStepProver is IOneStepProver {
    /// @notice Canonical quiet NaN (§1): every NaN stored or hashed is this pattern.
    uint32 private constant CANONICAL_NAN = 0x7FC00000;
    uint32 private constant NEG_INF = 0xFF800000;
    uint32 private constant POS_INF = 0x7F800000;

    /// @notice What the step functions share: the pre-state, the program header, the cursor
    ///         over the proof and the slot paths proven so far (what later ones join, §6.1).
    struct Ctx {
        LibState.State pre;
        LibState.Header header;
        /// @dev Absolute calldata offsets of the next unread proof byte and of the proof's end.
        uint256 p;
        uint256 end;
        /// @dev Read witnesses the proof announces, and how many the step has used.
        uint256 reads;
        uint256 used;
        /// @dev The full slot paths of the reads proven so far and their spaces, in proof
        ///      order (a step reads at most 3 values: Where, a biased Dot write). Each path's
        ///      `siblings` holds 2D words: the siblings of levels 0 … D − 1, then the route's
        ///      nodes at those levels (LibMerkle.walkRecorded).
        LibMerkle.Path[4] proven;
        uint256[4] provenSpace;
        uint256 nProven;
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

    /// @inheritdoc IOneStepProver
    function kind() public pure virtual returns (uint256);

    /// @inheritdoc IOneStepProver
    function step(
        Root _programRoot,
        StateHash _preStateHash,
        bytes calldata _proof
    ) external pure returns (StateHash postStateHash_) {
        uint256 start;
        assembly ("memory-safe") {
            start := _proof.offset
        }
        (LibState.State memory pre, uint256 instructions) = _open(_programRoot, _preStateHash, start, _proof.length);
        // INVARIANT: acc is +0 whenever k = 0 (§2.4).
        if (pre.k == 0 && pre.acc != 0)
            revert IOneStepVerifier.OneStepVerifier_NonCanonicalAcc(uint32(pre.k), uint32(pre.acc));
        uint256 at = start + LibState.STATE_BYTES + LibState.HEADER_BYTES;
        if (pre.instr == instructions) {
            // INVARIANT: the halted pc is exactly (#instructions, 0, 0).
            if (pre.elem != 0 || pre.k != 0)
                revert IOneStepVerifier.OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));
            // INVARIANT: a halted state's proof carries nothing more.
            if (at != start + _proof.length)
                revert IOneStepVerifier.OneStepVerifier_BadProofLength(at - start, _proof.length);
            // A halted state is a fixed point.
            return _preStateHash;
        }
        // INVARIANT: pc.instr names an instruction of the program.
        if (pre.instr > instructions)
            revert IOneStepVerifier.OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));
        (uint256 len, uint256 insAt) = LibCursor.u32(at);
        uint256 body = _proveInstruction(start, insAt, len, pre.instr, instructions);
        (LibInstruction.Instruction memory ins, uint256 malformed) = LibInstruction.decode(insAt, len);
        // INVARIANT: the committed bytes are a well-formed instruction.
        if (malformed != 0) revert IOneStepVerifier.OneStepVerifier_BadInstruction(uint32(pre.instr), malformed);
        // INVARIANT: this prover executes the instruction's kind.
        if (ins.kind != kind()) revert OneStepProver_WrongKind(kind(), ins.kind);
        // Built whole rather than declared and assigned: a declared Ctx would first allocate
        // and zero every nested struct (~1.5k gas), each then replaced.
        Ctx memory c = Ctx(
            pre,
            LibState.decodeHeaderAt(start + LibState.STATE_BYTES),
            body,
            start + _proof.length,
            0,
            0,
            _unsetPaths(),
            [uint256(0), 0, 0, 0],
            0,
            ins
        );
        LibState.State memory post = _run(c);
        // INVARIANT: the proof ends where its contents end.
        if (c.p != c.end) revert IOneStepVerifier.OneStepVerifier_BadProofLength(c.p - start, _proof.length);
        return LibState.hash(post);
    }

    /// @dev Checks the pre-state and header preimages at the start of the proof against their
    ///      hashes (§6.2 step 1); returns the decoded pre-state and the instruction count.
    function _open(
        Root _programRoot,
        StateHash _preStateHash,
        uint256 _start,
        uint256 _length
    ) private pure returns (LibState.State memory pre_, uint256 instructions_) {
        uint256 fixedBytes = LibState.STATE_BYTES + LibState.HEADER_BYTES;
        // INVARIANT: the proof holds at least the pre-state and the program header.
        if (_length < fixedBytes) revert IOneStepVerifier.OneStepVerifier_BadProofLength(fixedBytes, _length);
        // INVARIANT: the pre-state parts are those of the pre-state hash.
        // Compared as bytes32 (contracts/lib/Hashes.sol); one word serves both hashes.
        bytes32 h = StateHash.unwrap(LibState.hashAt(_start));
        if (h != StateHash.unwrap(_preStateHash))
            revert IOneStepVerifier.OneStepVerifier_BadPreState(_preStateHash, StateHash.wrap(h));
        // INVARIANT: the header (instruction tree root, instruction and slot counts) is the program's.
        h = Root.unwrap(LibState.programRootAt(_start + LibState.STATE_BYTES));
        if (h != Root.unwrap(_programRoot))
            revert IOneStepVerifier.OneStepVerifier_BadProgramHeader(_programRoot, Root.wrap(h));
        pre_ = LibState.decodeAt(_start);
        instructions_ = LibCursor.u32At(_start + LibState.STATE_BYTES + 32);
    }

    /// @dev Checks the instruction's `_len` bytes at `_at` and their path (just after them)
    ///      against the header's instruction tree at pc.instr (§6.2 step 3). Returns the
    ///      calldata offset just past the path: `u8 #reads`.
    function _proveInstruction(
        uint256 _start,
        uint256 _at,
        uint256 _len,
        uint256 _instr,
        uint256 _instructions
    ) private pure returns (uint256 next_) {
        bytes32 leaf;
        assembly ("memory-safe") {
            // h_i = H(0x04 ‖ bytes_i).
            let m := mload(0x40)
            mstore8(m, 0x04)
            calldatacopy(add(m, 1), _at, _len)
            leaf := keccak256(m, add(_len, 1))
        }
        // headerOf checks the depth without computing it (as LibMerkle.root would, msb and all).
        (uint256 n, uint256 mask, uint256 p) = LibMerkle.headerOf(LibMerkle.PROGRAM, _instr, _instructions, _at + _len);
        bytes32 root;
        (root, next_) = LibMerkle.walk(LibMerkle.PROGRAM, leaf, _instr, n, mask, p);
        // INVARIANT: the instruction is the program's instruction at pc.instr.
        (bytes32 treeRoot, ) = LibCursor.b32(_start + LibState.STATE_BYTES);
        if (root != treeRoot) revert IOneStepVerifier.OneStepVerifier_BadInstructionProof(uint32(_instr), root);
    }

    /// @dev The step of a running state: the pc inside the instruction, the step by phase,
    ///      the write. Returns the post-state.
    function _run(Ctx memory _c) private pure returns (LibState.State memory post_) {
        LibState.State memory pre = _c.pre;
        (uint256 elems, uint256 kMax) = _extent(_c.ins);
        // INVARIANT: the pc lies inside the instruction: elem < E, k ≤ K (k = 0 for Map, Move).
        if (pre.elem >= elems || pre.k > kMax)
            revert IOneStepVerifier.OneStepVerifier_BadPc(uint32(pre.instr), uint32(pre.elem), uint32(pre.k));

        (_c.reads, _c.p) = LibCursor.u8(_c.p);
        bool writes = pre.k == kMax; // reduction steps are k < K; every other step writes
        // A reduction step's new acc, or a write step's value.
        uint256 value = writes ? _output(_c) : _reduction(_c);
        // INVARIANT: the proof carries exactly the reads the step uses.
        if (_c.used != _c.reads) revert IOneStepVerifier.OneStepVerifier_BadReadCount(_c.reads, _c.used);

        uint256 flag;
        (flag, _c.p) = LibCursor.u8(_c.p);
        post_ = pre;
        if (!writes) {
            // INVARIANT: a reduction step writes nothing.
            if (flag != 0) revert IOneStepVerifier.OneStepVerifier_BadWriteFlag(flag, 0);
            post_.k = pre.k + 1;
            post_.acc = _canonical(value);
        } else {
            // INVARIANT: a write step carries the written element's leaf.
            if (flag != 1) revert IOneStepVerifier.OneStepVerifier_BadWriteFlag(flag, 1);
            post_.activationsRoot = _write(_c, _canonical(value), elems);
            _advance(post_, elems);
        }
    }

    /// @dev The kind's reduction step (k < K): the new acc. Only Dot and Reduce have one;
    ///      for Map and Move K = 0, so `_run` never gets here.
    function _reduction(Ctx memory _c) internal pure virtual returns (uint256) {
        revert IOneStepVerifier.OneStepVerifier_BadPc(uint32(_c.pre.instr), uint32(_c.pre.elem), uint32(_c.pre.k));
    }

    /// @dev The kind's write step (k = K): the value written at pc.elem of the output slot.
    function _output(Ctx memory _c) internal pure virtual returns (uint256);

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
    function _point(Ctx memory _c, bool _withRed, bool _atK) internal pure returns (uint256[] memory it_) {
        LibInstruction.Instruction memory ins = _c.ins;
        uint256 nRed = _withRed ? ins.nRed : 0;
        it_ = LibInstruction.point(ins.nIter + nRed);
        LibInstruction.multiIndex(_c.pre.elem, ins.iterDims, ins.nIter, it_, 0);
        if (_atK) LibInstruction.multiIndex(_c.pre.k, ins.redDims, nRed, it_, ins.nIter);
    }

    /// @dev Operand `_q` of the instruction, which must have it.
    function _operand(Ctx memory _c, uint256 _q) internal pure returns (LibInstruction.Operand memory) {
        // INVARIANT: the instruction has the operand its kind reads.
        if (_q >= _c.ins.operands.length) {
            revert IOneStepVerifier.OneStepVerifier_BadInstruction(
                uint32(_c.pre.instr),
                LibInstruction.MISSING_OPERAND
            );
        }
        return LibInstruction.operand(_c.ins, _q);
    }

    /// @dev params[_j], which the step needs.
    function _param(Ctx memory _c, uint256 _j) internal pure returns (uint32) {
        // INVARIANT: a param the step needs is there (Mean's divisor, Move's fill value).
        if (_j >= _c.ins.nParams)
            revert IOneStepVerifier.OneStepVerifier_BadInstruction(uint32(_c.pre.instr), LibInstruction.MISSING_PARAM);
        return LibInstruction.param(_c.ins, _j, 0);
    }

    /// @dev The accumulator used at this step: init(op) at k = 0, else acc (§2.2).
    function _accIn(Ctx memory _c) internal pure returns (uint256) {
        if (_c.pre.k != 0) return _c.pre.acc;
        if (_c.ins.kind == Kind.REDUCE) {
            if (_c.ins.op == ReduceOp.MAX) return NEG_INF;
            if (_c.ins.op == ReduceOp.MIN) return POS_INF;
        }
        return 0;
    }

    /// @dev The unary Map op (Dot epilogue) of the instruction on `_x`, params defaulted.
    function _unary(Ctx memory _c, F32 _x) internal pure returns (uint256) {
        uint8 op = uint8(_c.ins.op);
        if (op == MapOp.NONE) return _u(_x);
        F32 p0 = _c.ins.nParams > 0 ? _f(LibInstruction.param(_c.ins, 0, 0)) : LibMapOps.defaultParam(op, 0);
        F32 p1 = _c.ins.nParams > 1 ? _f(LibInstruction.param(_c.ins, 1, 0)) : LibMapOps.defaultParam(op, 1);
        return _u(LibMapOps.unary(op, _x, p0, p1));
    }

    // ---------------------------------------------------------------------------------------
    // Values

    /// @dev Operand `_q` read at `_it`, which must be in range.
    function _mustRead(Ctx memory _c, uint256 _q, uint256[] memory _it) internal pure returns (uint256) {
        LibInstruction.Operand memory o = _operand(_c, _q);
        (bool valid, uint256 addr, uint256 len) = LibInstruction.evaluate(o, _it);
        // INVARIANT: a Map read is in range (§2.4).
        if (!valid) revert IOneStepVerifier.OneStepVerifier_ReadOutOfRange(uint32(_c.pre.instr), _q);
        return _read(_c, o, addr, len);
    }

    /// @dev The next read witness, which must be the value of `_o` at `_addr`, proven
    ///      against the pre-state; returns its bits.
    function _read(
        Ctx memory _c,
        LibInstruction.Operand memory _o,
        uint256 _addr,
        uint256 _len
    ) internal pure returns (uint256) {
        // INVARIANT: the proof announces this read.
        if (_c.used >= _c.reads) revert IOneStepVerifier.OneStepVerifier_BadReadCount(_c.reads, _c.used + 1);
        // used < reads ≤ 255, and the shift is at most 224: no overflow.
        unchecked {
            ++_c.used;
            Value memory v = Value(_o.space, _o.slot, _addr, 0, 0, 0, false);
            _value(_c, v, _len, 0);
            return uint32(uint256(v.leaf) >> (224 - 32 * (_addr % LibMerkle.VALUES_PER_LEAF)));
        }
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
                revert IOneStepVerifier.OneStepVerifier_WrongValue(
                    uint8(_v.space),
                    uint32(_v.slot),
                    _v.addr,
                    uint8(gSpace),
                    uint32(gSlot),
                    gAddr
                );
            }
        }
        _leafPath(_c, _v, _len, _x);
        return _slotPath(_c, _v);
    }

    /// @dev Leaf → slot root (0x01), at leaf ⌊address/8⌋ of the slot tree of `_len` values;
    ///      for a write also the slot root with the value replaced by `_x`.
    function _leafPath(Ctx memory _c, Value memory _v, uint256 _len, uint256 _x) private pure {
        uint256 j = _v.addr / LibMerkle.VALUES_PER_LEAF;
        uint256 leaves;
        // _len < 2^64 (LibInstruction bounds every product of dims): no overflow.
        unchecked {
            leaves = (_len + LibMerkle.VALUES_PER_LEAF - 1) / LibMerkle.VALUES_PER_LEAF;
        }
        (uint256 n, uint256 mask, uint256 p) = LibMerkle.headerOf(LibMerkle.TENSOR, j, leaves, _c.p);
        if (!_v.isWrite) {
            (_v.slotRoot, _c.p) = LibMerkle.walk(LibMerkle.TENSOR, _v.leaf, j, n, mask, p);
            return;
        }
        (_v.slotRoot, _v.newSlotRoot, _c.p) = LibMerkle.walkPair(
            LibMerkle.TENSOR,
            _v.leaf,
            _withValue(_v.leaf, _v.addr, _x),
            j,
            n,
            mask,
            p
        );
    }

    /// @dev `_leaf` with the value at `_addr` (mod 8) replaced by the 32 bits `_x`.
    function _withValue(bytes32 _leaf, uint256 _addr, uint256 _x) private pure returns (bytes32) {
        // At most 224: no overflow.
        unchecked {
            uint256 shift = 224 - 32 * (_addr % LibMerkle.VALUES_PER_LEAF);
            return bytes32((uint256(_leaf) & ~(uint256(0xffffffff) << shift)) | (_x << shift));
        }
    }

    /// @dev Slot root → space root (0x02). A value joins the proven read of its space whose
    ///      route meets its own lowest (§6.1): same slot, no path; else the siblings below the
    ///      meeting level m, the rest being that read's. The first value of a space carries
    ///      the full path. For a write, returns the space root with the new slot root.
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
        if (slot >= slots) revert IOneStepVerifier.OneStepVerifier_SlotOutOfRange(uint8(space), uint32(slot), slots);
        (uint256 at, uint256 m) = _reference(_c, space, slot);
        if (at == _c.nProven) return _fullSlotPath(_c, _v, slots);
        LibMerkle.Path memory ref = _c.proven[at];
        // A joined path has m levels (none for the same slot).
        uint256 mask;
        (mask, _c.p) = LibMerkle.joinedHeader(LibMerkle.MEMORY, slot, m, _c.p);
        if (ref.index != slot)
            return _v.isWrite ? _joinedWrite(_c, _v, m, mask, ref) : _joinedRead(_c, _v, m, mask, ref);
        // INVARIANT: the value's slot root is the reference's, which is in the pre-state.
        if (_v.slotRoot != ref.start)
            revert IOneStepVerifier.OneStepVerifier_BadLeafProof(uint8(space), uint32(slot), _v.addr);
        // A read of the reference's slot is not recorded: the reference, earlier, is always
        // preferred to it.
        if (_v.isWrite)
            newSpaceRoot_ = LibMerkle.climb(LibMerkle.MEMORY, _v.newSlotRoot, slot, 0, ref.siblings.length / 2, ref);
    }

    /// @dev A write joined to its reference `_ref` at level `_m`: checks the old slot root's
    ///      route there, returns the space root over the new slot root.
    function _joinedWrite(
        Ctx memory _c,
        Value memory _v,
        uint256 _m,
        uint256 _mask,
        LibMerkle.Path memory _ref
    ) private pure returns (bytes32) {
        uint256 slot = _v.slot;
        bytes32 node;
        bytes32 newNode;
        (node, newNode, _c.p) = LibMerkle.walkPair(
            LibMerkle.MEMORY,
            _v.slotRoot,
            _v.newSlotRoot,
            slot,
            _m,
            _mask,
            _c.p
        );
        // INVARIANT: at the meeting level the value's node is the reference's sibling, so it
        //            lies in the pre-state's space tree.
        if (node != _ref.siblings[_m])
            revert IOneStepVerifier.OneStepVerifier_BadLeafProof(uint8(_v.space), uint32(slot), _v.addr);
        uint256 depth = _ref.siblings.length / 2;
        // The reference's node at level m is untouched by the write; above m the routes coincide.
        bytes32 refNode = _ref.siblings[depth + _m];
        bytes32 parent =
            ((slot >> _m) & 1) == 0
                ? LibMerkle.hashNode(LibMerkle.MEMORY, newNode, refNode)
                : LibMerkle.hashNode(LibMerkle.MEMORY, refNode, newNode);
        return LibMerkle.climb(LibMerkle.MEMORY, parent, slot, _m + 1, depth, _ref);
    }

    /// @dev A read joined to its reference `_ref` at level `_m`: checks the slot root's route
    ///      there and records the read's full path for the values after it.
    function _joinedRead(
        Ctx memory _c,
        Value memory _v,
        uint256 _m,
        uint256 _mask,
        LibMerkle.Path memory _ref
    ) private pure returns (bytes32) {
        bytes32[] memory refRec = _ref.siblings;
        bytes32[] memory rec = _unsetWords(refRec.length);
        bytes32 node;
        (node, _c.p) = LibMerkle.walkRecorded(LibMerkle.MEMORY, _v.slotRoot, _v.slot, _m, _mask, _c.p, rec);
        // INVARIANT: at the meeting level the value's node is the reference's sibling.
        if (node != refRec[_m])
            revert IOneStepVerifier.OneStepVerifier_BadLeafProof(uint8(_v.space), uint32(_v.slot), _v.addr);
        // Level m (< D, as both slots are below 2^D): each route's node is the other's
        // sibling; above it the routes coincide, so the rest is copied from the reference.
        assembly ("memory-safe") {
            let half := shl(4, mload(refRec)) // D words, in bytes
            let from := add(refRec, 0x20)
            let to := add(rec, 0x20)
            let at := shl(5, _m)
            mstore(add(to, at), mload(add(from, add(half, at))))
            mstore(add(to, add(half, at)), node)
            for {
                at := add(at, 0x20)
            } lt(at, half) {
                at := add(at, 0x20)
            } {
                mstore(add(to, at), mload(add(from, at)))
                mstore(add(to, add(half, at)), mload(add(from, add(half, at))))
            }
        }
        _record(_c, _v.space, LibMerkle.Path(_v.slot, rec, _v.slotRoot, _ref.root));
        return 0;
    }

    /// @dev The first value of its space: the full slot path to the pre-state's space root.
    function _fullSlotPath(
        Ctx memory _c,
        Value memory _v,
        uint256 _slots
    ) private pure returns (bytes32 newSpaceRoot_) {
        uint256 space = _v.space;
        (uint256 n, uint256 mask, uint256 p) = LibMerkle.headerOf(LibMerkle.MEMORY, _v.slot, _slots, _c.p);
        bytes32 root;
        if (_v.isWrite) {
            (root, newSpaceRoot_, _c.p) = LibMerkle.walkPair(
                LibMerkle.MEMORY,
                _v.slotRoot,
                _v.newSlotRoot,
                _v.slot,
                n,
                mask,
                p
            );
        } else {
            bytes32[] memory rec = _unsetWords(2 * n);
            (root, _c.p) = LibMerkle.walkRecorded(LibMerkle.MEMORY, _v.slotRoot, _v.slot, n, mask, p, rec);
            _record(_c, space, LibMerkle.Path(_v.slot, rec, _v.slotRoot, root));
        }
        bytes32 spaceRoot =
            space == Space.WEIGHT
                ? _c.pre.weightsRoot
                : space == Space.INPUT
                    ? _c.pre.inputsRoot
                    : _c.pre.activationsRoot;
        // INVARIANT: leaf, leaf path and slot path prove the value against the pre-state.
        if (root != spaceRoot)
            revert IOneStepVerifier.OneStepVerifier_BadLeafProof(uint8(space), uint32(_v.slot), _v.addr);
    }

    /// @dev The reference of a value at `_slot` of `_space`: the earliest proven read of the
    ///      space in the same slot, else the earliest with the lowest meeting level
    ///      m = ⌊log2(slot ⊕ slot')⌋ (§6.1). Returns its place in `_c.proven` and m, or
    ///      `_c.nProven` for the first value of a space.
    function _reference(Ctx memory _c, uint256 _space, uint256 _slot) private pure returns (uint256 at_, uint256 m_) {
        uint256 n = _c.nProven;
        LibMerkle.Path[4] memory proven = _c.proven;
        uint256[4] memory spaces = _c.provenSpace;
        // The best candidate's slot ⊕ _slot: 0 for the same slot, else its meeting level is
        // its msb. Compared without computing msbs: msb(x) < msb(y) ⇔ x < y and x < x ⊕ y
        // (ties keep the earlier read). Starts above any u32 xor.
        uint256 best;
        assembly ("memory-safe") {
            at_ := n
            best := not(0)
            // i < n ≤ 4: both arrays hold 4 words (Path pointers; spaces), a Path's index first.
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                if eq(mload(add(spaces, shl(5, i))), _space) {
                    let x := xor(mload(mload(add(proven, shl(5, i)))), _slot)
                    if and(lt(x, best), lt(x, xor(x, best))) {
                        best := x
                        at_ := i
                    }
                }
            }
        }
        // best = slot' ⊕ _slot of the reference: its msb is the meeting level.
        if (best != 0 && at_ != n) m_ = LibMerkle.msb32(best);
    }

    /// @dev Room for the proven paths, not zeroed: `_c.proven[i]` is only read for
    ///      i < `_c.nProven`, each set by `_record` first.
    function _unsetPaths() private pure returns (LibMerkle.Path[4] memory paths_) {
        assembly ("memory-safe") {
            paths_ := mload(0x40)
            mstore(0x40, add(paths_, 0x80))
        }
    }

    /// @dev Room for a recorded path of `_n` words, not zeroed: walkRecorded writes every word
    ///      a join reads (siblings and nodes of levels 0 … D − 1, the joined read's copied in).
    function _unsetWords(uint256 _n) private pure returns (bytes32[] memory words_) {
        assembly ("memory-safe") {
            words_ := mload(0x40)
            mstore(words_, _n)
            mstore(0x40, add(words_, shl(5, add(_n, 1))))
        }
    }

    /// @dev Keeps a proven read's full slot path for the values after it.
    function _record(Ctx memory _c, uint256 _space, LibMerkle.Path memory _path) private pure {
        uint256 i;
        // At most 3 reads are recorded (the array holds 4).
        unchecked {
            i = _c.nProven++;
        }
        _c.proven[i] = _path;
        _c.provenSpace[i] = _space;
    }

    // ---------------------------------------------------------------------------------------
    // Helpers

    /// @dev advance (§2.2): next element, else next instruction, else halted; acc' = +0.
    function _advance(LibState.State memory _s, uint256 _elems) private pure {
        _s.acc = 0;
        _s.k = 0;
        // elem and instr are u32s of the proof: no overflow.
        unchecked {
            if (_s.elem + 1 < _elems) {
                _s.elem += 1;
            } else {
                // instr < #instructions: instr + 1 is the next instruction, or the halted pc
                // (#instructions, 0, 0) after the last one.
                _s.elem = 0;
                _s.instr += 1;
            }
        }
    }

    /// @dev Memory is canonical (§2.4): every NaN is stored and hashed as 0x7FC00000.
    function _canonical(uint256 _bits) private pure returns (uint256) {
        return (_bits & 0x7FFFFFFF) > POS_INF ? CANONICAL_NAN : _bits;
    }

    function _f(uint256 _bits) internal pure returns (F32) {
        return F32.wrap(uint32(_bits));
    }

    function _u(F32 _x) internal pure returns (uint256) {
        return F32.unwrap(_x);
    }
}
