using BenchmarkDotNet.Attributes;
using Harness.Tests.Properties.Support;

namespace Harness.Bench.Transport;

/// <summary>
/// Scaling: cost per simulated 4 KiB I/O as the queue depth grows 1 → 1024 (one qpair) and the qpair count 1 → 256
/// (queue depth 16, as <c>harness run</c>; from 127 I/O qpairs on, the target's <c>max_qpairs_per_ctrlr</c> is raised), with the trace formatted as JSON (to a null stream) or only hashed, without
/// the target-invariant oracle (its cost is in <see cref="EndToEndBenchmarks"/>). Queue depths above the target's
/// default <c>max_queue_depth</c> of 128 raise it for the run (<see cref="TransportLoadBed"/>), as an SPDK target is
/// configured with <c>-q</c>/<c>max_queue_depth</c>. One operation is one command completed.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
public class ScalingBenchmarks
{
    /// <summary>Commands completed per benchmark call (see <see cref="EndToEndBenchmarks.IosPerInvoke"/>).</summary>
    public const int IosPerInvoke = EndToEndBenchmarks.IosPerInvoke;

    private TransportLoadBed _bed = null!;

    [ParamsSource(nameof(Shapes))]
    public EndToEndBenchmarks.Shape Load { get; set; } = null!;

    [Params(false, true)]
    public bool TraceJson { get; set; }

    public static IEnumerable<EndToEndBenchmarks.Shape> Shapes()
    {
        foreach (var qd in new[] { 1, 4, 16, 64, 128, 256, 1024 })
        {
            yield return new(1, qd, 4096);
        }

        foreach (var qpairs in new[] { 2, 4, 8, 16, 32, 64, 128, 256 })
        {
            yield return new(qpairs, 16, 4096);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _bed = new TransportLoadBed(new LoadSettings { Qpairs = Load.Qpairs, QueueDepth = Load.QueueDepth, TraceJson = TraceJson });
        _bed.RunIos(Math.Max(EndToEndBenchmarks.WarmIos, 4 * Load.Qpairs * Load.QueueDepth)); // warm: the LBA window written once, tier-1 code
        var records = _bed.TraceRecords;
        var events = _bed.RunIos(IosPerInvoke);
        Console.WriteLine($"// {Load} trace-json={TraceJson}: {(double)events / IosPerInvoke:F1} events and {(double)(_bed.TraceRecords - records) / IosPerInvoke:F1} trace records per I/O");
    }

    [GlobalCleanup]
    public void Cleanup() => _bed.Dispose();

    [Benchmark(OperationsPerInvoke = IosPerInvoke)]
    public long Ios() => _bed.RunIos(IosPerInvoke);
}
