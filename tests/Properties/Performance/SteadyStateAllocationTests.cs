using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Performance;

/// <summary>
/// Issue 9's zero-allocation guarantee, as a regression test (the figures themselves are BenchmarkDotNet's, in bench/):
/// once a load is in steady state, the simulated NICs and fabric, the target transport and its controller layer and the
/// host transport complete further I/Os without allocating a byte on the thread that runs the world — with and without
/// the target-invariant oracle, at queue depth 1 and 128, with four qpairs, and for 128 KiB transfers split into many
/// data WRs. A regression (a closure, a boxed value, a LINQ call or a formatted string on a hot path) fails here with the
/// bytes per I/O it costs.
/// </summary>
public sealed class SteadyStateAllocationTests
{
    private const int WarmIos = 2_000;
    private const int MeasuredIos = 2_000;

    [Theory]
    [InlineData(1, 1, 4096, false)]
    [InlineData(1, 128, 4096, false)]
    [InlineData(4, 16, 4096, false)]
    [InlineData(1, 16, 131_072, false)]
    [InlineData(4, 16, 4096, true)]
    public void Steady_state_IO_allocates_nothing(int qpairs, int queueDepth, int ioBytes, bool oracle)
    {
        using var bed = new TransportLoadBed(new LoadSettings { Qpairs = qpairs, QueueDepth = queueDepth, IoBytes = ioBytes, Oracle = oracle });
        bed.RunIos(WarmIos);
        var events = 0L;
        var allocated = AllocationMeter.Least(() => events = bed.RunIos(MeasuredIos));

        Assert.True(events > MeasuredIos, $"only {events} events for {MeasuredIos} I/Os: the load did not run");
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {MeasuredIos} steady-state I/Os ({(double)allocated / MeasuredIos:F1} per I/O; the least of {AllocationMeter.AttemptsMax} runs)");
    }

    [Fact]
    public void The_same_load_gives_the_same_trace_hash()
    {
        string Run()
        {
            using var bed = new TransportLoadBed(new LoadSettings { Qpairs = 2, QueueDepth = 8 });
            bed.RunIos(500);
            return bed.TraceHash;
        }

        Assert.Equal(Run(), Run());
    }
}
