using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// An <see cref="NvmfTarget"/> on a manual clock, with helpers that build commands the way an NVMe-oF host does and
/// execute them through fake qpairs and requests. Every helper asserts the command completed exactly once.
/// </summary>
public sealed class NvmfTestBed
{
    public const string HostNqn = "nqn.2014-08.org.nvmexpress:uuid:7f3c2a9e-0000-4000-8000-000000000001";

    /// <summary>CC with EN = 1, IOSQES = 6, IOCQES = 4 (what SPDK's and Linux's hosts write).</summary>
    public const uint CcEnable = 1 | (6 << 16) | (4 << 20);

    private ushort _cid;

    public NvmfTestBed(NvmfTargetOptions? options = null)
    {
        Options = options ?? new NvmfTargetOptions();
        Target = new NvmfTarget(Options, Clock);
    }

    public NvmfTargetOptions Options { get; }

    public ManualClock Clock { get; } = new();

    public NvmfTarget Target { get; }

    public uint BlockSize => Options.BlockSize;

    public FakeQpair NewQpair(ushort qid, int maxQueueDepth = 128) => new(qid, maxQueueDepth, Target);

    /// <summary>The data direction SPDK's target derives from the opcode (FCTYPE for Fabrics).</summary>
    public static NvmeDataTransfer DirectionOf(in NvmeCommand cmd) =>
        (NvmeDataTransfer)((cmd.IsFabrics ? (byte)cmd.Nsid : cmd.Opcode) & 0x3);

    /// <summary>Executes <paramref name="cmd"/> with <paramref name="data"/> (direction from the opcode unless given).</summary>
    public FakeNvmfRequest Execute(FakeQpair qpair, NvmeCommand cmd, byte[]? data = null, NvmeDataTransfer? xfer = null)
    {
        if (cmd.Cid == 0)
        {
            cmd.Cid = ++_cid;
        }

        if (data != null)
        {
            cmd.Dptr = SglDescriptor.Keyed(0x1000, (uint)Math.Min(data.Length, (int)SglDescriptor.MaxKeyedLength), 0x1234);
        }

        var sqe = new byte[NvmeCommand.Size];
        cmd.Encode(sqe);
        var request = new FakeNvmfRequest(qpair, sqe, xfer ?? (data == null ? NvmeDataTransfer.None : DirectionOf(cmd)), data ?? Array.Empty<byte>());
        Target.Execute(request);
        Assert.Equal(1, request.Completions);
        return request;
    }

    /// <summary>Executes a command the target may hold (an I/O CONNECT waiting for its duplicate-QID re-check): no completion count asserted.</summary>
    public FakeNvmfRequest ExecuteHeld(FakeQpair qpair, NvmeCommand cmd, byte[] data)
    {
        cmd.Cid = cmd.Cid == 0 ? ++_cid : cmd.Cid;
        cmd.Dptr = SglDescriptor.Keyed(0x1000, (uint)data.Length, 0x1234);
        var sqe = new byte[NvmeCommand.Size];
        cmd.Encode(sqe);
        var request = new FakeNvmfRequest(qpair, sqe, DirectionOf(cmd), data);
        Target.Execute(request);
        return request;
    }

    /// <summary>An I/O CONNECT of <paramref name="qpair"/> to <paramref name="cntlid"/> that may be held.</summary>
    public FakeNvmfRequest ConnectHeld(FakeQpair qpair, ushort cntlid) =>
        ExecuteHeld(qpair, new ConnectCommand { Qid = qpair.Qid, Sqsize = 31 }.ToCommand(), ConnectDataBytes(cntlid));

    public static byte[] ConnectDataBytes(ushort cntlid, string subNqn = NvmfTargetOptions.DefaultSubNqn, string hostNqn = HostNqn)
    {
        var bytes = new byte[ConnectData.Size];
        new ConnectData
        {
            HostId = new Guid("7f3c2a9e-0000-4000-8000-000000000001"),
            Cntlid = cntlid,
            SubNqn = Nqn.FromString(subNqn),
            HostNqn = Nqn.FromString(hostNqn),
        }.Encode(bytes);
        return bytes;
    }

    public FakeNvmfRequest Connect(FakeQpair qpair, ushort cntlid = ConnectData.DynamicControllerId, ushort sqsize = 31, uint kato = 0, ushort? qid = null, byte[]? data = null, ushort recfmt = 0)
    {
        var connect = new ConnectCommand { Qid = qid ?? qpair.Qid, Sqsize = sqsize, Kato = kato, Recfmt = recfmt };
        return Execute(qpair, connect.ToCommand(), data ?? ConnectDataBytes(cntlid));
    }

    /// <summary>Connects an admin queue; asserts success.</summary>
    public (FakeQpair Admin, NvmfController Controller) ConnectAdmin(uint kato = 0)
    {
        var admin = NewQpair(0);
        var connect = Connect(admin, kato: kato);
        Assert.Equal(NvmeStatus.Success, connect.Status);
        var controller = Target.FindController(ConnectResponse.GetCntlid(connect.Dw0));
        Assert.NotNull(controller);
        return (admin, controller!);
    }

