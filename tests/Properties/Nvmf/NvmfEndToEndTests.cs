using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// <see cref="NvmfTarget"/> behind the real RDMA target transport on the simulated fabric, driven by raw wire-level
/// hosts, with every transport invariant checked after every event: Connect (in-capsule data), 8-byte Property Get
/// (DW1 reaches the wire), CC enable, Identify over RDMA WRITE, an I/O queue from another connection, write/read back,
/// the admin disconnect leaving the controller to its I/O queue, and the I/O queue's disconnect destructing it.
/// </summary>
public sealed class NvmfEndToEndTests
{
    private const int Depth = 16;

    [Fact]
    public void Admin_and_io_queues_over_the_simulated_fabric()
    {
        var transportOptions = new TargetOptions { NumSharedBuffers = 1024, IoUnitSize = 4096 };
        var clock = new ForwardingClock();
        var target = new NvmfTarget(NvmfTargetOptions.ForTransport(transportOptions), clock);
        using var bed = new TargetBed(transportOptions, handler: target);
        clock.Inner = bed.TargetHost.Clock;

        var admin = Connect(bed, "admin", qid: 0, ConnectData.DynamicControllerId);
        var cntlid = ConnectResponse.GetCntlid(admin.Responses[0].Dw0);
        var cap = Run(bed, admin, new PropertyGetCommand { Cid = 1, Size = PropertySize.EightBytes, Offset = NvmeProperty.Cap }.ToCommand());
        Assert.Equal(target.Capabilities.ToRaw() | (1UL << 59), cap.Value64);
        Assert.NotEqual(0u, cap.Dw1);
        Run(bed, admin, new PropertySetCommand { Cid = 2, Offset = NvmeProperty.Cc, Value = NvmfTestBed.CcEnable }.ToCommand());

        var identify = new IdentifyCommand { Cid = 3, Cns = IdentifyCns.Controller, Dptr = admin.Keyed(3, 4096) }.ToCommand();
        Run(bed, admin, identify);
        IdentifyControllerData.TryDecode(admin.Slot(3, 4096), out var data);
        Assert.Equal(cntlid, data.Cntlid);
        Assert.Equal(NvmfTargetOptions.DefaultSubNqn, data.SubNqn.ToString());

        var io = Connect(bed, "io", qid: 1, cntlid);
        Assert.Equal(cntlid, ConnectResponse.GetCntlid(io.Responses[0].Dw0));
        io.Slot(1, 8192).Fill(0x5A);
        Run(bed, io, new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 1, Nsid = 1, Slba = 1000, Nlb = 1, Dptr = io.Keyed(1, 8192) }.ToCommand());
        io.Slot(2, 8192).Clear();
        Run(bed, io, new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 2, Nsid = 1, Slba = 1000, Nlb = 1, Dptr = io.Keyed(2, 8192) }.ToCommand());
        Assert.True(io.Slot(2, 8192).ToArray().All(b => b == 0x5A));

        var controller = target.FindController(cntlid)!;
        Assert.Equal(1, controller.IoQpairCount);
        admin.Id.Disconnect();
        bed.RunUntil(() => controller.AdminQpair == null, "the admin qpair's fini");
        Assert.False(controller.IsDestroyed); // HEAD keeps it while an I/O qpair lives (nvmf.c:1552)
        io.Slot(2, 8192).Clear();
        Run(bed, io, new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 3, Nsid = 1, Slba = 1000, Nlb = 1, Dptr = io.Keyed(2, 8192) }.ToCommand());
        Assert.True(io.Slot(2, 8192).ToArray().All(b => b == 0x5A));

        io.Id.Disconnect();
        bed.RunUntil(() => controller.IsDestroyed, "controller destructed with its last qpair");
        Assert.Equal(0, controller.QpairMaskCount);
        Assert.Empty(target.Controllers);
        Assert.DoesNotContain(admin.FailedWcs, wc => wc.Status != Harness.Transport.Verbs.WcStatus.WrFlushErr);
    }

    private static RawHost Connect(TargetBed bed, string name, ushort qid, ushort cntlid)
    {
        var host = bed.AddHost(name, Depth);
        host.Connect(bed.Address, RawHost.ConnectPrivateData(qid, Depth), 16);
        bed.RunUntil(() => host.PollCm() == Harness.Transport.RdmaCm.CmEventType.Established || host.CmEvents.Contains(Harness.Transport.RdmaCm.CmEventType.Established), "ESTABLISHED");
        var connect = new ConnectCommand { Cid = 0, Qid = qid, Sqsize = Depth - 1, Dptr = SglDescriptor.InCapsule(0, ConnectData.Size) }.ToCommand();
        Assert.Equal(0, host.Submit(connect, NvmfTestBed.ConnectDataBytes(cntlid)));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(0); }, "Connect response");
        Assert.True(host.Responses[0].Status.IsSuccess, host.Responses[0].ToString(NvmeCommand.FabricsOpcode));
        return host;
    }

    private static NvmeCompletion Run(TargetBed bed, RawHost host, NvmeCommand cmd)
    {
        Assert.Equal(0, host.Submit(cmd));
        bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cmd.Cid); }, $"response to CID {cmd.Cid}");
        var cpl = host.Responses[cmd.Cid];
        Assert.True(cpl.Status.IsSuccess, cpl.ToString(cmd.Opcode));
        return cpl;
    }

    /// <summary>The simulated host's clock, which exists only once the bed (and its fabric) does.</summary>
    private sealed class ForwardingClock : IClock
    {
        public IClock? Inner { get; set; }

        public long NowNs => Inner?.NowNs ?? 0;
    }
}
