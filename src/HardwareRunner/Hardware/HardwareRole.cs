namespace Harness.HardwareRunner.Hardware;

/// <summary>What one <c>harness run --backend ibverbs</c> process is (<c>--role</c>).</summary>
public enum HardwareRole
{
    /// <summary>The NVMe-oF target alone: listens on <c>--addr</c>, serves host sessions until told to stop.</summary>
    Target,

    /// <summary>The host alone: connects to a target at <c>--addr</c> and runs the verified workload.</summary>
    Host,

    /// <summary>Both roles in one process on one device: the target listens on <c>--addr</c> and the host connects to it.</summary>
    Loopback,
}

/// <summary>The values of <c>--role</c>.</summary>
public static class HardwareRoleNames
{
    public const string Target = "target";
    public const string Host = "host";
    public const string Loopback = "loopback";

    public static IReadOnlyList<string> Names { get; } = new[] { Target, Host, Loopback };

    /// <summary>The role named <paramref name="name"/>; false for an unknown name.</summary>
    public static bool TryParse(string? name, out HardwareRole role)
    {
        (var ok, role) = name switch
        {
            Target => (true, HardwareRole.Target),
            Host => (true, HardwareRole.Host),
            Loopback => (true, HardwareRole.Loopback),
            _ => (false, HardwareRole.Target),
        };
        return ok;
    }

    /// <summary>The <c>--role</c> value of <paramref name="role"/>.</summary>
    public static string ToName(this HardwareRole role) => role switch
    {
        HardwareRole.Target => Target,
        HardwareRole.Host => Host,
        _ => Loopback,
    };

    /// <summary>True when the process runs the target role.</summary>
    public static bool RunsTarget(this HardwareRole role) => role != HardwareRole.Host;

    /// <summary>True when the process runs the host role.</summary>
    public static bool RunsHost(this HardwareRole role) => role != HardwareRole.Target;
}
