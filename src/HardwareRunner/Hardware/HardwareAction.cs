using System.Globalization;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// One fault of the plan as the hardware runner causes it: what it does (<see cref="Kind"/>), on which side
/// (<see cref="Side"/>, the process that runs that role executes it), to what, and when. A timed simulator fault
/// (<c>AtNs</c> of virtual time) becomes a point of the I/O: <see cref="AtFraction"/> of <c>--ios</c> done (host) or
/// executed (target), because real setup and I/O times differ from the simulator's by orders of magnitude and the two
/// processes do not share a clock; a fault on the Nth RDMA READ stays on the Nth READ (<see cref="NthRead"/>).
/// </summary>
public sealed record HardwareAction
{
    public required HardwareActionKind Kind { get; init; }

    public required HardwareSide Side { get; init; }

    /// <summary>
    /// For <see cref="HardwareActionKind.ForceQpError"/> and <see cref="HardwareActionKind.Disconnect"/>: the QP, numbered as
    /// the simulator's <c>QpSelector</c> does (target: creation ordinal, 0 = the first admin qpair; host: 0 = the admin
    /// qpair, k = I/O qpair k's current connection); null = every live QP of the side.
    /// </summary>
    public int? Qp { get; init; }

    /// <summary>For the under-READ actions: the I/O qpair (0-based; the simulator's target QP #k is qpair k − 1).</summary>
    public int Qpair { get; init; }

    /// <summary>For timed actions: the point of the I/O, 0..1 of <c>--ios</c>.</summary>
    public double AtFraction { get; init; }

    /// <summary>For the under-READ actions: the target's RDMA READ (1-based, counted per qpair) the action aims at.</summary>
    public int NthRead { get; init; }

    /// <summary>The simulator fault this action causes (for the report).</summary>
    public required string Source { get; init; }

    /// <summary>True for actions triggered by a point of the I/O (the others fire when a WRITE is submitted).</summary>
    public bool IsTimed => Kind is not (HardwareActionKind.DeregisterUnderRead or HardwareActionKind.SilenceUnderRead);

    /// <summary>One line: side, what, on what, when.</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var side = Side.ToName();
        var qp = Qp == null ? $"every {side} QP" : string.Create(inv, $"{side} QP #{Qp}{(Qp == 0 ? " (admin)" : string.Empty)}");
        var at = string.Create(inv, $"at {AtFraction * 100:0.#}% of the I/O");
        var write = string.Create(inv, $"the WRITE of I/O qpair {Qpair + 1} that carries the target's RDMA READ #{NthRead}");
        return Kind switch
        {
            HardwareActionKind.ForceQpError => $"{side}: ibv_modify_qp(IBV_QPS_ERR) of {qp} {at}",
            HardwareActionKind.Disconnect => $"{side}: rdma_disconnect of {qp} {at}",
            HardwareActionKind.DeregisterUnderRead => $"{side}: ibv_dereg_mr of the data MR right after submitting {write} (REM_ACCESS_ERR at the target)",
            HardwareActionKind.SilenceUnderRead => string.Create(inv, $"{side}: ibv_modify_qp(IBV_QPS_RESET) of the QP {FaultActionExecutor.SilenceDelayNs / 1e3:0.#} µs after submitting {write} (its READs get no response: RETRY_EXC_ERR)"),
            HardwareActionKind.ControllerReset => $"{side}: controller reset {at}",
            _ => $"{side}: controller delete and re-attach {at}",
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
