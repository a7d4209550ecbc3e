namespace Harness.Transport.Verbs;

/// <summary>Work request opcode, numerically identical to rdma-core's <c>enum ibv_wr_opcode</c>.</summary>
public enum WrOpcode
{
    RdmaWrite = 0,
    RdmaWriteWithImm = 1,
    Send = 2,
    SendWithImm = 3,
    RdmaRead = 4,
    AtomicCmpAndSwp = 5,
    AtomicFetchAndAdd = 6,
    LocalInv = 7,
    BindMw = 8,
    SendWithInv = 9,
    Tso = 10,
    Driver1 = 11,
    AtomicWrite = 15,
}

/// <summary>Work completion opcode, numerically identical to rdma-core's <c>enum ibv_wc_opcode</c>.</summary>
public enum WcOpcode
{
    Send = 0,
    RdmaWrite = 1,
    RdmaRead = 2,
    CompSwap = 3,
    FetchAdd = 4,
    BindMw = 5,
    LocalInv = 6,
    Tso = 7,
    AtomicWrite = 9,

    /// <summary>Receive completions have this bit set, as in rdma-core (<c>opcode &amp; IBV_WC_RECV</c>).</summary>
    Recv = 128,
    RecvRdmaWithImm = 129,
    Driver1 = 135,
}

/// <summary><c>enum ibv_send_flags</c>.</summary>
[Flags]
public enum SendFlags
{
    None = 0,
    Fence = 1 << 0,
    Signaled = 1 << 1,
    Solicited = 1 << 2,
    Inline = 1 << 3,
    IpCsum = 1 << 4,
}

/// <summary><c>enum ibv_wc_flags</c>.</summary>
[Flags]
public enum WcFlags
{
    None = 0,
    Grh = 1 << 0,
    WithImm = 1 << 1,
    IpCsumOk = 1 << 2,
    WithInv = 1 << 3,
    TmSyncReq = 1 << 4,
    TmMatch = 1 << 5,
    TmDataValid = 1 << 6,
}

/// <summary><c>enum ibv_access_flags</c> (memory region and QP access).</summary>
[Flags]
public enum AccessFlags
{
    None = 0,
    LocalWrite = 1,
    RemoteWrite = 2,
    RemoteRead = 4,
    RemoteAtomic = 8,
    MwBind = 16,
    ZeroBased = 32,
    OnDemand = 64,
    HugeTlb = 128,
    RelaxedOrdering = 1 << 20,
}

/// <summary><c>enum ibv_qp_type</c> (only RC is used by NVMe-oF).</summary>
public enum QpType
{
    Rc = 2,
    Uc = 3,
    Ud = 4,
}

/// <summary><c>enum ibv_mtu</c>.</summary>
public enum Mtu
{
    Mtu256 = 1,
    Mtu512 = 2,
    Mtu1024 = 3,
    Mtu2048 = 4,
    Mtu4096 = 5,
}

/// <summary>Helpers over <see cref="WrOpcode"/> and <see cref="WcOpcode"/>.</summary>
public static class OpcodeText
{
    /// <summary>The C enumerator name without prefix (<c>RDMA_READ</c>), for logs and traces.</summary>
    public static string ToName(this WrOpcode op) => op switch
    {
        WrOpcode.RdmaWrite => "RDMA_WRITE",
        WrOpcode.RdmaWriteWithImm => "RDMA_WRITE_WITH_IMM",
        WrOpcode.Send => "SEND",
        WrOpcode.SendWithImm => "SEND_WITH_IMM",
        WrOpcode.RdmaRead => "RDMA_READ",
        WrOpcode.AtomicCmpAndSwp => "ATOMIC_CMP_AND_SWP",
        WrOpcode.AtomicFetchAndAdd => "ATOMIC_FETCH_AND_ADD",
        WrOpcode.LocalInv => "LOCAL_INV",
        WrOpcode.BindMw => "BIND_MW",
        WrOpcode.SendWithInv => "SEND_WITH_INV",
        WrOpcode.Tso => "TSO",
        WrOpcode.Driver1 => "DRIVER1",
        WrOpcode.AtomicWrite => "ATOMIC_WRITE",
        _ => "UNKNOWN",
    };

    /// <summary>The C enumerator name without prefix (<c>RECV</c>).</summary>
    public static string ToName(this WcOpcode op) => op switch
    {
        WcOpcode.Send => "SEND",
        WcOpcode.RdmaWrite => "RDMA_WRITE",
        WcOpcode.RdmaRead => "RDMA_READ",
        WcOpcode.CompSwap => "COMP_SWAP",
        WcOpcode.FetchAdd => "FETCH_ADD",
        WcOpcode.BindMw => "BIND_MW",
        WcOpcode.LocalInv => "LOCAL_INV",
        WcOpcode.Tso => "TSO",
        WcOpcode.AtomicWrite => "ATOMIC_WRITE",
        WcOpcode.Recv => "RECV",
        WcOpcode.RecvRdmaWithImm => "RECV_RDMA_WITH_IMM",
        WcOpcode.Driver1 => "DRIVER1",
        _ => "UNKNOWN",
    };

    /// <summary>The completion opcode a successful send-queue WR of this opcode reports.</summary>
    public static WcOpcode ToWcOpcode(this WrOpcode op) => op switch
    {
        WrOpcode.RdmaWrite or WrOpcode.RdmaWriteWithImm => WcOpcode.RdmaWrite,
        WrOpcode.Send or WrOpcode.SendWithImm or WrOpcode.SendWithInv => WcOpcode.Send,
        WrOpcode.RdmaRead => WcOpcode.RdmaRead,
        WrOpcode.AtomicCmpAndSwp => WcOpcode.CompSwap,
        WrOpcode.AtomicFetchAndAdd => WcOpcode.FetchAdd,
        WrOpcode.LocalInv => WcOpcode.LocalInv,
        WrOpcode.BindMw => WcOpcode.BindMw,
        WrOpcode.Tso => WcOpcode.Tso,
        WrOpcode.AtomicWrite => WcOpcode.AtomicWrite,
        _ => WcOpcode.Driver1,
    };
}
