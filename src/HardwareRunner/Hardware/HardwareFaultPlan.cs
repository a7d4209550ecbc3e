using System.Globalization;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// A fault plan as the hardware runner executes it (<see cref="HardwareFaultMapper.Map"/>): the actions of both sides,
/// the connection attributes the faults need, and what could not be mapped. A plan with <see cref="Refused"/> entries is
/// not run: a fault that cannot be caused on hardware is an error of the command line, never silently dropped.
/// </summary>
public sealed record HardwareFaultPlan
{
    /// <summary>Every action, both sides, in plan order.</summary>
    public IReadOnlyList<HardwareAction> Actions { get; init; } = [];

    /// <summary>retry_cnt the host asks for in rdma_connect (the CM programs it into both QPs of each connection), or null for the default.</summary>
    public byte? RetryCount { get; init; }

    /// <summary>Local ACK timeout exponent (4.096 µs × 2^n) both stacks set on every CM id before connect/accept, or null for the CM's.</summary>
    public byte? AckTimeoutExponent { get; init; }

    /// <summary>Faults of the plan with no hardware counterpart, each with the reason.</summary>
    public IReadOnlyList<string> Refused { get; init; } = [];

    /// <summary>True when every fault of the plan maps.</summary>
    public bool Runnable => Refused.Count == 0;

    /// <summary>The actions <paramref name="side"/> executes.</summary>
    public IReadOnlyList<HardwareAction> For(HardwareSide side) => Actions.Where(a => a.Side == side).ToList();

    /// <summary>The lines printed after the fault line: every action (both sides) and the connection attributes.</summary>
    public IEnumerable<string> Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        yield return Actions.Count == 0
            ? "hardware faults: none"
            : string.Create(inv, $"hardware faults: {Actions.Count} action(s), {Actions.Count(a => a.Side == HardwareSide.Host)} on the host, {Actions.Count(a => a.Side == HardwareSide.Target)} on the target");
        foreach (var action in Actions)
        {
            yield return "  " + action.Describe() + " — for " + action.Source;
        }

        if (RetryCount != null || AckTimeoutExponent != null)
        {
            var parts = new List<string>();
            if (RetryCount is { } retry)
            {
                parts.Add(string.Create(inv, $"retry_count {retry} in the host's rdma_connect"));
            }

            if (AckTimeoutExponent is { } ack)
            {
                parts.Add(string.Create(inv, $"ACK timeout exponent {ack} ({4.096 * (1L << ack) / 1000:0.###} ms) on every CM id of both sides"));
            }

            yield return "  connection attributes: " + string.Join(", ", parts);
        }
    }
}
