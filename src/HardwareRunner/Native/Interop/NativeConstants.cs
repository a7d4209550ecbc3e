namespace Harness.HardwareRunner.Native.Interop;

/// <summary>C constants the backend uses, each pinned against the headers by the ABI test.</summary>
internal static class NativeConstants
{
    [NativeConstant("AF_INET")]
    public const ushort AfInet = 2;

    [NativeConstant("AF_INET6")]
    public const ushort AfInet6 = 10;

    [NativeConstant("F_GETFL")]
    public const int FGetFl = 3;

    [NativeConstant("F_SETFL")]
    public const int FSetFl = 4;

    [NativeConstant("O_NONBLOCK")]
    public const int ONonBlock = 0x800;

    [NativeConstant("IBV_LINK_LAYER_UNSPECIFIED")]
    public const byte LinkLayerUnspecified = 0;

    [NativeConstant("IBV_LINK_LAYER_INFINIBAND")]
    public const byte LinkLayerInfiniBand = 1;

    [NativeConstant("IBV_LINK_LAYER_ETHERNET")]
    public const byte LinkLayerEthernet = 2;

    /// <summary>Access bits <c>ibv_reg_mr</c>'s macro sends to <c>ibv_reg_mr_iova2</c> instead of <c>ibv_reg_mr</c>.</summary>
    [NativeConstant("IBV_ACCESS_OPTIONAL_RANGE")]
    public const int AccessOptionalRange = 0x3ff0_0000;

    [NativeConstant("RDMA_OPTION_ID")]
    public const int RdmaOptionId = 0;

    /// <summary><c>uint8_t</c>: the local ACK timeout exponent the CM programs into the QP (4.096 µs × 2^value).</summary>
    [NativeConstant("RDMA_OPTION_ID_ACK_TIMEOUT")]
    public const int RdmaOptionIdAckTimeout = 3;

    [NativeConstant("IBV_SYSFS_NAME_MAX")]
    public const int SysfsNameMax = 64;
}
