using BenchmarkDotNet.Attributes;
using Harness.Tests.Properties.Support;

namespace Harness.Bench.Transport;

/// <summary>
/// (b) End to end on the simulated fabric: the SPDK-model host transport submits NVMe-oF Writes and Reads (alternating)
/// through the simulated NICs to the SPDK-model target transport and its controller layer (<see cref="TransportLoadBed"/>),
/// closed loop at a fixed queue depth. One operation is one command completed (of <see cref="IosPerInvoke"/> per call).
/// <see cref="Oracle"/> true checks the target's invariants after the polls of the target's reactors as
/// <c>harness run</c> does (after each poll, the checks of what it changed: <c>TargetOracle</c>); false runs the
/// transport with only its own always-on checks.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
public class EndToEndBenchmarks
{
    /// <summary>
    /// Commands completed per benchmark call: one call is an iteration of 100–300 ms. With 2,000 (until 2026-12-07) an
    /// iteration was 15–80 ms, the three warm-up iterations ended before the JIT's tier-1 code was in, and the CPU time
    /// of the tiering thread landed in the measured ones (medians half of a warmed loop's, spread ±50 %).
    /// </summary>
    public const int IosPerInvoke = 20_000;

    /// <summary>Commands run in the setup, before any iteration: every path of the shape reaches tier-1 code.</summary>
    public const int WarmIos = 30_000;

    private TransportLoadBed _bed = null!;

    [ParamsSource(nameof(Shapes))]
    public Shape Load { get; set; } = null!;

    [Params(false, true)]
    public bool Oracle { get; set; }

    public static IEnumerable<Shape> Shapes() =>
    [
        new(1, 1, 4096),
        new(1, 128, 4096),
        new(4, 16, 4096),
        new(4, 128, 4096),
        new(1, 16, 131_072),
    ];

    [GlobalSetup]
    public void Setup()
    {
        _bed = new TransportLoadBed(new LoadSettings { Qpairs = Load.Qpairs, QueueDepth = Load.QueueDepth, IoBytes = Load.IoBytes, Oracle = Oracle });
        var events = _bed.RunIos(WarmIos); // warm: every LBA of the window written once, pools at their size, tier-1 code
        Console.WriteLine($"// {Load} oracle={Oracle}: {(double)events / WarmIos:F1} simulator events per I/O");
    }

    [GlobalCleanup]
    public void Cleanup() => _bed.Dispose();

    [Benchmark(OperationsPerInvoke = IosPerInvoke)]
    public long Ios() => _bed.RunIos(IosPerInvoke);

    /// <summary>A load shape: qpairs × queue depth × bytes per command.</summary>
    public sealed record Shape(int Qpairs, int QueueDepth, int IoBytes)
    {
        public override string ToString() => $"{Qpairs}qp-qd{QueueDepth}-{IoBytes / 1024}KiB";
    }
}
