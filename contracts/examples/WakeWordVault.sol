// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {NonReentrant} from "../NonReentrant.sol";
import {RefereeConsumer} from "../RefereeConsumer.sol";
import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {LibBinary32} from "../lib/LibBinary32.sol";

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
///
///         Built on RefereeConsumer: the base makes the requests (quote, approve, deadline) and
///         authenticates each callback (the Coordinator, the vault's own request, its model
///         and the features it sent) before `_fulfill` sees the score.
/// @dev The model's first output value is the score, a big-endian binary32 in [0, 1].
///      Pragma ^0.8.30 like the protocol's own contracts: NonReentrant, its reentrancy lock,
///      is a transient state variable (solc 0.8.28 or later).
contract WakeWordVault is RefereeConsumer, NonReentrant, EIP712 {
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

    /// @notice The token vaults lock.
    IERC20 public immutable ASSET;
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
        /// @dev Its input hash is RefereeConsumer.pendingRequest(id).inputHash.
        uint256 pendingRequest;
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
    /// @notice Constructor arguments: the threshold must be a positive binary32 (not −0, +0,
    ///         negative or NaN), the case in which IEEE `≥` is the order the vault has always used.
    /// @param thresholdBits The bits given.
    error WakeWordVault_BadThreshold(uint32 thresholdBits);

    /// @notice Sets the coordinator, the locked asset, the model, the threshold and the attester.
    /// @param _coordinator The coordinator requests go to.
    /// @param _asset The token vaults lock.
    /// @param _modelId The wake-word model's commitment.
    /// @param _thresholdBits binary32 bits of the score that unlocks: positive (+inf allowed).
    /// @param _attester The recording attester's key; not 0.
    constructor(
        ICoordinator _coordinator,
        IERC20 _asset,
        bytes32 _modelId,
        uint32 _thresholdBits,
        address _attester
    ) RefereeConsumer(_coordinator) EIP712("WakeWordVault", "1") {
        if (_attester == address(0)) revert WakeWordVault_ZeroAttester();
        // Positive: 0 < bits ≤ +inf (0x7F800000); excludes ±0, negatives (sign bit) and NaN.
        if (_thresholdBits == 0 || _thresholdBits > 0x7F800000) revert WakeWordVault_BadThreshold(_thresholdBits);
        ATTESTER = _attester;
        ASSET = _asset;
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
            attempts: 0
        });
        emit Deposited(vaultId_, msg.sender, _beneficiary, _amount);
        ASSET.safeTransferFrom(msg.sender, address(this), _amount);
    }

    /// @notice Asks for the wake-word score of a recording's features (the model's input
    ///         bytes, §5.1) that ATTESTER signed for this vault's next attempt, paying the
    ///         coordinator's quote in FEE_TOKEN. Beneficiary only.
    /// @param _vaultId A locked vault with no pending request.
    /// @param _features The model input: each value a big-endian binary32, concatenated (§5.1).
    /// @param _maxFee The most FEE_TOKEN units to pay; the quote is pulled from the caller,
    ///        who must have approved it.
    /// @param _ttl Seconds from this block until the request's deadline, after which it is
    ///        refunded if no claim stood; positive.
    /// @param _expiresAt The attestation's expiry (Unix seconds), as signed.
    /// @param _attestation ATTESTER's EIP-712 signature of RecordingAttestation(vaultId,
    ///        attempts, keccak256(_features), _expiresAt): each one opens one attempt only.
    /// @return requestId_ The coordinator's request id.
    function requestUnlock(
        uint256 _vaultId,
        bytes calldata _features,
        uint256 _maxFee,
        uint64 _ttl,
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
        uint256 fee = _quoteFee(MODEL_ID, CALLBACK_GAS);
        if (fee > _maxFee) revert RefereeConsumer_FeeAboveMax(fee, _maxFee);
        FEE_TOKEN.safeTransferFrom(msg.sender, address(this), fee);
        (requestId_, ) = _requestInference(MODEL_ID, _features, CALLBACK_GAS, _ttl, fee);
        v.pendingRequest = requestId_;
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
    /// @dev Reverts with RefereeConsumer_NotRefunded(requestId, status) while the request is
    ///      not refunded.
    function clearRefunded(uint256 _vaultId) external {
        Vault storage v = _vaults[_vaultId];
        uint256 id = v.pendingRequest;
        if (id == 0) revert WakeWordVault_NotRefunded(_vaultId, id);
        uint256 fee = _clearRefunded(id);
        v.pendingRequest = 0;
        refundOwed[v.beneficiary] += fee;
        emit RequestCleared(_vaultId, id);
    }

    /// @notice Pays the caller the fees of its refunded requests.
    function withdrawRefunds() external nonReentrant {
        uint256 amount = refundOwed[msg.sender];
        if (amount == 0) revert WakeWordVault_NothingOwed(msg.sender);
        refundOwed[msg.sender] = 0;
        emit RefundPaid(msg.sender, amount);
        _withdrawRefunds();
        FEE_TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @notice A verified score for one of the vault's unlock requests: RefereeConsumer has
    ///         checked it comes from the coordinator, for a request the vault made (so on
    ///         the features the beneficiary submitted and the attester signed) with MODEL_ID.
    /// @param _requestId The request, pending for the vault `vaultOfRequest` names.
    /// @param _output The model outputs; the first value is the score.
    function _fulfill(uint256 _requestId, bytes memory _output) internal override {
        uint256 vaultId = vaultOfRequest[_requestId];
        Vault storage v = _vaults[vaultId];
        v.pendingRequest = 0;
        uint32 score = LibBinary32.bitsAt(_output, 0);
        // INVARIANT: only a score ≥ THRESHOLD_BITS (IEEE; a NaN or negative score never) unlocks.
        bool pass = LibBinary32.atLeast(_output, 0, THRESHOLD_BITS);
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
}
