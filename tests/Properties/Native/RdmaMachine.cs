namespace Harness.Tests.Properties.Native;

/// <summary>
/// What this machine offers, read from sysfs independently of libibverbs, so the no-device tests know which outcome is
/// right here (no kernel support on CI and dev containers; devices on the nightly ConnectX or Soft-RoCE machines).
/// </summary>
internal static class RdmaMachine
{
    /// <summary>libibverbs reads this first; without it (no ib_uverbs) <c>ibv_get_device_list</c> fails with ENOSYS.</summary>
    public const string UverbsAbiFile = "/sys/class/infiniband_verbs/abi_version";

    public static bool KernelHasVerbs => File.Exists(UverbsAbiFile);

    /// <summary>Names under /sys/class/infiniband (the kernel's RDMA devices).</summary>
    public static IReadOnlyList<string> DeviceNames =>
        Directory.Exists("/sys/class/infiniband") ? Directory.GetDirectories("/sys/class/infiniband").Select(Path.GetFileName).OfType<string>().ToList() : Array.Empty<string>();
}
