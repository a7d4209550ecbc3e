namespace Harness.Transport.Nvme;

/// <summary>
/// The Number of Queues feature (0x07) value, in Set Features CDW11 (requested NSQR/NCQR) and in the completion's
/// DW0 (allocated NSQA/NCQA): submission queues in bits 15:0, completion queues in bits 31:16, both 0's based,
/// admin queue not counted.
/// </summary>
public readonly record struct NumberOfQueues(ushort SubmissionQueues, ushort CompletionQueues)
{
    /// <summary>The dword.</summary>
    public uint ToDword() => SubmissionQueues | ((uint)CompletionQueues << 16);

    /// <summary>Reads a dword.</summary>
    public static NumberOfQueues FromDword(uint dword) => new((ushort)dword, (ushort)(dword >> 16));

    /// <summary>Reads a Set Features request; 65535 in either half is <see cref="NvmeStatus.InvalidField"/>, as the spec requires.</summary>
    public static NvmeStatus TryFromRequest(uint cdw11, out NumberOfQueues value)
    {
        value = FromDword(cdw11);
        return value.SubmissionQueues == ushort.MaxValue || value.CompletionQueues == ushort.MaxValue
            ? NvmeStatus.InvalidField
            : NvmeStatus.Success;
    }
}
