using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>Status codes have SPDK's values and print with SPDK's text.</summary>
public sealed class StatusTextTests
{
    public static TheoryData<string, int, int, string> Codes => new()
    {
        { nameof(NvmeStatus.Success), 0, 0x00, "SUCCESS" },
        { nameof(NvmeStatus.InvalidOpcode), 0, 0x01, "INVALID OPCODE" },
        { nameof(NvmeStatus.InvalidField), 0, 0x02, "INVALID FIELD" },
        { nameof(NvmeStatus.CommandIdConflict), 0, 0x03, "COMMAND ID CONFLICT" },
        { nameof(NvmeStatus.DataTransferError), 0, 0x04, "DATA TRANSFER ERROR" },
        { nameof(NvmeStatus.AbortedPowerLoss), 0, 0x05, "ABORTED - POWER LOSS" },
        { nameof(NvmeStatus.InternalDeviceError), 0, 0x06, "INTERNAL DEVICE ERROR" },
        { nameof(NvmeStatus.AbortedByRequest), 0, 0x07, "ABORTED - BY REQUEST" },
        { nameof(NvmeStatus.AbortedSqDeletion), 0, 0x08, "ABORTED - SQ DELETION" },
        { nameof(NvmeStatus.AbortedFailedFused), 0, 0x09, "ABORTED - FAILED FUSED" },
        { nameof(NvmeStatus.AbortedMissingFused), 0, 0x0A, "ABORTED - MISSING FUSED" },
        { nameof(NvmeStatus.InvalidNamespaceOrFormat), 0, 0x0B, "INVALID NAMESPACE OR FORMAT" },
        { nameof(NvmeStatus.CommandSequenceError), 0, 0x0C, "COMMAND SEQUENCE ERROR" },
        { nameof(NvmeStatus.InvalidSglSegDescriptor), 0, 0x0D, "INVALID SGL SEGMENT DESCRIPTOR" },
        { nameof(NvmeStatus.InvalidNumSglDescriptors), 0, 0x0E, "INVALID NUMBER OF SGL DESCRIPTORS" },
        { nameof(NvmeStatus.DataSglLengthInvalid), 0, 0x0F, "DATA SGL LENGTH INVALID" },
        { nameof(NvmeStatus.MetadataSglLengthInvalid), 0, 0x10, "METADATA SGL LENGTH INVALID" },
        { nameof(NvmeStatus.SglDescriptorTypeInvalid), 0, 0x11, "SGL DESCRIPTOR TYPE INVALID" },
        { nameof(NvmeStatus.InvalidControllerMemBuf), 0, 0x12, "INVALID CONTROLLER MEMORY BUFFER" },
        { nameof(NvmeStatus.InvalidPrpOffset), 0, 0x13, "INVALID PRP OFFSET" },
        { nameof(NvmeStatus.AtomicWriteUnitExceeded), 0, 0x14, "ATOMIC WRITE UNIT EXCEEDED" },
        { nameof(NvmeStatus.OperationDenied), 0, 0x15, "OPERATION DENIED" },
        { nameof(NvmeStatus.InvalidSglOffset), 0, 0x16, "INVALID SGL OFFSET" },
        { nameof(NvmeStatus.HostIdInconsistentFormat), 0, 0x18, "HOSTID INCONSISTENT FORMAT" },
        { nameof(NvmeStatus.KeepAliveExpired), 0, 0x19, "KEEP ALIVE EXPIRED" },
        { nameof(NvmeStatus.KeepAliveInvalid), 0, 0x1A, "KEEP ALIVE INVALID" },
        { nameof(NvmeStatus.AbortedPreempt), 0, 0x1B, "ABORTED - PREEMPT AND ABORT" },
        { nameof(NvmeStatus.SanitizeFailed), 0, 0x1C, "SANITIZE FAILED" },
        { nameof(NvmeStatus.SanitizeInProgress), 0, 0x1D, "SANITIZE IN PROGRESS" },
        { nameof(NvmeStatus.SglDataBlockGranularityInvalid), 0, 0x1E, "DATA BLOCK GRANULARITY INVALID" },
        { nameof(NvmeStatus.CommandInvalidInCmb), 0, 0x1F, "COMMAND NOT SUPPORTED FOR QUEUE IN CMB" },
        { nameof(NvmeStatus.CommandNamespaceIsProtected), 0, 0x20, "COMMAND NAMESPACE IS PROTECTED" },
        { nameof(NvmeStatus.CommandInterrupted), 0, 0x21, "COMMAND INTERRUPTED" },
        { nameof(NvmeStatus.CommandTransientTransportError), 0, 0x22, "COMMAND TRANSIENT TRANSPORT ERROR" },
        { nameof(NvmeStatus.LbaOutOfRange), 0, 0x80, "LBA OUT OF RANGE" },
        { nameof(NvmeStatus.CapacityExceeded), 0, 0x81, "CAPACITY EXCEEDED" },
        { nameof(NvmeStatus.NamespaceNotReady), 0, 0x82, "NAMESPACE NOT READY" },
        { nameof(NvmeStatus.ReservationConflict), 0, 0x83, "RESERVATION CONFLICT" },
        { nameof(NvmeStatus.FormatInProgress), 0, 0x84, "FORMAT IN PROGRESS" },
        { nameof(NvmeStatus.CompletionQueueInvalid), 1, 0x00, "INVALID COMPLETION QUEUE" },
        { nameof(NvmeStatus.InvalidQueueIdentifier), 1, 0x01, "INVALID QUEUE IDENTIFIER" },
        { nameof(NvmeStatus.InvalidQueueSize), 1, 0x02, "INVALID QUEUE SIZE" },
        { nameof(NvmeStatus.AbortCommandLimitExceeded), 1, 0x03, "ABORT CMD LIMIT EXCEEDED" },
        { nameof(NvmeStatus.AsyncEventRequestLimitExceeded), 1, 0x05, "ASYNC LIMIT EXCEEDED" },
        { nameof(NvmeStatus.InvalidLogPage), 1, 0x09, "INVALID LOG PAGE" },
        { nameof(NvmeStatus.InvalidFormat), 1, 0x0A, "INVALID FORMAT" },
        { nameof(NvmeStatus.FeatureIdNotSaveable), 1, 0x0D, "FEATURE ID NOT SAVEABLE" },
        { nameof(NvmeStatus.FeatureNotChangeable), 1, 0x0E, "FEATURE NOT CHANGEABLE" },
        { nameof(NvmeStatus.FeatureNotNamespaceSpecific), 1, 0x0F, "FEATURE NOT NAMESPACE SPECIFIC" },
        { nameof(NvmeStatus.ConflictingAttributes), 1, 0x80, "CONFLICTING ATTRIBUTES" },
        { nameof(NvmeStatus.InvalidProtectionInfo), 1, 0x81, "INVALID PROTECTION INFO" },
        { nameof(NvmeStatus.AttemptedWriteToRoRange), 1, 0x82, "WRITE TO RO RANGE" },
        { nameof(NvmeStatus.WriteFaults), 2, 0x80, "WRITE FAULTS" },
        { nameof(NvmeStatus.UnrecoveredReadError), 2, 0x81, "UNRECOVERED READ ERROR" },
        { nameof(NvmeStatus.CompareFailure), 2, 0x85, "COMPARE FAILURE" },
        { nameof(NvmeStatus.AccessDenied), 2, 0x86, "ACCESS DENIED" },
        { nameof(NvmeStatus.DeallocatedOrUnwrittenBlock), 2, 0x87, "DEALLOCATED OR UNWRITTEN BLOCK" },
        { nameof(NvmeStatus.InternalPathError), 3, 0x00, "INTERNAL PATH ERROR" },
        { nameof(NvmeStatus.AsymmetricAccessInaccessible), 3, 0x02, "ASYMMETRIC ACCESS INACCESSIBLE" },
        { nameof(NvmeStatus.ControllerPathError), 3, 0x60, "CONTROLLER PATH ERROR" },
        { nameof(NvmeStatus.HostPathError), 3, 0x70, "HOST PATH ERROR" },
        { nameof(NvmeStatus.AbortedByHost), 3, 0x71, "ABORTED BY HOST" },
    };

