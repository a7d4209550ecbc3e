using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// <see cref="HostOptions.TimeoutAction"/> as bdev_nvme's <c>action_on_timeout</c>, against the real target stack: a
/// write the block device completes 50 ms late times out after 10 ms. With <see cref="NvmeTimeoutAction.Abort"/> the
/// host sends one Abort naming it (SQID, CID); the target finds it EXECUTING, which its block device cannot abort, and
/// answers "not aborted"; the host then falls back to failing the qpair, as bdev_nvme's <c>nvme_abort_cpl</c> falls back
/// to a reset. With <see cref="NvmeTimeoutAction.Reset"/> (the mutation) no Abort is sent at all.
/// </summary>
public sealed class HostAbortTests
{
    private const long IoTimeoutNs = 10_000_000;
    private const long DeviceDelayNs = 50_000_000;

    [Theory]
    [InlineData(NvmeTimeoutAction.Abort)]
    [InlineData(NvmeTimeoutAction.Reset)]
    public void A_timed_out_write_is_named_in_an_abort_only_with_the_abort_action(NvmeTimeoutAction action)
    {
        using var bed = new TargetStackBed(seed: 11, groups: 1, configureHost: o => o with { TimeoutAction = action, IoTimeoutNs = IoTimeoutNs });
        bed.Nvmf.IoFaults = new WriteDelay();
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0], 8);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running, "I/O qpair running");

        var buffer = bed.Buffer((int)bed.Controller.BlockSize);
        var tracker = new IoTracker();
        var write = tracker.Track();
        Assert.Equal(Errno.Ok, qpair.SubmitWrite(1, 0, 1, buffer, 0, tracker.Callback, write));
        bed.RunUntil(() => tracker.Outstanding == 0, "the write's completion");

        Assert.Equal(1, qpair.Timeouts);
        Assert.True(tracker.Completions.Single().Status.HasSameCode(NvmeStatus.AbortedSqDeletion), $"{tracker.Completions.Single()}");
        if (action == NvmeTimeoutAction.Reset)
        {
            Assert.Equal(0, bed.Controller.AbortsSent);
            Assert.Equal(0, bed.Transport.AbortsStarted);
            return;
        }

        bed.RunUntil(() => bed.Controller.AbortsNotAborted == 1, "the Abort's answer");
        Assert.Equal(1, bed.Controller.AbortsSent);
        Assert.Equal(1, bed.Transport.AbortsStarted);
        Assert.Equal(0, bed.Transport.AbortsSucceeded);
        Assert.Equal(0, bed.Controller.AbortsFailed);
        bed.DeleteAll();
    }

    private sealed class WriteDelay : INvmfIoFaults
    {
        public NvmfIoFault OnIo(ushort cntlid, ushort qid, NvmeIoOpcode opcode, ulong slba) =>
            opcode == NvmeIoOpcode.Write ? new NvmfIoFault(NvmeStatus.Success, DeviceDelayNs) : NvmfIoFault.None;
    }
}
