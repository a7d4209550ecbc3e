using System.Text.RegularExpressions;
using Harness.HardwareRunner.Workloads.NvmeHost;
using Harness.Transport.Host;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// Every message about a value of <c>harness run</c>'s (and <c>sweep</c>'s) numeric options names the option as the user
/// typed it, the value and the valid range: never an internal property name (<c>RnrRetryCount</c> for the transport
/// retry count) or a .NET type name (<c>System.Nullable`1[System.Double]</c>).
/// </summary>
public sealed partial class RunOptionMessageTests
{
    [Theory]
    [InlineData("run --seed -1", "harness: --seed -1: must be a whole number in 0..18446744073709551615")]
    [InlineData("run --ios 2147483648", "harness: --ios 2147483648: must be a whole number in 1..2147483647")]
    [InlineData("run --ios many", "harness: --ios many: must be a whole number in 1..2147483647")]
    [InlineData("run --qpairs two", "harness: --qpairs two: must be a whole number in 1..127 (--workload rdma: 1..256)")]
    [InlineData("run --qd 1e3", "harness: --qd 1e3: must be a whole number in 1..128 (--workload rdma: 1..1024)")]
    [InlineData("run --io-size 4k", "harness: --io-size 4k: must be a whole number in 4096..131072, a multiple of 4096 (--workload rdma: 1..1048576)")]
    [InlineData("run --rw-mix half", "harness: --rw-mix half: must be a fraction of reads in 0..1")]
    [InlineData("run --sessions x", "harness: --sessions x: must be a whole number in 1..2147483647")]
    [InlineData("run --duration 10s", "harness: --duration 10s: must be a positive number of seconds")]
    [InlineData("run --watchdog x", "harness: --watchdog x: must be a positive number of seconds")]
    [InlineData("run --qpairs 0", "harness run: --qpairs 0: must be 1..127 (the I/O queues one controller gets)")]
    [InlineData("run --qpairs -3 --faults retry-exceeded", "harness run: --qpairs -3: must be 1..127 (the I/O queues one controller gets)")]
    [InlineData("run --qd 0 --faults swarm", "harness run: --qd 0: must be 1..128 (the target's max_queue_depth)")]
    [InlineData("run --workload rdma --qd 2000", "harness run: --qd 2000: must be 1..1024")]
    [InlineData("sweep --seeds 1 --workers x", "harness: --workers x: must be a whole number in 1..1024")]
    [InlineData("sweep --seeds 1 --workers 5000", "harness sweep: --workers 5000: must be 1..1024")]
    [InlineData("sweep --seeds 1 --io-size big", "harness: --io-size big: must be a whole number in 4096..131072, a multiple of 4096")]
    public void A_bad_number_is_named_with_its_option_value_and_range(string commandLine, string message)
    {
        var run = HarnessRun.Of(commandLine.Split(' '));

        Assert.True(run.Exit == 2, run.ToString());
        Assert.Equal(message, run.Stderr.Split('\n')[0]);
    }

    [Fact]
    public void No_numeric_option_of_run_or_sweep_answers_with_a_dotnet_type_name()
    {
        foreach (var command in new[] { "run", "sweep" })
        {
            var options = NumericOption().Matches(HarnessRun.Of(command, "--help").Stdout).Select(m => m.Groups[1].Value).ToList();
            Assert.True(options.Count >= 4, $"{command} --help lists only {options.Count} numeric options");
            foreach (var option in options)
            {
                var run = HarnessRun.Of(command == "sweep" ? new[] { command, "--seeds", "1", option, "x" } : new[] { command, option, "x" });

                Assert.True(run.Exit == 2, $"{command} {option} x: {run}");
                Assert.StartsWith($"harness: {option} x: must be ", run.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_transport_retry_count_out_of_range_is_named_as_the_transport_retry_count()
    {
        var transport = Assert.Throws<ArgumentException>(() => new HostOptions { TransportRetryCount = 8 }.Validate());
        var rnr = Assert.Throws<ArgumentException>(() => new HostOptions { RnrRetryCount = 8 }.Validate());
        var driver = new NvmeHostDriverOptions { RetryCount = 8 }.Validate();

        Assert.Equal(nameof(HostOptions.TransportRetryCount), transport.ParamName);
        Assert.StartsWith("host option TransportRetryCount must be 0..7 (ibv_qp_attr.retry_cnt), not 8", transport.Message, StringComparison.Ordinal);
        Assert.StartsWith("host option RnrRetryCount must be 0..7 (ibv_qp_attr.rnr_retry), not 8", rnr.Message, StringComparison.Ordinal);
        Assert.Equal("host driver: transport retry count (retry_cnt) 8: must be 0..7", driver);
    }

    [GeneratedRegex(@"^\s+(--[a-z-]+) <(?:N|BYTES|FRACTION|SECONDS)>", RegexOptions.Multiline)]
    private static partial Regex NumericOption();
}
