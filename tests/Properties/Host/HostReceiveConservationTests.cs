using Harness.Tests.Properties.Host.Support;
using Harness.Transport.Invariants;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// Goal: receive-conservation holds for the host's response buffers while a qpair runs: each is posted, waiting to be
/// posted again, or holds the response of a request not yet completed. The broken host is a mutation made here: one
/// response buffer is dropped from every place (as a host that forgets to re-post it on some path would), with the
/// depth counter adjusted so that nothing else notices; the next completion batch reports it, naming the qpair.
/// </summary>
public sealed class HostReceiveConservationTests
{
    [Fact]
    public void A_response_buffer_that_is_nowhere_is_reported_at_the_next_completion_batch()
    {
        using var bed = new HostBed();
        bed.StartController();
        var qpair = bed.ConnectIoQpairs(1)[0];
        var resources = qpair.Resources!;
        var last = resources.Entries - 1; // posted last, so the NIC fills it last: no completion will name it
        resources.RecvPosted[last] = false; // the mutation
        resources.CurrentNumRecvs--;

        var tracker = new IoTracker();
        var buffer = bed.Buffer(4096);
        HostIo.Submit(bed, tracker, qpair, ctx => qpair.SubmitRead(1, 0, 1, buffer, 0, tracker.Callback, ctx));
        var violation = Assert.Throws<InvariantViolationException>(() => bed.RunUntil(() => tracker.Outstanding == 0, "the read completes"));

        Assert.Equal(InvariantNames.ReceiveConservation, violation.Invariant);
        Assert.Contains($"{qpair.Name}: {resources.Entries} response buffers but {resources.Entries - 1} posted", violation.Detail, StringComparison.Ordinal);
    }
}
