namespace Harness.Transport.Threading;

/// <summary>
/// A harness poller (a workload's submitter or monitor, a test's load) that reads what other threads change (their
/// completions, a qpair's status, the workload's shared model) without a message or a CQ to tell it. SPDK's pollers
/// are not this: their cross-thread inputs come by message or on their own CQs and channels. A simulated reactor that
/// runs one and sleeps is woken after every round of another reactor that did work (as every parked reactor was before
/// reactors learnt what they wait for), so the harness's own bookkeeping never misses a change.
/// </summary>
public interface IObservingPoller : IPoller
{
}
