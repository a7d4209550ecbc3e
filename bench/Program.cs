using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

namespace Harness.Bench;

/// <summary>
/// The benchmark suite (issue 9): <c>dotnet run -c Release --project bench -- --filter '*'</c> runs everything;
/// <c>--filter '*Codec*'</c> one class, <c>--list flat</c> lists them. Allocated bytes per operation come from
/// BenchmarkDotNet's MemoryDiagnoser, always on. <c>-- loop …</c> runs <see cref="Transport.LoadLoop"/> instead. Figures
/// and how they were taken: README.md, "Performance".
/// </summary>
public static class Program
{
    /// <summary>BenchmarkDotNet builds one executable per run (the solution's projects with it): minutes on a busy 2-core machine.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "loop")
        {
            return Transport.LoadLoop.Run(args[1..]); // a plain warmed loop, not BenchmarkDotNet (README, "Performance")
        }

        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, StatisticColumn.OperationsPerSecond)
            .WithOptions(ConfigOptions.JoinSummary)
            .WithBuildTimeout(BuildTimeout);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
