using Harness.Sim.Faults;
using Harness.Sim.Nic;
using Harness.Transport.Verbs;

namespace Harness.Sim.Fabric;

/// <summary>The fault plan's faults that happen at a virtual time rather than at a WR or event.</summary>
internal static class TimedFaults
{
    public const int EvFault = 1;
    public const int EvPortUp = 2;
    public const int EvInjected = 3;
    public const int EvDeviceFatal = 4;
    public const int EvDeviceRemovalCm = 5;

    /// <summary>When the fault fires, or null if it is not a timed fault.</summary>
    public static long? AtNs(ScriptedFault fault) => fault switch
    {
        DisconnectFault f => f.AtNs,
        ForceQpErrorFault f => f.AtNs,
        AsyncEventFault f => f.AtNs,
        DeviceRemovalFault f => f.AtNs,
        AddrChangeFault f => f.AtNs,
        PortFlapFault f => f.AtNs,
        _ => null,
    };

    public static void Fire(SimFabric fabric, int kind, long a, long b)
    {
        if (kind == EvPortUp)
        {
            var host = fabric.Hosts[(int)a];
            host.Device.PortState = PortState.Active;
            host.Device.RaiseDeviceEvent(AsyncEventType.PortActive);
            return;
        }

        if (kind == EvDeviceFatal)
        {
            DeviceGone(fabric.Hosts[(int)a]);
            return;
        }

        if (kind == EvDeviceRemovalCm)
        {
            fabric.Hosts[(int)a].CmImpl.RaiseDeviceRemoval();
            return;
        }

        if (kind == EvInjected)
        {
            Apply(fabric, fabric.Injected[(int)a]);
        }
        else if (Apply(fabric, fabric.Options.Faults.Scripted[(int)a]))
        {
            fabric.Faults.MarkFired((int)a);
        }
    }

    /// <summary>
    /// Fires <paramref name="fault"/> now (its own time is ignored). False when it did nothing: no live QP is selected
    /// (the fault names one that does not exist, or no longer does), or it is not a timed fault.
    /// </summary>
    private static bool Apply(SimFabric fabric, ScriptedFault fault)
    {
        switch (fault)
        {
            case DisconnectFault f:
                return ForEachQp(fabric, f.Target, qp => DisconnectOwner(fabric, qp));
            case ForceQpErrorFault f:
                return ForEachQp(fabric, f.Target, qp => Record(fabric, qp, FaultSites.ForceQpError, null, qp.ForceError));
            case AsyncEventFault f:
                return ForEachQp(fabric, f.Target, qp => RaiseAsync(fabric, qp, f.EventType));
            case DeviceRemovalFault f:
                // A device is removed once: a second removal of the same host (a swarm draw after the first) is nothing.
                return RemoveDevice(fabric, Host(fabric, f.Host), f.Order, f.GapNs);
            case AddrChangeFault f:
                fabric.Faults.RecordFault(f.Host, 0, FaultSites.AddrChange, null, 0);
                Host(fabric, f.Host).CmImpl.RaiseAddrChange();
                return true;
            case PortFlapFault f:
                // A port already down stays down until its own PORT_ACTIVE: a flap meeting it is nothing.
                return PortDown(fabric, Host(fabric, f.Host), f.DownNs);
            default:
                return false;
        }
    }

    private static SimHost Host(SimFabric fabric, string name) =>
        fabric.FindHostByName(name) ?? throw new InvalidOperationException($"fault plan names host '{name}', which is not on the fabric");

    /// <summary>Applies <paramref name="action"/> to every live QP selected; true when it did something to one.</summary>
    private static bool ForEachQp(SimFabric fabric, QpSelector target, Func<SimQp, bool> action)
    {
        var any = false;
        foreach (var host in fabric.Hosts)
        {
            foreach (var qp in host.AllQps)
            {
                if (!qp.Destroyed && target.Matches(host.HostName, qp.Ordinal))
                {
                    any |= action(qp);
                }
            }
        }

        return any;
    }

    private static bool Record(SimFabric fabric, SimQp qp, string site, string? status, Action<string> act)
    {
        fabric.Faults.RecordFault(qp.HostName, qp.QpNum, site, status, qp.Ordinal);
        act("fault: " + site);
        return true;
    }

    /// <summary>rdma_disconnect by the CM id that owns <paramref name="qp"/>; false when no live id does.</summary>
    private static bool DisconnectOwner(SimFabric fabric, SimQp qp)
    {
        var any = false;
        foreach (var id in qp.Device.Host.CmImpl.Ids)
        {
            if (!id.Destroyed && id.QpImpl == qp)
            {
                fabric.Faults.RecordFault(qp.HostName, qp.QpNum, FaultSites.Disconnect, null, qp.Ordinal);
                id.Disconnect();
                any = true;
            }
        }

        return any;
    }

    private static bool RaiseAsync(SimFabric fabric, SimQp qp, AsyncEventType type)
    {
        fabric.Faults.RecordFault(qp.HostName, qp.QpNum, FaultSites.AsyncEvent, type.ToName(), qp.Ordinal);
        qp.RaiseAsync(type);
        if (type is AsyncEventType.QpFatal or AsyncEventType.QpReqErr or AsyncEventType.QpAccessErr)
        {
            qp.ForceError("async " + type.ToName());
        }

        return true;
    }

    /// <summary>
    /// Starts removing <paramref name="host"/>'s device: its first sign now, the second <paramref name="gapNs"/> later (at
    /// once when 0). The fault record's status names the order, its argument the gap.
    /// </summary>
    private static bool RemoveDevice(SimFabric fabric, SimHost host, DeviceRemovalOrder order, long gapNs)
    {
        if (host.Device.RemovalStarted)
        {
            return false;
        }

        host.Device.RemovalStarted = true;
        var fatalFirst = order == DeviceRemovalOrder.FatalFirst;
        fabric.Faults.RecordFault(host.HostName, 0, FaultSites.DeviceRemoval, fatalFirst ? null : "removal-first", gapNs);
        if (fatalFirst)
        {
            DeviceGone(host);
        }
        else
        {
            host.CmImpl.RaiseDeviceRemoval();
        }

        var index = fabric.Hosts.ToList().IndexOf(host);
        if (gapNs > 0)
        {
            fabric.World.Schedule(gapNs, fabric, fatalFirst ? EvDeviceRemovalCm : EvDeviceFatal, index);
        }
        else if (fatalFirst)
        {
            host.CmImpl.RaiseDeviceRemoval();
        }
        else
        {
            DeviceGone(host);
        }

        return true;
    }

    /// <summary>The device stops: DEVICE_FATAL, every verb fails with ENODEV from now on, every QP to ERR (flushed).</summary>
    private static void DeviceGone(SimHost host)
    {
        host.Device.RaiseDeviceEvent(AsyncEventType.DeviceFatal);
        host.Device.Removed = true;
        foreach (var qp in host.AllQps)
        {
            qp.ForceError("device removed");
        }
    }

    private static bool PortDown(SimFabric fabric, SimHost host, long downNs)
    {
        if (host.Device.PortState != PortState.Active)
        {
            return false;
        }

        fabric.Faults.RecordFault(host.HostName, 0, FaultSites.PortDown, null, downNs);
        host.Device.PortState = PortState.Down;
        host.Device.RaiseDeviceEvent(AsyncEventType.PortErr);
        fabric.World.Schedule(downNs, fabric, EvPortUp, fabric.Hosts.ToList().IndexOf(host));
        return true;
    }
}
