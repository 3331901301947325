// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {NonReentrant} from "../NonReentrant.sol";
import {Coordinator} from "../Coordinator.sol";
import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";

/// @title WakeWordVault
/// @notice A sample dApp acting on a verified output: a vault that opens with a spoken
///         wake word. A depositor locks tokens for a beneficiary; the beneficiary asks the
///         coordinator to run a wake-word model (e.g. openWakeWord's "hello deepa") on the
///         features of a recording that the vault's ATTESTER signed; when the verified score
///         reaches the vault's threshold the vault unlocks and the beneficiary can withdraw.
///
///         What an unlock proves: the model MODEL_ID, run in FO32, scores exactly these
///         features at least THRESHOLD_BITS (final only after the challenge window, backed by
///         the operator's bond: nobody can open the vault with a made-up score), and ATTESTER
///         signed these features for this vault and attempt.
///
///         What it does not prove: that the features come from a live recording of the wake
///         word, or of the beneficiary's voice. That is the attester's word (a recording
///         device or service key), and the model is no gate on its own: openWakeWord's
///         hello_deepa scores the demo's pseudo-random features (uniform in [-1, 1)) at least
///         0.5 for 159 of 200 seeds (`npx ts-node --transpile-only scripts/wakeword-noise.ts`).
///         Without the attestation anyone could feed such features. Feature extraction
///         (melspectrogram, embedding) runs at the attester, off-chain.
/// @dev The model's first output value is the score, a big-endian binary32 in [0, 1].
contract WakeWordVault is IInferenceConsumer, NonReentrant, EIP712 {
    using SafeERC20 for IERC20;

    // The EIP-712 type string is the struct's definition: it cannot be shorter than 32 bytes.
    // solhint-disable gas-small-strings
    /// @notice The EIP-712 struct the attester signs: features `featuresHash` (keccak256 of the
    ///         model input bytes, §5.1) recorded for vault `vaultId`'s attempt `attempt`, usable
    ///         until `expiresAt` (Unix seconds).
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "RecordingAttestation(uint256 vaultId,uint256 attempt,bytes32 featuresHash,uint64 expiresAt)"
    );
    // solhint-enable gas-small-strings

    /// @notice Gas the coordinator gives `onInferenceResult`.
    uint32 public constant CALLBACK_GAS = 100_000;

    /// @notice The coordinator requests go to; the only caller of `onInferenceResult`.
    Coordinator public immutable COORDINATOR;
    /// @notice The token vaults lock.
    IERC20 public immutable ASSET;
    /// @notice The coordinator's token, in which request fees are paid and refunded.
    IERC20 public immutable FEE_TOKEN;
    /// @notice The wake-word model's commitment (docs/PROTOCOL.md §3.5); results of others are refused.
    bytes32 public immutable MODEL_ID;
    /// @notice binary32 bits of the score a recording needs (0x3F000000 = 0.5).
    uint32 public immutable THRESHOLD_BITS;
    /// @notice The key (EOA, or ERC-1271 contract) vouching that features come from a real recording.
    address public immutable ATTESTER;

    struct Vault {
        address depositor;
        address beneficiary;
        uint128 amount;
        bool unlocked;
        bool withdrawn;
        uint256 pendingRequest;
        /// @dev keccak256 of the features of the pending request: the score must be theirs.
        bytes32 pendingInputHash;
        /// @dev Unlock requests made so far: the attempt number the next attestation must name.
        uint64 attempts;
    }

    /// @notice Vaults made so far; also the last vault's id.
    uint256 public vaultCount;
    mapping(uint256 vaultId => Vault) private _vaults;
    /// @notice The vault each unlock request was made for; 0 for requests not made here.
    mapping(uint256 requestId => uint256 vaultId) public vaultOfRequest;
    /// @notice Fees of refunded requests owed to each beneficiary.
    mapping(address beneficiary => uint256) public refundOwed;

    /// @notice Tokens were locked in a new vault.
    /// @param vaultId The new vault's id (ids count from 1).
    /// @param depositor Who locked them.
    /// @param beneficiary Who may unlock and withdraw them.
    /// @param amount ASSET units locked.
    event Deposited(uint256 indexed vaultId, address indexed depositor, address indexed beneficiary, uint256 amount);
    /// @notice The beneficiary asked the coordinator for a score.
    /// @param vaultId The vault.
    /// @param requestId The coordinator request now pending for it.
    event UnlockRequested(uint256 indexed vaultId, uint256 indexed requestId);
    /// @notice A verified score arrived: `unlocked` when it reached the threshold.
    /// @param vaultId The vault.
    /// @param requestId The request answered.
    /// @param scoreBits The score's binary32 bit pattern.
    /// @param unlocked Whether it reached THRESHOLD_BITS.
    event ScoreReceived(uint256 indexed vaultId, uint256 indexed requestId, uint32 scoreBits, bool unlocked);
    /// @notice An unlocked vault was paid out.
    /// @param vaultId The vault.
    /// @param beneficiary Who was paid.
    /// @param amount ASSET units paid.
    event Withdrawn(uint256 indexed vaultId, address indexed beneficiary, uint256 amount);
    /// @notice A refunded request was forgotten: the vault takes a new one.
    /// @param vaultId The vault.
    /// @param requestId The refunded request, now forgotten.
    event RequestCleared(uint256 indexed vaultId, uint256 indexed requestId);
    /// @notice A beneficiary was paid the fees of its refunded requests.
    /// @param beneficiary Who was paid.
    /// @param amount FEE_TOKEN units paid.
    event RefundPaid(address indexed beneficiary, uint256 amount);

    error WakeWordVault_ZeroAmount();
    error WakeWordVault_NotBeneficiary(uint256 vaultId, address caller);
    error WakeWordVault_RequestPending(uint256 vaultId, uint256 requestId);
    error WakeWordVault_NotCoordinator(address caller);
    error WakeWordVault_UnknownRequest(uint256 requestId);
    /// @notice A result for a request the vault did not make itself.
    /// @param requestId The request.
    /// @param requester Who made it.
    error WakeWordVault_NotOwnRequest(uint256 requestId, address requester);
    /// @notice A result for other features than the pending request's.
    /// @param requestId The request.
    /// @param inputHash keccak256 of the request's input bytes.
    error WakeWordVault_WrongInput(uint256 requestId, bytes32 inputHash);
    error WakeWordVault_WrongModel(bytes32 modelId);
    error WakeWordVault_Locked(uint256 vaultId);
    error WakeWordVault_AlreadyUnlocked(uint256 vaultId);
    error WakeWordVault_AlreadyWithdrawn(uint256 vaultId);
    error WakeWordVault_NotRefunded(uint256 vaultId, uint256 requestId);
    error WakeWordVault_NothingOwed(address account);
    /// @notice The attestation is not ATTESTER's signature of these features for this vault and attempt.
    /// @param vaultId The vault.
    /// @param attempt The attempt number the signature had to name.
    /// @param featuresHash keccak256 of the submitted features.
    error WakeWordVault_BadAttestation(uint256 vaultId, uint256 attempt, bytes32 featuresHash);
    /// @notice The attestation's validity ended.
    /// @param expiresAt Its expiry (Unix seconds).
    /// @param timestamp The block's time.
    error WakeWordVault_AttestationExpired(uint64 expiresAt, uint256 timestamp);
    /// @notice Constructor arguments: an attester is needed.
    error WakeWordVault_ZeroAttester();

    /// @notice Sets the coordinator, the locked asset, the model, the threshold and the attester.
    /// @param _coordinator The coordinator requests go to.
    /// @param _asset The token vaults lock.
    /// @param _modelId The wake-word model's commitment.
    /// @param _thresholdBits binary32 bits of the score that unlocks.
    /// @param _attester The recording attester's key; not 0.
    constructor(
        Coordinator _coordinator,
        IERC20 _asset,
        bytes32 _modelId,
        uint32 _thresholdBits,
        address _attester
    ) EIP712("WakeWordVault", "1") {
        if (_attester == address(0)) revert WakeWordVault_ZeroAttester();
        ATTESTER = _attester;
        COORDINATOR = _coordinator;
        ASSET = _asset;
        FEE_TOKEN = _coordinator.TOKEN();
        MODEL_ID = _modelId;
        THRESHOLD_BITS = _thresholdBits;
    }

    /// @notice Locks `_amount` of ASSET (pulled from the caller) for `_beneficiary`.
    /// @param _beneficiary Who may unlock and withdraw.
    /// @param _amount ASSET units; positive; the caller must have approved them.
    /// @return vaultId_ The new vault's id.
    function deposit(address _beneficiary, uint128 _amount) external nonReentrant returns (uint256 vaultId_) {
        if (_amount == 0) revert WakeWordVault_ZeroAmount();
        vaultId_ = ++vaultCount;
        _vaults[vaultId_] = Vault({
            depositor: msg.sender,
            beneficiary: _beneficiary,
            amount: _amount,
            unlocked: false,
            withdrawn: false,
            pendingRequest: 0,
            pendingInputHash: bytes32(0),
            attempts: 0
        });
        emit Deposited(vaultId_, msg.sender, _beneficiary, _amount);
        ASSET.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @notice Asks for the wake-word score of a recording's features (the model's input
    ///         bytes, §5.1) that ATTESTER signed for this vault's next attempt, paying `_fee` of
    ///         the coordinator's token. Beneficiary only.
    /// @param _vaultId A locked vault with no pending request.
    /// @param _features The model input: each value a big-endian binary32, concatenated (§5.1).
    /// @param _fee FEE_TOKEN units, at least the coordinator's quote; the caller must have approved them.
    /// @param _deadline Unix time (s) after which the request is refunded if no claim stood.
    /// @param _expiresAt The attestation's expiry (Unix seconds), as signed.
    /// @param _attestation ATTESTER's EIP-712 signature of RecordingAttestation(vaultId,
    ///        attempts, keccak256(_features), _expiresAt): each one opens one attempt only.
    /// @return requestId_ The coordinator's request id.
    function requestUnlock(
        uint256 _vaultId,
        bytes calldata _features,
        uint256 _fee,
        uint64 _deadline,
        uint64 _expiresAt,
        bytes calldata _attestation
    ) external nonReentrant returns (uint256 requestId_) {
        Vault storage v = _vaults[_vaultId];
        if (msg.sender != v.beneficiary) revert WakeWordVault_NotBeneficiary(_vaultId, msg.sender);
        if (v.unlocked) revert WakeWordVault_AlreadyUnlocked(_vaultId);
        if (v.pendingRequest != 0) revert WakeWordVault_RequestPending(_vaultId, v.pendingRequest);
        bytes32 featuresHash = keccak256(_features);
        // INVARIANT: only features the attester vouched for, for this vault's next attempt
        // (so a signature opens one request, once), are ever scored for the vault.
        if (block.timestamp > _expiresAt) revert WakeWordVault_AttestationExpired(_expiresAt, block.timestamp);
        if (
            !SignatureChecker.isValidSignatureNow(
                ATTESTER,
                attestationDigest(_vaultId, v.attempts, featuresHash, _expiresAt),
                _attestation
            )
        ) {
            revert WakeWordVault_BadAttestation(_vaultId, v.attempts, featuresHash);
        }
        v.attempts += 1;
        FEE_TOKEN.safeTransferFrom(msg.sender, address(this), _fee);
        FEE_TOKEN.forceApprove(address(COORDINATOR), _fee);
        requestId_ = COORDINATOR.request(MODEL_ID, _features, _fee, address(this), CALLBACK_GAS, _deadline);
        v.pendingRequest = requestId_;
        v.pendingInputHash = featuresHash;
        vaultOfRequest[requestId_] = _vaultId;
        emit UnlockRequested(_vaultId, requestId_);
    }

    /// @notice The EIP-712 digest ATTESTER signs for features `_featuresHash` on vault `_vaultId`'s
    ///         attempt `_attempt` (its `attempts` count before the request).
    /// @param _vaultId The vault.
    /// @param _attempt The attempt number.
    /// @param _featuresHash keccak256 of the model input bytes.
    /// @param _expiresAt Expiry, Unix seconds.
    /// @return digest_ The typed-data hash to sign.
    function attestationDigest(
        uint256 _vaultId,
        uint256 _attempt,
        bytes32 _featuresHash,
        uint64 _expiresAt
    ) public view returns (bytes32 digest_) {
        digest_ = _hashTypedDataV4(
            keccak256(abi.encode(ATTESTATION_TYPEHASH, _vaultId, _attempt, _featuresHash, _expiresAt))
        );
    }

    /// @notice Forgets a request that was refunded (no claim stood), so another can be made,
    ///         and owes its fee (credited to this vault by the coordinator) to the beneficiary.
    /// @param _vaultId A vault whose pending request was refunded. Anyone may call.
    function clearRefunded(uint256 _vaultId) external {
        Vault storage v = _vaults[_vaultId];
        uint256 id = v.pendingRequest;
        ICoordinator.Request memory r;
        if (id != 0) r = COORDINATOR.getRequest(id);
        if (id == 0 || r.status != ICoordinator.RequestStatus.Refunded) revert WakeWordVault_NotRefunded(_vaultId, id);
        v.pendingRequest = 0;
        v.pendingInputHash = bytes32(0);
        refundOwed[v.beneficiary] += r.fee;
        emit RequestCleared(_vaultId, id);
    }

    /// @notice Pays the caller the fees of its refunded requests.
    function withdrawRefunds() external nonReentrant {
        uint256 amount = refundOwed[msg.sender];
        if (amount == 0) revert WakeWordVault_NothingOwed(msg.sender);
        refundOwed[msg.sender] = 0;
        emit RefundPaid(msg.sender, amount);
        if (COORDINATOR.payoutOf(address(this)) != 0) COORDINATOR.withdraw();
        FEE_TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IInferenceConsumer
    /// @dev Anyone may name this vault as the consumer of a request on its own features; only
    ///      the vault's own requests, on the features the beneficiary submitted, count.
    function onInferenceResult(
        uint256 _requestId,
        bytes32 _modelId,
        address _requester,
        bytes32 _inputHash,
        bytes calldata _output
    ) external {
        // INVARIANT: the result is the coordinator's, for the vault's model.
        if (msg.sender != address(COORDINATOR)) revert WakeWordVault_NotCoordinator(msg.sender);
        if (_modelId != MODEL_ID) revert WakeWordVault_WrongModel(_modelId);
        // INVARIANT: the request is the vault's own (requestUnlock), not one naming it from outside.
        if (_requester != address(this)) revert WakeWordVault_NotOwnRequest(_requestId, _requester);
        uint256 vaultId = vaultOfRequest[_requestId];
        if (vaultId == 0) revert WakeWordVault_UnknownRequest(_requestId);
        Vault storage v = _vaults[vaultId];
        // INVARIANT: the score is of the features the beneficiary submitted for this request.
        if (_inputHash != v.pendingInputHash) revert WakeWordVault_WrongInput(_requestId, _inputHash);
        v.pendingRequest = 0;
        v.pendingInputHash = bytes32(0);
        uint32 score = uint32(bytes4(_output[0:4]));
        bool pass = _atLeast(score, THRESHOLD_BITS);
        if (pass) v.unlocked = true;
        emit ScoreReceived(vaultId, _requestId, score, pass);
    }

    /// @notice Pays an unlocked vault to its beneficiary.
    /// @param _vaultId An unlocked vault not yet paid out.
    function withdraw(uint256 _vaultId) external nonReentrant {
        Vault storage v = _vaults[_vaultId];
        if (msg.sender != v.beneficiary) revert WakeWordVault_NotBeneficiary(_vaultId, msg.sender);
        if (!v.unlocked) revert WakeWordVault_Locked(_vaultId);
        if (v.withdrawn) revert WakeWordVault_AlreadyWithdrawn(_vaultId);
        v.withdrawn = true;
        emit Withdrawn(_vaultId, msg.sender, v.amount);
        ASSET.safeTransfer(msg.sender, v.amount);
    }

    /// @notice A vault's state.
    /// @param _vaultId The vault's id.
    /// @return vault_ The record; all zero for an unknown id.
    function getVault(uint256 _vaultId) external view returns (Vault memory vault_) {
        vault_ = _vaults[_vaultId];
    }

    /// @dev x ≥ t for binary32 bit patterns, t a positive threshold: negative values, −0 and
    ///      NaN never pass; for non-negative finite or +inf values the bit order is the
    ///      numeric order.
    function _atLeast(uint32 _x, uint32 _t) private pure returns (bool) {
        if (_x & 0x80000000 != 0) return false;
        if (_x > 0x7F800000) return false;
        return _x >= _t;
    }
}
