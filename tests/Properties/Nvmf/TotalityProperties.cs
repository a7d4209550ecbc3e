using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// Execute is total: random SQEs (biased toward real opcodes, FCTYPEs, NSIDs and small dwords), random data lengths
/// and directions, on qpairs in every state (unconnected, admin, I/O, disconnected), interleaved with valid Connects,
/// Polls at advancing times and disconnects: nothing throws, every command completes exactly once, and the
/// controller/qpair bookkeeping stays consistent.
/// </summary>
public sealed class TotalityProperties
{
    /// <summary>The AERs the target held in the current run (completed later).</summary>
    [ThreadStatic]
    private static List<FakeNvmfRequest>? t_heldAers;

    [ThreadStatic]
    private static List<FakeNvmfRequest>? t_heldFirsts;

    private static readonly byte[] Opcodes = { 0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0C, 0x10, 0x18, 0x7F, 0x7F, 0x7F, 0x80, 0x81, 0xFF };
    private static readonly byte[] FabricsTypes = { 0x00, 0x01, 0x04, 0x05, 0x06, 0x08, 0x7F };
    private static readonly uint[] Nsids = { 0, 1, 1, 1, 2, 0xFFFFFFFE, 0xFFFFFFFF };
    private static readonly int[] Lengths = { 0, 1, 15, 16, 63, 64, 512, 1023, 1024, 4095, 4096, 4097, 8192 };

