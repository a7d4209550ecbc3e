using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Fabric;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The NVMe-oF workload's oracle has teeth: bytes changed in the target's namespace behind the host's back are caught
/// as a data-verification failure; a completion for a command not in flight is caught; left alone, the same run
/// passes, and both sides end with nothing held beyond the target's lifetime resources.
/// </summary>
public sealed class NvmfWorkloadOracleTests
{
    private const long RunLimitNs = 60_000_000_000;

    [Fact]
    public void Bytes_changed_in_the_namespace_are_caught_as_a_data_verification_failure()
    {
        var (workload, fabric) = Build(seed: 21);
        fabric.Reactors.CreateReactor("chaos").AddPoller(new Corrupter(workload, fabric.World, atNs: 400_000));

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.True(workload.Violation != null, $"the corruption went unnoticed: {workload.Stats.Completed} I/Os completed");
        Assert.Equal(WorkloadMonitor.DataVerification, workload.Violation!.Invariant);
        Assert.Contains("completed successfully but LBA ", workload.Violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_run_without_corruption_passes_and_leaves_nothing_behind()
    {
        var (workload, fabric) = Build(seed: 21);
        var baseline = SimLeakCheck.Snapshot(fabric, "target");

        fabric.Run(RunLimitNs, () => workload.Finished);
        workload.Stop();

        Assert.True(workload.Violation == null, workload.Violation?.ToString());
        Assert.Equal(workload.Options.Ios, workload.Stats.Completed);
        Assert.True(workload.Stats.VerifiedBytes > 0, "no read was verified");
        Assert.True(workload.Driver.IsClosed);
        Assert.All(workload.Transport.Qpairs, q => Assert.True(q.Destroyed, $"{q} not destroyed"));
        Assert.Empty(workload.Controller.Controllers);
        Assert.Null(SimLeakCheck.Find(fabric, baseline));
    }

    [Fact]
    public void A_completion_for_a_command_that_is_not_in_flight_is_a_duplicate_completion()
    {
        var (workload, _) = Build(seed: 1);

        workload.OnIoCompleted(0, 3, new NvmeCompletion { Cid = 3 });

        Assert.Equal(WorkloadMonitor.DuplicateCompletion, workload.Violation?.Invariant);
    }

    [Fact]
    public void An_error_status_no_fault_explains_is_an_unexplained_status()
    {
        var (workload, fabric) = Build(seed: 21);
        var device = new FailingDevice(everyNth: 40);
        workload.Controller.IoFaults = device; // nothing tells the workload it was injected: ErrorsExplained stays null

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.Equal(WorkloadMonitor.UnexplainedStatus, workload.Violation?.Invariant);
        Assert.Contains("INTERNAL DEVICE ERROR (00/06)", workload.Violation!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_errors_counted_as_injected_are_explained_and_the_run_passes()
    {
        var (workload, fabric) = Build(seed: 21);
        var device = new FailingDevice(everyNth: 40);
        workload.Controller.IoFaults = device;
        workload.ErrorsExplained = status => status.HasSameCode(NvmeStatus.InternalDeviceError) ? device.Failed : 0;

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.True(workload.Violation == null, workload.Violation?.ToString());
        Assert.True(workload.Stats.FailedStatus > 10, $"{workload.Stats.FailedStatus} I/Os failed with a status");
        Assert.Equal(device.Failed, workload.Stats.FailedStatus);
    }

    [Fact]
    public void Compare_and_write_pairs_of_both_kinds_pass_against_a_correct_target()
    {
        var (workload, fabric) = Build(seed: 5, compareAndWrite: 0.5);

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.True(workload.Violation == null, workload.Violation?.ToString());
        Assert.True(workload.Stats.CompareAndWrites > 100, $"{workload.Stats.CompareAndWrites} pairs");
        Assert.InRange(workload.Stats.CompareMismatches, workload.Stats.CompareAndWrites / 4, workload.Stats.CompareAndWrites * 3 / 4);
        Assert.Equal(workload.Options.Ios, workload.Stats.Completed);
        Assert.True(workload.Stats.VerifiedBytes > 0, "no read was verified");
    }

    [Fact]
    public void Bytes_changed_behind_the_host_make_a_matching_compare_fail_which_is_caught()
    {
        var (workload, fabric) = Build(seed: 5, compareAndWrite: 1, readFraction: 0);
        fabric.Reactors.CreateReactor("chaos").AddPoller(new Corrupter(workload, fabric.World, atNs: 400_000));

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.Equal(WorkloadMonitor.DataVerification, workload.Violation?.Invariant);
        Assert.Contains("the blocks held exactly the Compare's data", workload.Violation!.Detail, StringComparison.Ordinal);
    }

    private static (NvmfWorkload Workload, SimFabric Fabric) Build(ulong seed, double compareAndWrite = 0, double readFraction = 0.6) =>
        NvmfWorkloadBed.Start(seed, address => new NvmfWorkloadOptions
        {
            Ios = 3000,
            QueueDepth = 8,
            ReadFraction = readFraction,
            CompareAndWriteFraction = compareAndWrite,
            TargetAddress = address,
        });

    /// <summary>A block device that fails every Nth Read or Write with INTERNAL DEVICE ERROR and counts them.</summary>
    private sealed class FailingDevice(int everyNth) : INvmfIoFaults
    {
        private int _seen;

        public long Failed { get; private set; }

        public NvmfIoFault OnIo(ushort cntlid, ushort qid, NvmeIoOpcode opcode, ulong slba)
        {
            if (++_seen % everyNth != 0)
            {
                return NvmfIoFault.None;
            }

            Failed++;
            return new NvmfIoFault(NvmeStatus.InternalDeviceError, 0);
        }
    }

    /// <summary>Once the clock passes a time, flips one byte in every block of the workload's region of the namespace.</summary>
    private sealed class Corrupter(NvmfWorkload workload, IClock clock, long atNs) : ITimedPoller
    {
        private bool _done;

        public string Name => "corrupter";

        public long NextRunNs => _done ? ITimedPoller.Never : atNs;

        public int Poll()
        {
            if (_done || clock.NowNs < atNs)
            {
                return 0;
            }

            _done = true;
            var blocks = (long)workload.Options.Extents * workload.Options.ExtentBlocks;
            for (var block = 0L; block < blocks; block++)
            {
                workload.Controller.Namespace.WriteSegment((block * NvmfWorkloadOptions.BlockBytes) + 100, 1)[0] ^= 0x5A;
            }

            return 1;
        }
    }
}
