namespace Harness.Transport.Verbs;

/// <summary>Vendor ids (<c>ibv_device_attr.vendor_id</c>) the transports tell providers apart by, as SPDK does.</summary>
public static class VerbsVendors
{
    /// <summary>Mellanox/NVIDIA (mlx4, mlx5).</summary>
    public const uint MellanoxVendorId = 0x02c9;

    /// <summary>Soft-RoCE before Linux changed its vendor id.</summary>
    public const uint RxeVendorIdOld = 0;

    /// <summary>Soft-RoCE since the change (SPDK's <c>SPDK_RDMA_RXE_VENDOR_ID_NEW</c>).</summary>
    public const uint RxeVendorIdNew = 0xFFFFFF;

    /// <summary>SPDK's <c>nvmf_rdma_is_rxe_device</c>.</summary>
    public static bool IsRxe(in DeviceAttr attr) => attr.VendorId is RxeVendorIdOld or RxeVendorIdNew;
}
