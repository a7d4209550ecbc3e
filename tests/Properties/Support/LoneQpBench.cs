using System.Net;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Nic;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// One simulated host with an open device, a PD and a CQ, for tests that drive QPs by hand with ibv_modify_qp
/// (no peer, no CM). <see cref="NewQpIn"/> walks a fresh QP along legal transitions to any reachable state.
/// </summary>
public sealed class LoneQpBench : IDisposable
{
    public LoneQpBench(SimOptions? options = null)
    {
        Fabric = new SimFabric(options ?? new SimOptions());
        Host = Fabric.AddHost("solo", IPAddress.Parse("192.0.2.10"));
        Host.Verbs.GetDeviceList(out var devices);
        ConnectedPair.Check(devices[0].Open(out var ctx), "open");
        Context = ctx!;
        ConnectedPair.Check(Context.AllocPd(out var pd), "alloc_pd");
        Pd = pd!;
        ConnectedPair.Check(Context.CreateCq(64, null, out var cq), "create_cq");
        Cq = cq!;
        ConnectedPair.Check(Context.QueryDevice(out var attr), "query_device");
        DeviceAttr = attr;
    }

    public SimFabric Fabric { get; }

    public SimHost Host { get; }

    public IVerbsContext Context { get; }

    public IProtectionDomain Pd { get; }

    public ICompletionQueue Cq { get; }

    public DeviceAttr DeviceAttr { get; }

    /// <summary>Attribute values that are all in range, so only the mask decides whether a modify is legal.</summary>
    public static QpAttr ValidAttr(QpState target, QpState current) => new()
    {
        QpState = target,
        CurQpState = current,
        PathMtu = Mtu.Mtu4096,
        Qkey = 0x1111_1111,
        RqPsn = 0,
        SqPsn = 0,
        DestQpNum = 0x999,
        QpAccessFlags = AccessFlags.LocalWrite | AccessFlags.RemoteRead | AccessFlags.RemoteWrite,
        AhAttr = new AhAttr { Dgid = Gid.FromIPv4(IPAddress.Parse("192.0.2.99")), IsGlobal = true, PortNum = 1, HopLimit = 64 },
        PkeyIndex = 0,
        SqDrainAsyncNotify = false,
        MaxRdAtomic = 4,
        MaxDestRdAtomic = 4,
        MinRnrTimer = 12,
        PortNum = 1,
        Timeout = 14,
        RetryCnt = 7,
        RnrRetry = 7,
    };

    /// <summary>The mask librdmacm/the kernel CM use for each step of bringing up an RC QP.</summary>
    public static QpAttrMask BringUpMask(QpState target) => target switch
    {
        QpState.Init => QpAttrMask.State | QpAttrMask.PkeyIndex | QpAttrMask.Port | QpAttrMask.AccessFlags,
        QpState.Rtr => QpAttrMask.State | QpAttrMask.Av | QpAttrMask.PathMtu | QpAttrMask.DestQpn | QpAttrMask.RqPsn |
            QpAttrMask.MaxDestRdAtomic | QpAttrMask.MinRnrTimer,
        QpState.Rts => QpAttrMask.State | QpAttrMask.SqPsn | QpAttrMask.Timeout | QpAttrMask.RetryCnt | QpAttrMask.RnrRetry |
            QpAttrMask.MaxQpRdAtomic,
        _ => QpAttrMask.State,
    };

    /// <summary>A new RC QP (no SRQ) still in RESET.</summary>
    public SimQp NewQp()
    {
        var init = new QpInitAttr
        {
            SendCq = Cq,
            RecvCq = Cq,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = 8, MaxRecvWr = 8, MaxSendSge = 2, MaxRecvSge = 2 },
        };
        ConnectedPair.Check(Pd.CreateQp(init, out var qp), "create_qp");
        return (SimQp)qp!;
    }

    /// <summary>A new QP brought to <paramref name="state"/> (RESET, INIT, RTR, RTS, SQD or ERR) by legal modifies.</summary>
    public SimQp NewQpIn(QpState state)
    {
        var qp = NewQp();
        var path = state switch
        {
            QpState.Reset => Array.Empty<QpState>(),
            QpState.Init => new[] { QpState.Init },
            QpState.Rtr => new[] { QpState.Init, QpState.Rtr },
            QpState.Rts => new[] { QpState.Init, QpState.Rtr, QpState.Rts },
            QpState.Sqd => new[] { QpState.Init, QpState.Rtr, QpState.Rts, QpState.Sqd },
            QpState.Err => new[] { QpState.Init, QpState.Err },
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not reachable by ibv_modify_qp on an RC QP"),
        };
        foreach (var step in path)
        {
            ConnectedPair.Check(qp.Modify(ValidAttr(step, qp.State), BringUpMask(step)), $"modify_qp {qp.State.ToName()} -> {step.ToName()}");
        }

        if (qp.State != state)
        {
            throw new Xunit.Sdk.XunitException($"{qp}: bring-up ended in {qp.State.ToName()}, wanted {state.ToName()}");
        }

        return qp;
    }

    public void Dispose() => Fabric.Dispose();
}
