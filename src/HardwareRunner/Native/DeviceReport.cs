using System.Globalization;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// What <c>harness devices</c> prints: every verbs device with its ports (state, link layer, MTU, GIDs) and NIC counters.
/// <see cref="Collect(out IReadOnlyList{DeviceInfo}, out string, string?)"/> gives the data or the precise reason there
/// is none; <see cref="Write"/> prints it.
/// </summary>
public static class DeviceReport
{
    /// <summary>GID entries read per port at most (RoCE tables have 16–256 entries).</summary>
    public const int GidsPerPortMax = 256;

    /// <summary>Opens the stack, lists the devices and closes it. Not Ok → <paramref name="problem"/> says why (exit 2).</summary>
    public static NativeOpenStatus Collect(out IReadOnlyList<DeviceInfo> devices, out string problem, string? sysfsRoot = null) =>
        Collect(NativeLibraryNames.Default, out devices, out problem, sysfsRoot);

    /// <summary>As the public overload, with the library names substituted (tests use a missing one).</summary>
    internal static NativeOpenStatus Collect(NativeLibraryNames libraries, out IReadOnlyList<DeviceInfo> devices, out string problem, string? sysfsRoot = null)
    {
        devices = Array.Empty<DeviceInfo>();
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions(), libraries, out var stack, out problem);
        if (status != NativeOpenStatus.Ok)
        {
            return status;
        }

        using (stack)
        {
            devices = Collect(stack!, sysfsRoot);
        }

        return NativeOpenStatus.Ok;
    }

    /// <summary>The devices of an open stack.</summary>
    public static IReadOnlyList<DeviceInfo> Collect(NativeRdmaStack stack, string? sysfsRoot = null) =>
        stack.VerbsImpl.Devices.Select(d => Describe(d, sysfsRoot)).ToList();

    /// <summary>Human-readable listing, one block per device.</summary>
    public static void Write(TextWriter output, IReadOnlyList<DeviceInfo> devices)
    {
        foreach (var d in devices)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{d.Name}  node GUID {d.NodeGuid:x16}  fw {d.FirmwareVersion}  vendor 0x{d.VendorId:x} part {d.VendorPartId}"));
            if (d.Error != null)
            {
                output.WriteLine($"  error: {d.Error}");
            }

            foreach (var p in d.Ports)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  port {p.Number}: {p.StateText}  link layer {p.LinkLayer}  active MTU {MtuBytes(p.ActiveMtu)}  GID table {p.GidTableLength}"));
                foreach (var g in p.Gids)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    GID[{g.Index}] {g.Address}{(g.Type != null ? "  " + g.Type : string.Empty)}{(g.NetDevice != null ? "  " + g.NetDevice : string.Empty)}"));
                }

                foreach (var line in NicCounters.Format(p.Counters))
                {
                    output.WriteLine("    " + line);
                }
            }
        }
    }

    private static DeviceInfo Describe(NativeDevice device, string? sysfsRoot)
    {
        var info = new DeviceInfo { Name = device.Name, NodeGuid = device.Guid };
        var rc = device.Open(out var opened);
        if (rc != Errno.Ok)
        {
            return info with { Error = $"ibv_open_device: {Errno.Name(rc)}" };
        }

        var ctx = (NativeContext)opened!;
        try
        {
            rc = ctx.QueryDevice(out var attr);
            if (rc != Errno.Ok)
            {
                return info with { Error = $"ibv_query_device: {Errno.Name(rc)}" };
            }

            var ports = new List<PortInfo>();
            for (var port = 1; port <= attr.PhysPortCnt; port++)
            {
                ports.Add(DescribePort(ctx, (byte)port, sysfsRoot));
            }

            return info with { FirmwareVersion = attr.FwVer, VendorId = attr.VendorId, VendorPartId = attr.VendorPartId, Ports = ports };
        }
        finally
        {
            ctx.Close();
        }
    }

    private static PortInfo DescribePort(NativeContext ctx, byte port, string? sysfsRoot)
    {
        var rc = ctx.QueryPortNative(port, out var attr);
        if (rc != Errno.Ok)
        {
            return new PortInfo { Number = port, StateText = $"ibv_query_port failed: {Errno.Name(rc)}" };
        }

        var gids = new List<GidInfo>();
        var root = sysfsRoot ?? NicCounters.DefaultSysfsRoot;
        for (var i = 0; i < Math.Min(attr.GidTblLen, GidsPerPortMax); i++)
        {
            if (ctx.QueryGid(port, i, out var gid) == Errno.Ok && gid != default)
            {
                var attrs = Path.Combine(root, ctx.Device.Name, "ports", port.ToString(CultureInfo.InvariantCulture), "gid_attrs");
                var index = i.ToString(CultureInfo.InvariantCulture);
                gids.Add(new GidInfo(i, gid, ReadLine(Path.Combine(attrs, "types", index)), ReadLine(Path.Combine(attrs, "ndevs", index))));
            }
        }

        return new PortInfo
        {
            Number = port,
            State = (PortState)attr.State,
            StateText = NativeText.PortState(attr.State),
            LinkLayer = attr.LinkLayer switch
            {
                NativeConstants.LinkLayerInfiniBand => "InfiniBand",
                NativeConstants.LinkLayerEthernet => "Ethernet",
                _ => "unspecified",
            },
            ActiveMtu = (Mtu)attr.ActiveMtu,
            GidTableLength = attr.GidTblLen,
            Gids = gids,
            Counters = NicCounters.Read(ctx.Device.Name, port, sysfsRoot),
        };
    }

    private static string? ReadLine(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the kernel refuses to read the attributes of an unused GID entry
        }
    }

    private static int MtuBytes(Mtu mtu) => mtu is >= Mtu.Mtu256 and <= Mtu.Mtu4096 ? 128 << (int)mtu : 0;
}