    [HarnessProperty(MaxTest = 300)]
    public Property Random_commands_complete_exactly_once_and_never_throw() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue - 1)), seed => Run(seed, steps: 60));

    [Fact]
    public void A_long_random_run()
    {
        Run(12345, steps: 5000);
    }

    private static void Run(int seed, int steps)
    {
        var rng = new Random(seed);
        var bed = new NvmfTestBed(new NvmfTargetOptions
        {
            BlockSize = rng.Next(2) == 0 ? 512u : 4096u,
            NamespaceBytes = 1L << 24,
            ChunkBytes = 4096,
            MemoryBytesMax = 64 * 4096,
            KeepAliveGranularityMs = 100,
            KeepAliveTimeoutMsMin = 100,
            IoQueuesPerControllerMax = 3,
            ControllersMax = 2,
            ErrorLogEntriesMax = 8,
        });
        t_heldAers = new List<FakeNvmfRequest>();
        t_heldFirsts = new List<FakeNvmfRequest>();
        var qpairs = new List<FakeQpair> { bed.NewQpair(0, 32), bed.NewQpair(1, 32), bed.NewQpair(2, 32), bed.NewQpair(0, 32) };
        for (var step = 0; step < steps; step++)
        {
            var qpair = qpairs[rng.Next(qpairs.Count)];
            var dice = rng.Next(100);
            if (dice < 4)
            {
                bed.Clock.NowNs += rng.Next(0, 2) * (long)rng.Next(0, 300) * 1_000_000;
                bed.Target.Poll(bed.Clock.NowNs);
            }
            else if (dice < 6)
            {
                qpair.Disconnect();
                qpairs[qpairs.IndexOf(qpair)] = bed.NewQpair(qpair.Qid, 32); // a new connection takes its place
            }
            else if (dice < 16)
            {
                ExecuteOnce(bed, qpair, ValidConnect(rng, bed, qpair));
            }
            else if (dice < 22)
            {
                var admin = qpairs[rng.Next(2) == 0 ? 0 : 3];
                var cc = new PropertySetCommand { Offset = NvmeProperty.Cc, Value = rng.Next(4) == 0 ? 0u : NvmfTestBed.CcEnable }.ToCommand();
                ExecuteOnce(bed, admin, Sqe(cc), NvmeDataTransfer.None, 0, rng);
            }
            else if (dice < 70)
            {
                ExecuteOnce(bed, qpair, Plausible(rng, bed.BlockSize));
            }
            else
            {
                ExecuteOnce(bed, qpair, RandomSqe(rng), (NvmeDataTransfer)rng.Next(4), RandomLength(rng), rng);
            }

            CheckBookkeeping(bed);
            CheckHeldAers();
        }

        qpairs.ForEach(q => q.Disconnect());
        CheckHeldAers();
    }

    private static (byte[] Sqe, NvmeDataTransfer Xfer, byte[] Data) ValidConnect(Random rng, NvmfTestBed bed, FakeQpair qpair)
    {
        var controllers = bed.Target.Controllers;
        var cntlid = qpair.Qid == 0 || controllers.Count == 0 ? (ushort)0xFFFF : controllers[rng.Next(controllers.Count)].Cntlid;
        var connect = new ConnectCommand { Qid = qpair.Qid, Sqsize = (ushort)rng.Next(0, 40), Kato = (uint)rng.Next(0, 1000) }.ToCommand();
        return (Sqe(connect), NvmeDataTransfer.HostToController, NvmfTestBed.ConnectDataBytes(cntlid));
    }

    /// <summary>A well-formed command of a supported kind with random fields (often in range), and matching data.</summary>
    private static (byte[] Sqe, NvmeDataTransfer Xfer, byte[] Data) Plausible(Random rng, uint blockSize)
    {
        var nsid = rng.Next(8) == 0 ? Nsids[rng.Next(Nsids.Length)] : NvmfTarget.NamespaceId;
        var slba = (ulong)(rng.Next(4) == 0 ? rng.NextInt64() : rng.Next(0, (int)((1 << 24) / blockSize) + 8));
        var nlb = (ushort)rng.Next(0, 8);
        var cmd = rng.Next(10) switch
        {
            0 => new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Nsid = nsid, Slba = slba, Nlb = nlb }.ToCommand(),
            1 => new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = nsid, Slba = slba, Nlb = nlb }.ToCommand(),
            2 => new WriteZeroesCommand { Nsid = nsid, Slba = slba, Nlb = nlb, Deallocate = rng.Next(4) == 0 }.ToCommand(),
            3 => new DatasetManagementCommand { Nsid = nsid, Nr = (byte)rng.Next(0, 3), Attributes = (DsmAttributes)rng.Next(8) }.ToCommand(),
            4 => new IdentifyCommand { Cns = (IdentifyCns)rng.Next(0, 5), Nsid = nsid }.ToCommand(),
            5 => new GetLogPageCommand { LogPageId = (byte)rng.Next(0, 6), Numd = (uint)rng.Next(0, 300), Offset = (ulong)(rng.Next(0, 3) * 64) }.ToCommand(),
            6 => new FeaturesCommand { Opcode = rng.Next(2) == 0 ? NvmeAdminOpcode.SetFeatures : NvmeAdminOpcode.GetFeatures, FeatureId = (byte)rng.Next(0, 16), Cdw11 = (uint)rng.Next(0, 20_000) }.ToCommand(),
            7 => new KeepAliveCommand().ToCommand(),
            8 => new PropertyGetCommand { Offset = (uint)rng.Next(0, 9) * 4, Size = (PropertySize)rng.Next(2) }.ToCommand(),
            _ => new FlushCommand { Nsid = nsid }.ToCommand(),
        };
        var length = cmd.Opcode switch
        {
            (byte)NvmeIoOpcode.Write or (byte)NvmeIoOpcode.Read => (nlb + 1) * (int)blockSize,
            (byte)NvmeIoOpcode.DatasetManagement => ((int)cmd.Cdw10 + 1) * DsmRange.Size,
            (byte)NvmeAdminOpcode.Identify or (byte)NvmeAdminOpcode.GetLogPage => 4096,
            _ => 0,
        };
        length += rng.Next(6) == 0 ? rng.Next(-20, 20) : 0;
        var data = new byte[Math.Max(0, length)];
        rng.NextBytes(data);
        if (cmd.Opcode == (byte)NvmeIoOpcode.DatasetManagement)
        {
            for (var i = 0; i + DsmRange.Size <= data.Length; i += DsmRange.Size)
            {
                new DsmRange { StartingLba = (ulong)rng.Next(0, 5000), LengthInBlocks = (uint)rng.Next(0, 64) }.Encode(data.AsSpan(i));
            }
        }

        return (Sqe(cmd), data.Length == 0 ? NvmeDataTransfer.None : NvmfTestBed.DirectionOf(cmd), data);
    }

    private static void ExecuteOnce(NvmfTestBed bed, FakeQpair qpair, (byte[] Sqe, NvmeDataTransfer Xfer, byte[] Data) command) =>
        Execute(bed, qpair, command.Sqe, command.Xfer, command.Data);

    private static void ExecuteOnce(NvmfTestBed bed, FakeQpair qpair, byte[] sqe, NvmeDataTransfer xfer, int length, Random rng)
    {
        var data = new byte[length];
        rng.NextBytes(data);
        if (length >= 16 && rng.Next(3) == 0)
        {
            data.AsSpan(0, 16).Clear(); // small DSM ranges, small values at the start of the data
        }

        Execute(bed, qpair, sqe, xfer, data);
    }

    private static void Execute(NvmfTestBed bed, FakeQpair qpair, byte[] sqe, NvmeDataTransfer xfer, byte[] data)
    {
        var request = new FakeNvmfRequest(qpair, sqe, xfer, data);
        bed.Target.Execute(request);
        if (request.Completions == 0 && IsHeldAer(request, qpair))
        {
            t_heldAers!.Add(request); // completed later: by an Abort, or when its admin qpair goes
            return;
        }

        if (request.Completions == 0 && ReferenceEquals(qpair.FirstFusedReq, request))
        {
            t_heldFirsts!.Add(request); // a fused FIRST waits for its SECOND: completed with it, or alone by the next command or the qpair's end
            return;
        }

        Assert.True(request.Completions == 1, $"{request}");
    }

    /// <summary>An Asynchronous Event Request on an admin qpair with a controller: SPDK holds it (at most four).</summary>
    private static bool IsHeldAer(FakeNvmfRequest request, FakeQpair qpair) =>
        request.Command.Length == NvmeCommand.Size && request.Command[0] == (byte)NvmeAdminOpcode.AsyncEventRequest &&
        qpair.Qid == 0 && qpair.Controller is NvmfController { AerCount: > 0 };

    /// <summary>
    /// Held AERs complete at most once, and exactly once once their qpair disconnected; a held fused FIRST exactly once
    /// once its qpair holds it no more (the next command came, or the qpair went).
    /// </summary>
    private static void CheckHeldAers()
    {
        foreach (var aer in t_heldAers!)
        {
            Assert.True(aer.Completions <= 1, $"{aer} completed {aer.Completions} times");
            Assert.True(aer.Completions == 1 || !((FakeQpair)aer.Qpair).Disconnected, $"{aer} still held after its qpair disconnected");
        }

        foreach (var first in t_heldFirsts!)
        {
            var qpair = (FakeQpair)first.Qpair;
            var held = ReferenceEquals(qpair.FirstFusedReq, first) && !qpair.Disconnected;
            Assert.True(first.Completions == (held ? 0 : 1), $"fused FIRST {first}: {first.Completions} completion(s) while {(held ? "still held" : "no longer held")}");
        }
    }

    private static byte[] RandomSqe(Random rng)
    {
        var length = rng.Next(10) == 0 ? rng.Next(0, NvmeCommand.Size) : NvmeCommand.Size;
        var sqe = new byte[length];
        rng.NextBytes(sqe);
        if (length < NvmeCommand.Size)
        {
            return sqe;
        }

        sqe[0] = rng.Next(4) == 0 ? sqe[0] : Opcodes[rng.Next(Opcodes.Length)];
        if (rng.Next(5) != 0)
        {
            sqe[1] = 0x40; // FUSE 0, PSDT SGL
        }

        var nsid = sqe[0] == NvmeCommand.FabricsOpcode ? FabricsTypes[rng.Next(FabricsTypes.Length)] : Nsids[rng.Next(Nsids.Length)];
        BitConverter.TryWriteBytes(sqe.AsSpan(4), nsid);
        for (var dword = 10; dword <= 15; dword++)
        {
            if (rng.Next(3) != 0)
            {
                BitConverter.TryWriteBytes(sqe.AsSpan(dword * 4), (uint)rng.Next(0, 1 << rng.Next(1, 20)));
            }
        }

        return sqe;
    }

    private static int RandomLength(Random rng) => rng.Next(3) == 0 ? rng.Next(0, 9000) : Lengths[rng.Next(Lengths.Length)];

    private static byte[] Sqe(NvmeCommand cmd)
    {
        var sqe = new byte[NvmeCommand.Size];
        cmd.Encode(sqe);
        return sqe;
    }

    private static void CheckBookkeeping(NvmfTestBed bed)
    {
        var target = bed.Target;
        Assert.True(target.Controllers.Count <= target.Options.ControllersMax);
        Assert.Equal(target.Controllers.Count, target.Controllers.Select(c => c.Cntlid).Distinct().Count());
        foreach (var controller in target.Controllers)
        {
            Assert.False(controller.IsDestroyed);
            Assert.True(controller.QpairMaskCount > 0 || controller.ConnectRetriesPending > 0, $"{controller} lives with no qpair");
            Assert.True(controller.AdminQpair == null || ReferenceEquals(controller, controller.AdminQpair.Controller));
            var io = Enumerable.Range(1, target.Options.IoQueuesPerControllerMax).Select(controller.GetIoQpair).Where(q => q != null).ToList();
            Assert.Equal(controller.IoQpairCount, io.Count);
            Assert.All(io, q => Assert.Same(controller, q!.Controller));
        }

        Assert.True(target.Namespace.BytesAllocated <= target.Options.MemoryBytesMax);
    }
}
