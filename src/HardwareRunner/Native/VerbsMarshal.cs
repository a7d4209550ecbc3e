using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>Conversions between the abstraction's value types and rdma-core's structs (field by field, no allocation).</summary>
internal static unsafe class VerbsMarshal
{
    public static DeviceAttr FromNative(in IbvDeviceAttr n)
    {
        string fw;
        fixed (byte* p = n.FwVer)
        {
            fw = Marshal.PtrToStringUTF8((nint)p) ?? string.Empty;
        }

        return new DeviceAttr
        {
            FwVer = fw,
            NodeGuid = BinaryPrimitives.ReverseEndianness(n.NodeGuidBe),
            VendorId = n.VendorId,
            VendorPartId = n.VendorPartId,
            MaxQp = n.MaxQp,
            MaxQpWr = n.MaxQpWr,
            MaxSge = n.MaxSge,
            MaxCq = n.MaxCq,
            MaxCqe = n.MaxCqe,
            MaxMr = n.MaxMr,
            MaxMrSize = n.MaxMrSize,
            MaxPd = n.MaxPd,
            MaxQpRdAtom = n.MaxQpRdAtom,
            MaxQpInitRdAtom = n.MaxQpInitRdAtom,
            MaxSrq = n.MaxSrq,
            MaxSrqWr = n.MaxSrqWr,
            MaxSrqSge = n.MaxSrqSge,
            PhysPortCnt = n.PhysPortCnt,
        };
    }

    public static PortAttr FromNative(in IbvPortAttr n) => new()
    {
        State = (PortState)n.State,
        MaxMtu = (Mtu)n.MaxMtu,
        ActiveMtu = (Mtu)n.ActiveMtu,
        GidTblLen = n.GidTblLen,
        LinkLayer = n.LinkLayer,
    };

    public static Gid FromNative(in IbvGid n) =>
        new(BinaryPrimitives.ReverseEndianness(n.SubnetPrefixBe), BinaryPrimitives.ReverseEndianness(n.InterfaceIdBe));

    public static IbvGid ToNative(Gid gid) => new()
    {
        SubnetPrefixBe = BinaryPrimitives.ReverseEndianness(gid.SubnetPrefix),
        InterfaceIdBe = BinaryPrimitives.ReverseEndianness(gid.InterfaceId),
    };

    public static IbvQpCap ToNative(in QpCap c) => new()
    {
        MaxSendWr = c.MaxSendWr,
        MaxRecvWr = c.MaxRecvWr,
        MaxSendSge = c.MaxSendSge,
        MaxRecvSge = c.MaxRecvSge,
        MaxInlineData = c.MaxInlineData,
    };

    public static QpCap FromNative(in IbvQpCap c) => new()
    {
        MaxSendWr = c.MaxSendWr,
        MaxRecvWr = c.MaxRecvWr,
        MaxSendSge = c.MaxSendSge,
        MaxRecvSge = c.MaxRecvSge,
        MaxInlineData = c.MaxInlineData,
    };

    public static IbvAhAttr ToNative(in AhAttr a) => new()
    {
        Grh = new IbvGlobalRoute { Dgid = ToNative(a.Dgid), SgidIndex = a.SgidIndex, HopLimit = a.HopLimit },
        Dlid = a.Dlid,
        IsGlobal = a.IsGlobal ? (byte)1 : (byte)0,
        PortNum = a.PortNum,
    };

    public static AhAttr FromNative(in IbvAhAttr a) => new()
    {
        Dgid = FromNative(a.Grh.Dgid),
        Dlid = a.Dlid,
        SgidIndex = a.Grh.SgidIndex,
        HopLimit = a.Grh.HopLimit,
        IsGlobal = a.IsGlobal != 0,
        PortNum = a.PortNum,
    };

    /// <summary>Every field is copied; the mask given to <c>ibv_modify_qp</c> says which ones apply.</summary>
    public static IbvQpAttr ToNative(in QpAttr a) => new()
    {
        QpState = (int)a.QpState,
        CurQpState = (int)a.CurQpState,
        PathMtu = (int)a.PathMtu,
        Qkey = a.Qkey,
        RqPsn = a.RqPsn,
        SqPsn = a.SqPsn,
        DestQpNum = a.DestQpNum,
        QpAccessFlags = (uint)a.QpAccessFlags,
        Cap = ToNative(a.Cap),
        AhAttr = ToNative(a.AhAttr),
        PkeyIndex = a.PkeyIndex,
        EnSqdAsyncNotify = a.SqDrainAsyncNotify ? (byte)1 : (byte)0,
        MaxRdAtomic = a.MaxRdAtomic,
        MaxDestRdAtomic = a.MaxDestRdAtomic,
        MinRnrTimer = a.MinRnrTimer,
        PortNum = a.PortNum,
        Timeout = a.Timeout,
        RetryCnt = a.RetryCnt,
        RnrRetry = a.RnrRetry,
    };

    public static QpAttr FromNative(in IbvQpAttr a) => new()
    {
        QpState = (QpState)a.QpState,
        CurQpState = (QpState)a.CurQpState,
        PathMtu = (Mtu)a.PathMtu,
        Qkey = a.Qkey,
        RqPsn = a.RqPsn,
        SqPsn = a.SqPsn,
        DestQpNum = a.DestQpNum,
        QpAccessFlags = (AccessFlags)a.QpAccessFlags,
        Cap = FromNative(a.Cap),
        AhAttr = FromNative(a.AhAttr),
        PkeyIndex = a.PkeyIndex,
        SqDrainAsyncNotify = a.EnSqdAsyncNotify != 0,
        MaxRdAtomic = a.MaxRdAtomic,
        MaxDestRdAtomic = a.MaxDestRdAtomic,
        MinRnrTimer = a.MinRnrTimer,
        PortNum = a.PortNum,
        Timeout = a.Timeout,
        RetryCnt = a.RetryCnt,
        RnrRetry = a.RnrRetry,
    };

    /// <summary>A polled completion into the abstraction's struct (the status/opcode numbers are rdma-core's own).</summary>
    public static void FromNative(in IbvWc n, out WorkCompletion wc)
    {
        wc.WrId = n.WrId;
        wc.Status = (WcStatus)n.Status;
        wc.Opcode = (WcOpcode)n.Opcode;
        wc.VendorErr = n.VendorErr;
        wc.ByteLen = n.ByteLen;
        wc.ImmDataOrInvalidatedRkey = n.ImmData;
        wc.QpNum = n.QpNum;
        wc.SrcQp = n.SrcQp;
        wc.WcFlags = (WcFlags)n.WcFlags;
    }
}
