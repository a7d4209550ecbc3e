using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>A verbs device from <c>ibv_get_device_list</c> (valid while the stack is open).</summary>
public sealed class NativeDevice : IVerbsDevice
{
    private readonly NativeVerbs _verbs;

    internal NativeDevice(NativeVerbs verbs, nint pointer, string name, ulong guid)
    {
        _verbs = verbs;
        Pointer = pointer;
        Name = name;
        Guid = guid;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Node GUID in host byte order (<c>ibv_get_device_guid</c> returns it big-endian).</summary>
    public ulong Guid { get; }

    /// <summary>The <c>struct ibv_device *</c>.</summary>
    internal nint Pointer { get; }

    /// <summary>
    /// <c>ibv_open_device</c>. When librdmacm has this device open (it opens every device for its CM ids), this returns
    /// that same context, so PDs, CQs and QPs made from it can be used with CM ids (librdmacm requires
    /// <c>pd-&gt;context == id-&gt;verbs</c>, which is why SPDK takes its contexts from <c>rdma_get_devices</c>).
    /// </summary>
    public int Open(out IVerbsContext? context)
    {
        var rc = _verbs.Open(this, out var ctx);
        context = ctx;
        return rc;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (GUID {Guid:x16})";
}
