using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// libibverbs of this machine: the device list (taken once, when the stack opens) and the open device contexts, among
/// them those librdmacm opened (<c>rdma_get_devices</c>), which CM ids point at through <c>id-&gt;verbs</c>.
/// </summary>
public sealed unsafe class NativeVerbs : IVerbsProvider
{
    private readonly object _gate = new();
    private readonly Dictionary<nint, NativeContext> _contexts = new();
    private readonly List<NativeDevice> _devices = new();
    private readonly List<IVerbsDevice> _listed = new();
    private SafeIbvDeviceListHandle? _list;
    private SafeRdmaDeviceListHandle? _cmDevices;
    private int _cmDeviceCount;

    /// <summary>An empty provider (no device list); the stack uses <see cref="TryCreate"/>, tests build fakes on it.</summary>
    internal NativeVerbs(NativeResourceTracker resources) => Resources = resources;

    /// <summary>Every device of the machine (not only the listed one).</summary>
    public IReadOnlyList<NativeDevice> Devices => _devices;

    /// <summary>0, or the errno of <c>rdma_get_devices</c> (then CM ids cannot share contexts with verbs users).</summary>
    public int CmDevicesErrno { get; private set; }

    internal NativeResourceTracker Resources { get; }

    /// <inheritdoc/>
    public int GetDeviceList(out IReadOnlyList<IVerbsDevice> devices)
    {
        devices = _listed;
        return Errno.Ok;
    }

    /// <summary>Lists the devices; the status and message say precisely why not when it fails.</summary>
    internal static NativeOpenStatus TryCreate(NativeResourceTracker resources, string? deviceName, out NativeVerbs? verbs, out string problem)
    {
        verbs = null;
        var num = 0;
        var list = LibIbverbs.ibv_get_device_list(&num);
        if (list == null)
        {
            var errno = NativeErrno.Last();
            problem = errno == Errno.ENOSYS
                ? $"no kernel RDMA support: ibv_get_device_list failed with ENOSYS (errno {Errno.ENOSYS}, \"Function not implemented\"); load the RDMA drivers (ib_uverbs, rdma_ucm and the NIC's, e.g. mlx5_ib) or Soft-RoCE (modprobe rdma_rxe; rdma link add rxe0 type rxe netdev eth0)"
                : $"ibv_get_device_list failed with {Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
            return errno == Errno.ENOSYS ? NativeOpenStatus.NoKernelSupport : NativeOpenStatus.Failed;
        }

        var created = new NativeVerbs(resources) { _list = resources.Add(new SafeIbvDeviceListHandle((nint)list)) };
        for (var i = 0; i < num && list[i] != 0; i++)
        {
            var name = Marshal.PtrToStringUTF8((nint)LibIbverbs.ibv_get_device_name(list[i])) ?? "?";
            var guid = BinaryPrimitives.ReverseEndianness(LibIbverbs.ibv_get_device_guid(list[i]));
            created._devices.Add(new NativeDevice(created, list[i], name, guid));
        }

        var status = created.SelectDevices(deviceName, out problem);
        if (status != NativeOpenStatus.Ok)
        {
            created.Dispose();
            return status;
        }

        created.OpenCmDevices();
        verbs = created;
        return NativeOpenStatus.Ok;
    }

    /// <summary>Opens <paramref name="device"/>: librdmacm's context for it when there is one, else a new one.</summary>
    internal int Open(NativeDevice device, out NativeContext? context)
    {
        lock (_gate)
        {
            foreach (var ctx in _contexts.Values)
            {
                if (ctx.Shared && (ctx.DevicePointer == device.Pointer || ctx.Device.Name == device.Name))
                {
                    context = ctx;
                    return Errno.Ok;
                }
            }
        }

        var p = LibIbverbs.ibv_open_device(device.Pointer);
        if (p == null)
        {
            context = null;
            return NativeErrno.Last();
        }

        var handle = Resources.Add(new SafeIbvContextHandle((nint)p));
        handle.DependOn(_list!);
        context = Register(new NativeContext(this, device, handle, shared: false));
        return Errno.Ok;
    }

    /// <summary>The wrapper of <paramref name="pointer"/> (a CM id's <c>verbs</c>); null for NULL.</summary>
    internal NativeContext? ContextFor(IbvContext* pointer)
    {
        if (pointer == null)
        {
            return null;
        }

        lock (_gate)
        {
            if (_contexts.TryGetValue((nint)pointer, out var known))
            {
                return known;
            }
        }

        // A context librdmacm opened after the stack did (a device that appeared later): borrow it.
        var handle = Resources.Add(new SafeIbvContextHandle((nint)pointer, owns: false));
        return Register(new NativeContext(this, DeviceOf(pointer), handle, shared: true));
    }

    internal void Forget(NativeContext context)
    {
        lock (_gate)
        {
            _contexts.Remove(context.Handle.Pointer);
        }
    }

    internal void Dispose()
    {
        lock (_gate)
        {
            _contexts.Clear();
        }

        _cmDevices?.Dispose();
        _list?.Dispose();
    }

    private NativeOpenStatus SelectDevices(string? deviceName, out string problem)
    {
        problem = string.Empty;
        if (_devices.Count == 0)
        {
            problem = "no RDMA devices: ibv_get_device_list returned an empty list (no RDMA NIC, or its driver / rdma_rxe is not loaded; `rdma link show` lists links)";
            return NativeOpenStatus.NoDevices;
        }

        foreach (var d in _devices)
        {
            if (deviceName == null || d.Name == deviceName)
            {
                _listed.Add(d);
            }
        }

        if (_listed.Count == 0)
        {
            problem = $"RDMA device {deviceName} not found (ENODEV); this machine has: {string.Join(", ", _devices.Select(d => d.Name))}";
            return NativeOpenStatus.DeviceNotFound;
        }

        return NativeOpenStatus.Ok;
    }

    private void OpenCmDevices()
    {
        var num = 0;
        var contexts = LibRdmacm.rdma_get_devices(&num);
        if (contexts == null)
        {
            CmDevicesErrno = NativeErrno.Last();
            return;
        }

        _cmDevices = Resources.Add(new SafeRdmaDeviceListHandle((nint)contexts));
        _cmDeviceCount = num;
        for (var i = 0; i < num && contexts[i] != null; i++)
        {
            var handle = Resources.Add(new SafeIbvContextHandle((nint)contexts[i], owns: false));
            handle.DependOn(_cmDevices);
            Register(new NativeContext(this, DeviceOf(contexts[i]), handle, shared: true));
        }
    }

    private NativeDevice DeviceOf(IbvContext* context)
    {
        var name = Marshal.PtrToStringUTF8((nint)LibIbverbs.ibv_get_device_name(context->Device));
        return _devices.FirstOrDefault(d => d.Pointer == context->Device) ?? _devices.FirstOrDefault(d => d.Name == name)
            ?? new NativeDevice(this, context->Device, name ?? "?", BinaryPrimitives.ReverseEndianness(LibIbverbs.ibv_get_device_guid(context->Device)));
    }

    private NativeContext Register(NativeContext context)
    {
        lock (_gate)
        {
            _contexts[context.Handle.Pointer] = context;
        }

        return context;
    }

    /// <inheritdoc/>
    public override string ToString() => $"libibverbs: {string.Join(", ", _devices.Select(d => d.Name))} (CM devices: {_cmDeviceCount})";
}