    public static TheoryData<string, int, string> FabricsCodes => new()
    {
        { nameof(NvmeStatus.ConnectIncompatibleFormat), 0x80, "INCOMPATIBLE FORMAT" },
        { nameof(NvmeStatus.ConnectControllerBusy), 0x81, "CONTROLLER BUSY" },
        { nameof(NvmeStatus.ConnectInvalidParameters), 0x82, "INVALID PARAM" },
        { nameof(NvmeStatus.ConnectRestartDiscovery), 0x83, "RESTART DISCOVERY" },
        { nameof(NvmeStatus.ConnectInvalidHost), 0x84, "INVALID HOST" },
        { nameof(NvmeStatus.LogRestartDiscovery), 0x90, "LOG RESTART DISCOVERY" },
        { nameof(NvmeStatus.AuthenticationRequired), 0x91, "AUTH REQUIRED" },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void Named_status_has_spdk_value_and_text(string name, int sct, int sc, string text)
    {
        var status = Named(name);
        Assert.Equal((NvmeStatusCodeType)sct, status.Sct);
        Assert.Equal(sc, status.Sc);
        Assert.False(status.Dnr);
        Assert.Equal($"{text} ({sct:x2}/{sc:x2})", status.ToString());
    }

    [Theory]
    [MemberData(nameof(FabricsCodes))]
    public void Fabrics_status_reads_as_fabrics_only_for_opcode_0x7f(string name, int sc, string text)
    {
        var status = Named(name);
        Assert.Equal(NvmeStatusCodeType.CommandSpecific, status.Sct);
        Assert.Equal(sc, status.Sc);
        Assert.Equal($"{text} (01/{sc:x2})", status.ToString(NvmeCommand.FabricsOpcode));
    }

    [Fact]
    public void Unknown_codes_print_the_table_name()
    {
        Assert.Equal("GENERIC (00/17)", NvmeStatus.Generic(0x17).ToString());
        Assert.Equal("COMMAND SPECIFIC (01/ff)", NvmeStatus.CommandSpecific(0xFF).ToString());
        Assert.Equal("FABRIC COMMAND SPECIFIC (01/01)", NvmeStatus.CommandSpecific(0x01).ToString(NvmeCommand.FabricsOpcode));
        Assert.Equal("MEDIA ERROR (02/00)", NvmeStatus.Media(0).ToString());
        Assert.Equal("PATH ERROR (03/ff)", NvmeStatus.PathStatus(0xFF).ToString());
        Assert.Equal("VENDOR SPECIFIC (07/01)", new NvmeStatus(NvmeStatusCodeType.VendorSpecific, 1).ToString());
        Assert.Equal("RESERVED (05/01)", new NvmeStatus((NvmeStatusCodeType)5, 1).ToString());
    }

    [Fact]
    public void Success_ignores_dnr_and_more_but_equality_does_not()
    {
        Assert.True(NvmeStatus.Success.WithDnr().IsSuccess);
        Assert.NotEqual(NvmeStatus.Success, NvmeStatus.Success.WithDnr());
        Assert.True(NvmeStatus.InvalidField.WithDnr().HasSameCode(NvmeStatus.InvalidField));
        Assert.Equal(NvmeStatus.InvalidField, NvmeStatus.InvalidField.WithDnr().WithDnr(false));
        Assert.True(NvmeStatus.InvalidField.WithMore().More);
    }

    private static NvmeStatus Named(string name) =>
        (NvmeStatus)typeof(NvmeStatus).GetProperty(name)!.GetValue(null)!;
}