    /// <summary>Connects an admin queue and enables the controller (CC.EN = 1); asserts success.</summary>
    public (FakeQpair Admin, NvmfController Controller) ConnectEnabled(uint kato = 0)
    {
        var (admin, controller) = ConnectAdmin(kato);
        Assert.Equal(NvmeStatus.Success, PropertySet(admin, NvmeProperty.Cc, CcEnable).Status);
        Assert.True(controller.IsReady);
        return (admin, controller);
    }

    /// <summary>Connects I/O queue <paramref name="qid"/> to <paramref name="controller"/>; asserts success.</summary>
    public FakeQpair ConnectIo(NvmfController controller, ushort qid = 1)
    {
        var io = NewQpair(qid);
        var connect = Connect(io, controller.Cntlid);
        Assert.Equal(NvmeStatus.Success, connect.Status);
        Assert.Same(controller, io.Controller);
        return io;
    }

    /// <summary>An enabled controller with I/O queue 1.</summary>
    public (FakeQpair Admin, FakeQpair Io, NvmfController Controller) ConnectAll(uint kato = 0)
    {
        var (admin, controller) = ConnectEnabled(kato);
        return (admin, ConnectIo(controller), controller);
    }

    public FakeNvmfRequest PropertyGet(FakeQpair admin, uint offset, PropertySize size = PropertySize.FourBytes) =>
        Execute(admin, new PropertyGetCommand { Size = size, Offset = offset }.ToCommand());

    public FakeNvmfRequest PropertySet(FakeQpair admin, uint offset, ulong value, PropertySize size = PropertySize.FourBytes) =>
        Execute(admin, new PropertySetCommand { Size = size, Offset = offset, Value = value }.ToCommand());

    public FakeNvmfRequest Identify(FakeQpair admin, IdentifyCns cns, uint nsid = 0, int length = IdentifyCommand.DataSize) =>
        Execute(admin, new IdentifyCommand { Cns = cns, Nsid = nsid }.ToCommand(), new byte[length]);

    public FakeNvmfRequest GetLogPage(FakeQpair admin, byte lid, int bytes, ulong offset = 0, uint nsid = 0, int? bufferBytes = null) =>
        Execute(admin, new GetLogPageCommand { LogPageId = lid, Numd = (uint)(bytes / 4) - 1, Offset = offset, Nsid = nsid }.ToCommand(), new byte[bufferBytes ?? bytes]);

    public FakeNvmfRequest SetFeature(FakeQpair admin, FeatureId fid, uint cdw11, uint nsid = 0, bool save = false) =>
        Execute(admin, new FeaturesCommand { Opcode = NvmeAdminOpcode.SetFeatures, FeatureId = (byte)fid, Cdw11 = cdw11, Nsid = nsid, Save = save }.ToCommand());

    public FakeNvmfRequest GetFeature(FakeQpair admin, FeatureId fid, uint nsid = 0) =>
        Execute(admin, new FeaturesCommand { Opcode = NvmeAdminOpcode.GetFeatures, FeatureId = (byte)fid, Nsid = nsid }.ToCommand());

    public FakeNvmfRequest KeepAlive(FakeQpair admin) => Execute(admin, new KeepAliveCommand().ToCommand());

    public FakeNvmfRequest Write(FakeQpair io, ulong slba, byte[] data, uint nsid = NvmfTarget.NamespaceId) =>
        Execute(io, new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Nsid = nsid, Slba = slba, Nlb = (ushort)((data.Length / (int)BlockSize) - 1) }.ToCommand(), data);

    public FakeNvmfRequest Read(FakeQpair io, ulong slba, int blocks, uint nsid = NvmfTarget.NamespaceId) =>
        Execute(io, new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = nsid, Slba = slba, Nlb = (ushort)(blocks - 1) }.ToCommand(), new byte[blocks * BlockSize]);

    public FakeNvmfRequest WriteZeroes(FakeQpair io, ulong slba, int blocks, bool deallocate = false) =>
        Execute(io, new WriteZeroesCommand { Nsid = NvmfTarget.NamespaceId, Slba = slba, Nlb = (ushort)(blocks - 1), Deallocate = deallocate }.ToCommand());

    public FakeNvmfRequest Deallocate(FakeQpair io, params DsmRange[] ranges)
    {
        var list = new byte[ranges.Length * DsmRange.Size];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i].Encode(list.AsSpan(i * DsmRange.Size));
        }

        var dsm = new DatasetManagementCommand { Nsid = NvmfTarget.NamespaceId, Nr = (byte)(ranges.Length - 1), Attributes = DsmAttributes.Deallocate };
        return Execute(io, dsm.ToCommand(), list);
    }

    /// <summary>Block-sized data whose bytes depend on <paramref name="seed"/> and the block's LBA.</summary>
    public byte[] Pattern(ulong slba, int blocks, int seed)
    {
        var data = new byte[blocks * BlockSize];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((int)(slba + (ulong)(i / BlockSize)) * 31 + (i * 7) + (seed * 13) + 1);
        }

        return data;
    }
}
