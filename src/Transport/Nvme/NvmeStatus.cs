using System.Globalization;

namespace Harness.Transport.Nvme;

/// <summary>
/// The status of an NVMe completion without the phase tag: status code type (SCT), status code (SC), command retry
/// delay (CRD), more (M) and do-not-retry (DNR). Stored as the completion's 16-bit status field with bit 0 (phase)
/// clear, so <see cref="ToStatusField"/> / <see cref="FromStatusField"/> are exact.
/// </summary>
/// <remarks>
/// Named constants cover the codes of SPDK's <c>enum spdk_nvme_generic_command_status_code</c>,
/// <c>spdk_nvme_command_specific_status_code</c>, <c>spdk_nvmf_fabric_cmd_status_code</c>,
/// <c>spdk_nvme_media_error_status_code</c> and <c>spdk_nvme_path_status_code</c> that the transport uses.
/// <see cref="ToString()"/> prints like SPDK's completion log: <c>INVALID OPCODE (00/01)</c>.
/// </remarks>
public readonly struct NvmeStatus : IEquatable<NvmeStatus>
{
    private const int ScShift = 1;
    private const int SctShift = 9;
    private const int CrdShift = 12;
    private const ushort MoreBit = 1 << 14;
    private const ushort DnrBit = 1 << 15;

    private readonly ushort _field;

    /// <summary>Creates a status from its parts. <paramref name="crd"/> keeps its low 2 bits, the SCT its low 3 bits.</summary>
    public NvmeStatus(NvmeStatusCodeType sct, byte sc, bool dnr = false, bool more = false, byte crd = 0)
    {
        _field = (ushort)((sc << ScShift)
            | (((int)sct & 0x7) << SctShift)
            | ((crd & 0x3) << CrdShift)
            | (more ? MoreBit : 0)
            | (dnr ? DnrBit : 0));
    }

    private NvmeStatus(ushort field)
    {
        _field = (ushort)(field & 0xFFFE);
    }

    /// <summary>Status Code Type.</summary>
    public NvmeStatusCodeType Sct => (NvmeStatusCodeType)((_field >> SctShift) & 0x7);

    /// <summary>Status Code.</summary>
    public byte Sc => (byte)(_field >> ScShift);

    /// <summary>Command Retry Delay (2 bits).</summary>
    public byte Crd => (byte)((_field >> CrdShift) & 0x3);

    /// <summary>More: further information in the Error Information log page.</summary>
    public bool More => (_field & MoreBit) != 0;

    /// <summary>Do Not Retry.</summary>
    public bool Dnr => (_field & DnrBit) != 0;

    /// <summary>True for SCT generic, SC success (DNR/M/CRD ignored), as <c>!spdk_nvme_cpl_is_error</c>.</summary>
    public bool IsSuccess => Sc == 0 && Sct == NvmeStatusCodeType.Generic;

    /// <summary>True unless <see cref="IsSuccess"/>.</summary>
    public bool IsError => !IsSuccess;

    /// <summary>The completion's 16-bit status field (phase in bit 0, SC 1..8, SCT 9..11, CRD 12..13, M 14, DNR 15).</summary>
    public ushort ToStatusField(bool phase = false) => (ushort)(_field | (phase ? 1 : 0));

    /// <summary>Reads a completion's 16-bit status field; the phase bit is dropped.</summary>
    public static NvmeStatus FromStatusField(ushort field) => new(field);

    /// <summary>This status with DNR set or cleared.</summary>
    public NvmeStatus WithDnr(bool dnr = true) => new((ushort)(dnr ? _field | DnrBit : _field & ~DnrBit));

    /// <summary>This status with M (more) set or cleared.</summary>
    public NvmeStatus WithMore(bool more = true) => new((ushort)(more ? _field | MoreBit : _field & ~MoreBit));

    /// <summary>True when SCT and SC are equal (DNR, M and CRD ignored).</summary>
    public bool HasSameCode(NvmeStatus other) => Sct == other.Sct && Sc == other.Sc;

    // ---- Generic command status (SCT 0) ----

    /// <summary>00/00 SUCCESS.</summary>
    public static NvmeStatus Success => default;

    /// <summary>00/01 INVALID OPCODE.</summary>
    public static NvmeStatus InvalidOpcode => Generic(0x01);

    /// <summary>00/02 INVALID FIELD.</summary>
    public static NvmeStatus InvalidField => Generic(0x02);

    /// <summary>00/03 COMMAND ID CONFLICT.</summary>
    public static NvmeStatus CommandIdConflict => Generic(0x03);

    /// <summary>00/04 DATA TRANSFER ERROR.</summary>
    public static NvmeStatus DataTransferError => Generic(0x04);

    /// <summary>00/05 ABORTED - POWER LOSS.</summary>
    public static NvmeStatus AbortedPowerLoss => Generic(0x05);

    /// <summary>00/06 INTERNAL DEVICE ERROR.</summary>
    public static NvmeStatus InternalDeviceError => Generic(0x06);

    /// <summary>00/07 ABORTED - BY REQUEST.</summary>
    public static NvmeStatus AbortedByRequest => Generic(0x07);

    /// <summary>00/08 ABORTED - SQ DELETION.</summary>
    public static NvmeStatus AbortedSqDeletion => Generic(0x08);

    /// <summary>00/09 ABORTED - FAILED FUSED.</summary>
    public static NvmeStatus AbortedFailedFused => Generic(0x09);

    /// <summary>00/0a ABORTED - MISSING FUSED.</summary>
    public static NvmeStatus AbortedMissingFused => Generic(0x0A);

    /// <summary>00/0b INVALID NAMESPACE OR FORMAT.</summary>
    public static NvmeStatus InvalidNamespaceOrFormat => Generic(0x0B);

    /// <summary>00/0c COMMAND SEQUENCE ERROR.</summary>
    public static NvmeStatus CommandSequenceError => Generic(0x0C);

    /// <summary>00/0d INVALID SGL SEGMENT DESCRIPTOR.</summary>
    public static NvmeStatus InvalidSglSegDescriptor => Generic(0x0D);

    /// <summary>00/0e INVALID NUMBER OF SGL DESCRIPTORS.</summary>
    public static NvmeStatus InvalidNumSglDescriptors => Generic(0x0E);

    /// <summary>00/0f DATA SGL LENGTH INVALID.</summary>
    public static NvmeStatus DataSglLengthInvalid => Generic(0x0F);

    /// <summary>00/10 METADATA SGL LENGTH INVALID.</summary>
    public static NvmeStatus MetadataSglLengthInvalid => Generic(0x10);

    /// <summary>00/11 SGL DESCRIPTOR TYPE INVALID.</summary>
    public static NvmeStatus SglDescriptorTypeInvalid => Generic(0x11);

    /// <summary>00/12 INVALID CONTROLLER MEMORY BUFFER.</summary>
    public static NvmeStatus InvalidControllerMemBuf => Generic(0x12);

    /// <summary>00/13 INVALID PRP OFFSET.</summary>
    public static NvmeStatus InvalidPrpOffset => Generic(0x13);

    /// <summary>00/14 ATOMIC WRITE UNIT EXCEEDED.</summary>
    public static NvmeStatus AtomicWriteUnitExceeded => Generic(0x14);

    /// <summary>00/15 OPERATION DENIED.</summary>
    public static NvmeStatus OperationDenied => Generic(0x15);

    /// <summary>00/16 INVALID SGL OFFSET (SPDK <c>SPDK_NVME_SC_INVALID_SGL_OFFSET</c>).</summary>
    public static NvmeStatus InvalidSglOffset => Generic(0x16);

    /// <summary>00/18 HOSTID INCONSISTENT FORMAT.</summary>
    public static NvmeStatus HostIdInconsistentFormat => Generic(0x18);

    /// <summary>00/19 KEEP ALIVE EXPIRED.</summary>
    public static NvmeStatus KeepAliveExpired => Generic(0x19);

    /// <summary>00/1a KEEP ALIVE INVALID.</summary>
    public static NvmeStatus KeepAliveInvalid => Generic(0x1A);

    /// <summary>00/1b ABORTED - PREEMPT AND ABORT.</summary>
    public static NvmeStatus AbortedPreempt => Generic(0x1B);

    /// <summary>00/1c SANITIZE FAILED.</summary>
    public static NvmeStatus SanitizeFailed => Generic(0x1C);

    /// <summary>00/1d SANITIZE IN PROGRESS.</summary>
    public static NvmeStatus SanitizeInProgress => Generic(0x1D);

    /// <summary>00/1e DATA BLOCK GRANULARITY INVALID.</summary>
    public static NvmeStatus SglDataBlockGranularityInvalid => Generic(0x1E);

    /// <summary>00/1f COMMAND NOT SUPPORTED FOR QUEUE IN CMB.</summary>
    public static NvmeStatus CommandInvalidInCmb => Generic(0x1F);

    /// <summary>00/20 COMMAND NAMESPACE IS PROTECTED.</summary>
    public static NvmeStatus CommandNamespaceIsProtected => Generic(0x20);

    /// <summary>00/21 COMMAND INTERRUPTED.</summary>
    public static NvmeStatus CommandInterrupted => Generic(0x21);

    /// <summary>00/22 COMMAND TRANSIENT TRANSPORT ERROR.</summary>
    public static NvmeStatus CommandTransientTransportError => Generic(0x22);

    /// <summary>00/80 LBA OUT OF RANGE.</summary>
    public static NvmeStatus LbaOutOfRange => Generic(0x80);

    /// <summary>00/81 CAPACITY EXCEEDED.</summary>
    public static NvmeStatus CapacityExceeded => Generic(0x81);

    /// <summary>00/82 NAMESPACE NOT READY.</summary>
    public static NvmeStatus NamespaceNotReady => Generic(0x82);

    /// <summary>00/83 RESERVATION CONFLICT.</summary>
    public static NvmeStatus ReservationConflict => Generic(0x83);

    /// <summary>00/84 FORMAT IN PROGRESS.</summary>
    public static NvmeStatus FormatInProgress => Generic(0x84);

    // ---- Command specific status (SCT 1), admin/NVM command set ----

    /// <summary>01/00 INVALID COMPLETION QUEUE.</summary>
    public static NvmeStatus CompletionQueueInvalid => CommandSpecific(0x00);

    /// <summary>01/01 INVALID QUEUE IDENTIFIER.</summary>
    public static NvmeStatus InvalidQueueIdentifier => CommandSpecific(0x01);

    /// <summary>01/02 INVALID QUEUE SIZE.</summary>
    public static NvmeStatus InvalidQueueSize => CommandSpecific(0x02);

    /// <summary>01/03 ABORT CMD LIMIT EXCEEDED.</summary>
    public static NvmeStatus AbortCommandLimitExceeded => CommandSpecific(0x03);

    /// <summary>01/05 ASYNC LIMIT EXCEEDED.</summary>
    public static NvmeStatus AsyncEventRequestLimitExceeded => CommandSpecific(0x05);

    /// <summary>01/09 INVALID LOG PAGE.</summary>
    public static NvmeStatus InvalidLogPage => CommandSpecific(0x09);

    /// <summary>01/0a INVALID FORMAT.</summary>
    public static NvmeStatus InvalidFormat => CommandSpecific(0x0A);

    /// <summary>01/0d FEATURE ID NOT SAVEABLE.</summary>
    public static NvmeStatus FeatureIdNotSaveable => CommandSpecific(0x0D);

    /// <summary>01/0e FEATURE NOT CHANGEABLE.</summary>
    public static NvmeStatus FeatureNotChangeable => CommandSpecific(0x0E);

    /// <summary>01/0f FEATURE NOT NAMESPACE SPECIFIC.</summary>
    public static NvmeStatus FeatureNotNamespaceSpecific => CommandSpecific(0x0F);

    /// <summary>01/80 CONFLICTING ATTRIBUTES (NVM command set, e.g. Dataset Management).</summary>
    public static NvmeStatus ConflictingAttributes => CommandSpecific(0x80);

    /// <summary>01/81 INVALID PROTECTION INFO.</summary>
    public static NvmeStatus InvalidProtectionInfo => CommandSpecific(0x81);

    /// <summary>01/82 WRITE TO RO RANGE.</summary>
    public static NvmeStatus AttemptedWriteToRoRange => CommandSpecific(0x82);

    // ---- Fabrics command status (SCT 1 on opcode 0x7F), spdk_nvmf_fabric_cmd_status_code ----

    /// <summary>01/80 INCOMPATIBLE FORMAT (Connect with an unsupported RECFMT).</summary>
    public static NvmeStatus ConnectIncompatibleFormat => CommandSpecific(0x80);

    /// <summary>01/81 CONTROLLER BUSY.</summary>
    public static NvmeStatus ConnectControllerBusy => CommandSpecific(0x81);

    /// <summary>
    /// 01/82 INVALID PARAM: Connect Invalid Parameters (CQE DW0 carries IATTR/IPO, see <see cref="ConnectResponse"/>).
    /// SPDK also answers a Property Get/Set with a bad size or offset with this code.
    /// </summary>
    public static NvmeStatus ConnectInvalidParameters => CommandSpecific(0x82);

    /// <summary>01/83 RESTART DISCOVERY.</summary>
    public static NvmeStatus ConnectRestartDiscovery => CommandSpecific(0x83);

    /// <summary>01/84 INVALID HOST.</summary>
    public static NvmeStatus ConnectInvalidHost => CommandSpecific(0x84);

    /// <summary>01/90 LOG RESTART DISCOVERY.</summary>
    public static NvmeStatus LogRestartDiscovery => CommandSpecific(0x90);

    /// <summary>01/91 AUTH REQUIRED.</summary>
    public static NvmeStatus AuthenticationRequired => CommandSpecific(0x91);

    // ---- Media and data integrity errors (SCT 2) ----

    /// <summary>02/80 WRITE FAULTS.</summary>
    public static NvmeStatus WriteFaults => Media(0x80);

    /// <summary>02/81 UNRECOVERED READ ERROR.</summary>
    public static NvmeStatus UnrecoveredReadError => Media(0x81);

    /// <summary>02/85 COMPARE FAILURE.</summary>
    public static NvmeStatus CompareFailure => Media(0x85);

    /// <summary>02/86 ACCESS DENIED.</summary>
    public static NvmeStatus AccessDenied => Media(0x86);

    /// <summary>02/87 DEALLOCATED OR UNWRITTEN BLOCK.</summary>
    public static NvmeStatus DeallocatedOrUnwrittenBlock => Media(0x87);

    // ---- Path related status (SCT 3) ----

    /// <summary>03/00 INTERNAL PATH ERROR.</summary>
    public static NvmeStatus InternalPathError => PathStatus(0x00);

    /// <summary>03/02 ASYMMETRIC ACCESS INACCESSIBLE.</summary>
    public static NvmeStatus AsymmetricAccessInaccessible => PathStatus(0x02);

    /// <summary>03/60 CONTROLLER PATH ERROR.</summary>
    public static NvmeStatus ControllerPathError => PathStatus(0x60);

    /// <summary>03/70 HOST PATH ERROR.</summary>
    public static NvmeStatus HostPathError => PathStatus(0x70);

    /// <summary>03/71 ABORTED BY HOST.</summary>
    public static NvmeStatus AbortedByHost => PathStatus(0x71);

    /// <summary>A generic (SCT 0) status with the given code.</summary>
    public static NvmeStatus Generic(byte sc) => new(NvmeStatusCodeType.Generic, sc);

    /// <summary>A command specific (SCT 1) status with the given code.</summary>
    public static NvmeStatus CommandSpecific(byte sc) => new(NvmeStatusCodeType.CommandSpecific, sc);

    /// <summary>A media error (SCT 2) status with the given code.</summary>
    public static NvmeStatus Media(byte sc) => new(NvmeStatusCodeType.MediaError, sc);

    /// <summary>A path related (SCT 3) status with the given code.</summary>
    public static NvmeStatus PathStatus(byte sc) => new(NvmeStatusCodeType.Path, sc);

    /// <summary>
    /// The status text of <c>spdk_nvme_cpl_get_status_string_ext</c>, e.g. <c>INVALID OPCODE</c>. Command specific
    /// codes are read as Fabrics codes when <paramref name="opcode"/> is 0x7F, as SPDK does.
    /// </summary>
    public string Describe(byte opcode = 0) => NvmeStatusText.Describe(Sct, Sc, opcode == NvmeCommand.FabricsOpcode);

    /// <summary>SPDK's form <c>TEXT (sct/sc)</c> in two-digit lower-case hex, for a non-Fabrics command.</summary>
    public override string ToString() => ToString(0);

    /// <summary>SPDK's form <c>TEXT (sct/sc)</c>, reading command specific codes for <paramref name="opcode"/>.</summary>
    public string ToString(byte opcode) =>
        string.Create(CultureInfo.InvariantCulture, $"{Describe(opcode)} ({(byte)Sct:x2}/{Sc:x2})");

    /// <inheritdoc/>
    public bool Equals(NvmeStatus other) => _field == other._field;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NvmeStatus other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _field;

    /// <summary>Equal in every field (SCT, SC, CRD, M, DNR).</summary>
    public static bool operator ==(NvmeStatus left, NvmeStatus right) => left.Equals(right);

    /// <summary>Not equal in some field.</summary>
    public static bool operator !=(NvmeStatus left, NvmeStatus right) => !left.Equals(right);
}
