using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native.Handles;

/// <summary>
/// A queue pair: <c>ibv_destroy_qp</c> for one created with <c>ibv_create_qp</c>, <c>rdma_destroy_qp</c> for one created
/// on a CM id with <c>rdma_create_qp</c> (then the handle depends on the id's handle, so the id outlives its QP).
/// </summary>
internal sealed unsafe class SafeIbvQpHandle : NativeHandle
{
    private readonly nint _cmId;

    public SafeIbvQpHandle(nint pointer, bool owns = true, nint cmId = 0)
        : base(pointer, owns) => _cmId = cmId;

    /// <summary>True when the QP belongs to a CM id (<c>rdma_create_qp</c>).</summary>
    public bool OwnedByCmId => _cmId != 0;

    /// <inheritdoc/>
    protected override int ReleaseNative(nint pointer)
    {
        if (_cmId != 0)
        {
            LibRdmacm.rdma_destroy_qp((RdmaCmId*)_cmId);
            return 0;
        }

        return LibIbverbs.ibv_destroy_qp((IbvQp*)pointer);
    }
}
