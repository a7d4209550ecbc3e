using Harness.HardwareRunner.Native;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness devices</c>: lists the machine's verbs devices and ports through the native backend. On a machine that
/// cannot run verbs it names what is missing (the rdma-core library, kernel RDMA support, or a device) and exits 2;
/// <c>harness run --backend ibverbs</c> fails with the same sentence,
/// which starts by naming what is missing ("rdma-core library missing", "no kernel RDMA support", "no RDMA devices").
/// </summary>
internal static class DevicesCommand
{
    public static int Execute(TextWriter stdout, TextWriter stderr) => Execute(stdout, stderr, NativeLibraryNames.Default);

    /// <summary>As <see cref="Execute(TextWriter, TextWriter)"/> with the rdma-core library names substituted (tests).</summary>
    internal static int Execute(TextWriter stdout, TextWriter stderr, NativeLibraryNames libraries)
    {
        var status = DeviceReport.Collect(libraries, out var devices, out var problem);
        if (status != NativeOpenStatus.Ok)
        {
            stderr.WriteLine($"harness devices: {problem}");
            return HarnessProgram.ExitUsage;
        }

        DeviceReport.Write(stdout, devices);
        return HarnessProgram.ExitOk;
    }
}
