using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// Steady-state commands do not allocate: once the chunks a workload touches exist, reads, writes, flushes, failed
/// commands (logged to the error ring), Keep Alive, Identify and Property Get leave the thread's allocation counter unchanged.
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Steady_state_commands_do_not_allocate()
    {
        var bed = new NvmfTestBed();
        var (admin, io, _) = bed.ConnectAll(kato: 60_000);
        var commands = new List<(FakeQpair Qpair, byte[] Sqe, NvmeDataTransfer Xfer, byte[] Data)>();
        for (var i = 0; i < 8; i++)
        {
            var slba = (ulong)(i * 1_000_003);
            commands.Add((io, Sqe(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Nsid = 1, Slba = slba, Nlb = 7, Cid = 1 }.ToCommand()), NvmeDataTransfer.HostToController, bed.Pattern(slba, 8, i)));
            commands.Add((io, Sqe(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = 1, Slba = slba, Nlb = 7, Cid = 2 }.ToCommand()), NvmeDataTransfer.ControllerToHost, new byte[8 * 4096]));
        }

        commands.Add((io, Sqe(new FlushCommand { Nsid = 1 }.ToCommand()), NvmeDataTransfer.None, Array.Empty<byte>()));
        commands.Add((io, Sqe(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = 1, Slba = ulong.MaxValue - 3 }.ToCommand()), NvmeDataTransfer.ControllerToHost, new byte[4096]));
        commands.Add((io, Sqe(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Nsid = 9 }.ToCommand()), NvmeDataTransfer.ControllerToHost, new byte[4096]));
        commands.Add((admin, Sqe(new KeepAliveCommand().ToCommand()), NvmeDataTransfer.None, Array.Empty<byte>()));
        commands.Add((admin, Sqe(new IdentifyCommand { Cns = IdentifyCns.Controller }.ToCommand()), NvmeDataTransfer.ControllerToHost, new byte[4096]));
        commands.Add((admin, Sqe(new PropertyGetCommand { Size = PropertySize.EightBytes, Offset = NvmeProperty.Cap }.ToCommand()), NvmeDataTransfer.None, Array.Empty<byte>()));
        commands.Add((admin, Sqe(new GetLogPageCommand { LogPageId = (byte)LogPageId.Error, Numd = 255 }.ToCommand()), NvmeDataTransfer.ControllerToHost, new byte[1024]));

        var request = new FakeNvmfRequest(io, commands[0].Sqe, commands[0].Xfer, commands[0].Data);
        var failures = Loop(bed, request, commands, 3);
        Assert.Equal(3 * 2, failures);
        var measured = 0;
        var allocated = AllocationMeter.Least(() => measured = Loop(bed, request, commands, 200));
        Assert.Equal(200 * 2, measured);
        Assert.Equal(0, allocated);
    }

    private static int Loop(NvmfTestBed bed, FakeNvmfRequest request, List<(FakeQpair Qpair, byte[] Sqe, NvmeDataTransfer Xfer, byte[] Data)> commands, int rounds)
    {
        var failures = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (qpair, sqe, xfer, data) in commands)
            {
                request.Reset(qpair, sqe, xfer, data);
                bed.Target.Execute(request);
                failures += request.Status.IsError ? 1 : 0;
            }
        }

        return failures;
    }

    private static byte[] Sqe(NvmeCommand cmd)
    {
        var sqe = new byte[NvmeCommand.Size];
        cmd.Encode(sqe);
        return sqe;
    }
}
