using System.Globalization;
using System.Text.RegularExpressions;

namespace Harness.Tests.Properties.Cli;

/// <summary>
/// <c>harness run --iovecs-max N</c>: each I/O's payload is scattered over 1..N iovecs and sent as a descriptor list; the
/// target (SPDK HEAD's max_send_sge 16, 4 KiB buffers) takes every list, so no I/O fails, every read verifies, and the
/// option is shown and kept for the replay.
/// </summary>
public sealed partial class IovecsRunTests
{
    [Theory]
    [InlineData("1", "65536", "16")]
    [InlineData("2", "32768", "8")]
    public void Scattered_payloads_complete_and_verify(string seed, string ioSize, string iovecsMax)
    {
        var run = HarnessRun.Of("run", "--seed", seed, "--ios", "300", "--io-size", ioSize, "--iovecs-max", iovecsMax);

        Assert.True(run.Exit == 0, run.Stdout + run.Stderr);
        Assert.Contains("result: ok, no invariant broken", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"iovecs-max {iovecsMax}", run.Stdout, StringComparison.Ordinal);
        var ios = IosLine().Match(run.Stdout);
        Assert.True(ios.Success, run.Stdout);
        Assert.Equal(300, int.Parse(ios.Groups["completed"].Value, CultureInfo.InvariantCulture)); // none refused with DATA SGL LENGTH INVALID
        Assert.Equal(0, int.Parse(ios.Groups["failed"].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_bad_iovecs_max_is_exit_2_naming_the_option()
    {
        var run = HarnessRun.Of("run", "--seed", "1", "--iovecs-max", "17");
        Assert.Equal(2, run.Exit);
        Assert.Contains("--iovecs-max", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"ios: \d+ requested, (?<completed>\d+) completed, (?<failed>\d+) failed")]
    private static partial Regex IosLine();
}
