using System.Net;
using Harness.HardwareRunner.Backends;
using Harness.HardwareRunner.Workloads;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// The workload's oracle has teeth: when the target's memory is changed behind the workload's back, the run stops
/// with <c>data-verification</c>; left alone, the same run passes and leaves nothing behind.
/// </summary>
public sealed class WorkloadOracleTests
{
    private const long RunLimitNs = 60_000_000_000;

    [Fact]
    public void Bytes_changed_in_target_memory_are_caught_as_a_data_verification_failure()
    {
        var (workload, fabric, _) = Build(seed: 21, corruptAtNs: 150_000);

        fabric.Run(RunLimitNs, () => workload.Finished);

        Assert.True(workload.Violation != null, $"the corruption went unnoticed: {workload.Stats.Completed} ios completed");
        Assert.Equal(WorkloadMonitor.DataVerification, workload.Violation!.Invariant);
    }

    [Fact]
    public void The_same_run_without_corruption_passes_and_frees_everything()
    {
        var (workload, fabric, target) = Build(seed: 21, corruptAtNs: null);

        fabric.Run(RunLimitNs, () => workload.Finished);
        workload.Stop();

        Assert.True(workload.Violation == null, workload.Violation?.ToString());
        Assert.Equal(workload.Options.Ios, workload.Stats.Completed);
        Assert.True(workload.Stats.VerifiedBytes > 0, "no read-back was verified");
        Assert.Empty(target.Live);
        Assert.Null(SimLeakCheck.Find(fabric));
    }

    private static (PingPongWorkload Workload, SimFabric Fabric, RecordingStack Target) Build(ulong seed, long? corruptAtNs)
    {
        var fabric = new SimFabric(new SimOptions { Seed = seed });
        var targetHost = fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        var host = fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var target = new RecordingStack(targetHost);
        var options = new WorkloadOptions { Ios = 3000, QueueDepth = 8, TargetAddress = new IPEndPoint(targetHost.Address, 4420) };
        var random = new SimWorkloadRandom(fabric.World.Random.Stream(StreamNames.Workload));
        var workload = new PingPongWorkload(options, target, host, fabric.Reactors, random);
        workload.Start();
        if (corruptAtNs is long at)
        {
            fabric.Reactors.CreateReactor("chaos").AddPoller(new Corrupter(target, options.RegionBytes, options.IoSize, at));
        }

        return (workload, fabric, target);
    }

    /// <summary>The target's stack, with its DMA allocations recorded so a test can reach the target's memory.</summary>
    private sealed class RecordingStack : IRdmaStack, IDmaMemory
    {
        private readonly IRdmaStack _inner;

        public RecordingStack(IRdmaStack inner) => _inner = inner;

        public List<DmaBuffer> Live { get; } = new();

        public string HostName => _inner.HostName;

        public IVerbsProvider Verbs => _inner.Verbs;

        public IRdmaCm Cm => _inner.Cm;

        public IDmaMemory Memory => this;

        public IClock Clock => _inner.Clock;

        public DmaBuffer Allocate(int length)
        {
            var buffer = _inner.Memory.Allocate(length);
            Live.Add(buffer);
            return buffer;
        }

        public void Free(DmaBuffer buffer)
        {
            Live.Remove(buffer);
            _inner.Memory.Free(buffer);
        }
    }

    /// <summary>Once the clock passes a time, flips one byte in every block of the target's data regions.</summary>
    private sealed class Corrupter(RecordingStack target, long regionBytes, int ioSize, long atNs) : ITimedPoller
    {
        private bool _done;

        public string Name => "corrupter";

        public long NextRunNs => _done ? ITimedPoller.Never : atNs;

        public int Poll()
        {
            if (_done || target.Clock.NowNs < atNs)
            {
                return 0;
            }

            _done = true;
            foreach (var buffer in target.Live.Where(b => b.Length == regionBytes))
            {
                for (var offset = ioSize / 2; offset < buffer.Length; offset += ioSize)
                {
                    buffer.Span[offset] ^= 0x5A;
                }
            }

            return 1;
        }
    }
}
