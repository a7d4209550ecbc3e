using Harness.Tests.Properties.Host.Support;
using Harness.Tests.Properties.Support;
using Harness.Transport.Host;
using Harness.Transport.RdmaCm;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host;

/// <summary>
/// A payload of several iovecs goes as SPDK's host sends it (nvme_rdma_build_sgl_request): a Last Segment / Offset
/// descriptor in the command pointing at one keyed descriptor per iovec after it in the capsule; the real target takes
/// the list (NEW → NEED_DATA_WR, one RDMA READ/WRITE per descriptor) and the data reads back.
/// </summary>
public sealed class HostDescriptorListTests
{
    [Theory]
    [InlineData(4, 3)]
    [InlineData(8, 8)]
    [InlineData(16, 5)]
    public void Scattered_writes_and_reads_go_as_descriptor_lists_and_read_back(int writeIovecs, int readIovecs)
    {
        var observer = new ListObserver();
        using var bed = new TargetStackBed(seed: 7, groups: 1, targetObserver: observer);
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0], 8);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running, "I/O qpair running");
        Assert.Equal(16, qpair.MaxSges); // SPDK's target: MSDBD 16, in-capsule data size 4096 (256 descriptors' room)

        const int blocks = 16;
        var bytes = blocks * (int)bed.Controller.BlockSize;
        var written = bed.Buffer(bytes);
        var read = bed.Buffer(bytes);
        HostIo.Fill(written.Span, 42);
        var tracker = new IoTracker();
        Assert.Equal(Errno.Ok, qpair.SubmitWritev(1, 0, blocks, written, 0, writeIovecs, tracker.Callback, tracker.Track()));
        bed.RunUntil(() => tracker.Outstanding == 0, "write completed");
        var listsAfterWrite = observer.DescriptorLists;
        Assert.Equal(Errno.Ok, qpair.SubmitReadv(1, 0, blocks, read, 0, readIovecs, tracker.Callback, tracker.Track()));
        bed.RunUntil(() => tracker.Outstanding == 0, "read completed");

        Assert.All(tracker.Completions, cpl => Assert.True(cpl.Status.IsSuccess, $"{cpl}"));
        Assert.True(written.Span.SequenceEqual(read.Span), "data read back differs from data written");
        Assert.Equal(1, listsAfterWrite); // the write's capsule carried a descriptor list
        Assert.Equal(2, observer.DescriptorLists);
        Assert.Equal(writeIovecs + readIovecs, observer.DataWrs);
        bed.DeleteAll();
    }

    [Fact]
    public void More_iovecs_than_the_controller_takes_is_refused_before_anything_is_sent()
    {
        using var bed = new TargetStackBed(seed: 8, groups: 1);
        bed.Controller.Start();
        bed.RunUntil(() => bed.Controller.State == ControllerState.Ready, "controller ready");
        var qpair = bed.Controller.CreateIoQpair(bed.Groups[0], 4);
        bed.RunUntil(() => qpair.State == NvmeRdmaQpairState.Running, "I/O qpair running");
        var buffer = bed.Buffer(32 * (int)bed.Controller.BlockSize);
        var tracker = new IoTracker();

        Assert.Equal(Errno.EINVAL, qpair.SubmitWritev(1, 0, 32, buffer, 0, qpair.MaxSges + 1, tracker.Callback, null));
        Assert.Equal(Errno.EINVAL, qpair.SubmitReadv(1, 0, 2, buffer, 0, 3, tracker.Callback, null)); // more iovecs than blocks
        Assert.Equal(0, qpair.Outstanding);
        bed.DeleteAll();
    }

    /// <summary>Counts the target's requests that took a descriptor list, and the data WRs they needed.</summary>
    private sealed class ListObserver : ITargetObserver
    {
        public int DescriptorLists { get; private set; }

        public int DataWrs { get; private set; }

        public void OnRequestState(RdmaRequest request, RdmaRequestState from)
        {
            if (from == RdmaRequestState.New && request.State == RdmaRequestState.NeedDataWr)
            {
                DescriptorLists++;
                DataWrs += request.NumWrs;
            }
        }

        public void OnCmEvent(CmEvent ev)
        {
        }

        public void OnQpairDestroying(RdmaQpair qpair)
        {
        }

        public void OnLog(string line)
        {
        }
    }
}
