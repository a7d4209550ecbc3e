using Harness.HardwareRunner.Native;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness devices</c>: lists the machine's verbs devices and ports through the native backend. On a machine that
/// cannot run verbs it names what is missing (the rdma-core library, kernel RDMA support, or a device) and exits 2.
/// </summary>
internal static class DevicesCommand
{
    public static int Execute(TextWriter stdout, TextWriter stderr)
    {
        var status = DeviceReport.Collect(out var devices, out var problem);
        if (status != NativeOpenStatus.Ok)
        {
            stderr.WriteLine($"no RDMA devices: {problem}");
            return HarnessProgram.ExitUsage;
        }

        DeviceReport.Write(stdout, devices);
        return HarnessProgram.ExitOk;
    }

    /// <summary>
    /// Whether the native backend can run here; when not, the same reason <c>harness devices</c> gives (for
    /// <c>--backend ibverbs</c>, which must fail fast with it).
    /// </summary>
    public static bool CanRunNative(out string problem)
    {
        var status = DeviceReport.Collect(out _, out problem);
        return status == NativeOpenStatus.Ok;
    }
}
