namespace Harness.Sim.Cm;

/// <summary>
/// A simulated call would block forever (e.g. rdma_destroy_id with an event never acked). In the single-threaded
/// simulation nobody else can unblock it, so it is reported instead of hanging the test run.
/// </summary>
public sealed class SimulatedHangException : Exception
{
    public SimulatedHangException(string message)
        : base(message)
    {
    }
}
