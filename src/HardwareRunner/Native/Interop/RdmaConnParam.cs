using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary><c>struct rdma_conn_param</c>: connection parameters with private data.</summary>
[NativeStruct("struct rdma_conn_param")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal unsafe struct RdmaConnParam
{
    [FieldOffset(0)]
    [NativeField("private_data")]
    public byte* PrivateData;

    [FieldOffset(8)]
    [NativeField("private_data_len")]
    public byte PrivateDataLen;

    [FieldOffset(9)]
    [NativeField("responder_resources")]
    public byte ResponderResources;

    [FieldOffset(10)]
    [NativeField("initiator_depth")]
    public byte InitiatorDepth;

    [FieldOffset(11)]
    [NativeField("flow_control")]
    public byte FlowControl;

    [FieldOffset(12)]
    [NativeField("retry_count")]
    public byte RetryCount;

    [FieldOffset(13)]
    [NativeField("rnr_retry_count")]
    public byte RnrRetryCount;

    [FieldOffset(14)]
    [NativeField("srq")]
    public byte Srq;

    [FieldOffset(16)]
    [NativeField("qp_num")]
    public uint QpNum;
}
