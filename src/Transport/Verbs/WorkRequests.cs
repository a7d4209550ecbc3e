namespace Harness.Transport.Verbs;

/// <summary>
/// A send-queue work request, <c>struct ibv_send_wr</c> without the <c>next</c> pointer:
/// chains are posted as a span of these.
/// </summary>
public struct SendWorkRequest
{
    /// <summary>Caller's cookie, returned in the completion.</summary>
    public ulong WrId;
    public WrOpcode Opcode;
    public SendFlags Flags;

    /// <summary>Number of valid entries in <see cref="SgList"/>.</summary>
    public int NumSge;
    public SgeArray SgList;

    /// <summary>RDMA READ/WRITE: remote virtual address.</summary>
    public ulong RemoteAddr;

    /// <summary>RDMA READ/WRITE: remote key.</summary>
    public uint Rkey;

    /// <summary>SEND_WITH_INV: the remote key to invalidate; *_WITH_IMM: immediate data.</summary>
    public uint InvalidateRkeyOrImm;

    /// <summary>Total bytes described by the SGE list.</summary>
    public readonly ulong TotalLength()
    {
        ulong total = 0;
        for (var i = 0; i < NumSge; i++)
        {
            total += SgList[i].Length;
        }

        return total;
    }

    /// <summary>True when the completion of this WR is reported even on success.</summary>
    public readonly bool IsSignaled => (Flags & SendFlags.Signaled) != 0;
}

/// <summary>A receive work request, <c>struct ibv_recv_wr</c> without the <c>next</c> pointer.</summary>
public struct RecvWorkRequest
{
    public ulong WrId;
    public int NumSge;
    public SgeArray SgList;

    /// <summary>Total bytes the receive can hold.</summary>
    public readonly ulong TotalLength()
    {
        ulong total = 0;
        for (var i = 0; i < NumSge; i++)
        {
            total += SgList[i].Length;
        }

        return total;
    }
}

/// <summary>A work completion, <c>struct ibv_wc</c>.</summary>
public struct WorkCompletion
{
    public ulong WrId;
    public WcStatus Status;

    /// <summary>Valid only when <see cref="Status"/> is success (as in rdma-core).</summary>
    public WcOpcode Opcode;
    public uint VendorErr;
    public uint ByteLen;

    /// <summary>Immediate data (<see cref="WcFlags.WithImm"/>) or the invalidated rkey (<see cref="WcFlags.WithInv"/>).</summary>
    public uint ImmDataOrInvalidatedRkey;
    public uint QpNum;
    public uint SrcQp;
    public WcFlags WcFlags;
}
