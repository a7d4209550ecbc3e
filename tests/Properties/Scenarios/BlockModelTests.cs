using Harness.HardwareRunner.Scenarios;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// The data oracle of command lists has teeth: it rejects stale data after a completed overwrite and data no write
/// produced, and accepts exactly what concurrency and failed writes allow.
/// </summary>
public sealed class BlockModelTests
{
    private const int Block = BlockModel.BlockBytes;

    [Fact]
    public void A_read_after_a_completed_write_must_return_that_write()
    {
        var model = new BlockModel();
        model.Submitted(5, 1, 7);
        model.Succeeded(5, 1, 7);
        var read = model.ReadSubmitted(5, 1);
        Assert.Null(model.Verify(read, Data(5, 7)));
        var stale = model.ReadSubmitted(5, 1);
        Assert.Contains("holds write #0", model.Verify(stale, new byte[Block]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_concurrent_with_a_write_may_return_old_or_new_data_but_nothing_else()
    {
        var model = new BlockModel();
        var read = model.ReadSubmitted(0, 1);
        model.Submitted(0, 1, 3);
        model.Succeeded(0, 1, 3);
        Assert.Null(model.Verify(read, new byte[Block]));
        var again = model.ReadSubmitted(0, 1);
        model.Submitted(0, 1, 4);
        Assert.Null(model.Verify(again, Data(0, 4)));
        var other = model.ReadSubmitted(0, 1);
        Assert.NotNull(model.Verify(other, Data(0, 9)));
    }

    [Fact]
    public void A_failed_write_may_or_may_not_have_landed_even_after_a_later_write()
    {
        var model = new BlockModel();
        model.Submitted(2, 1, 1);
        model.Submitted(2, 1, 2); // fails: it may still land
        model.Succeeded(2, 1, 1);
        Assert.Null(model.Verify(model.ReadSubmitted(2, 1), Data(2, 1)));
        Assert.Null(model.Verify(model.ReadSubmitted(2, 1), Data(2, 2)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Overlapping_writes_in_flight_together_may_land_in_either_order_whichever_completes_first(bool firstCompletesFirst)
    {
        // Issue 14 (b): writes #1 and #2 overlap on block 14 and are in flight together; NVMe orders neither.
        var model = new BlockModel();
        model.Submitted(7, 9, 1);
        model.Submitted(14, 9, 2);
        model.Succeeded(firstCompletesFirst ? 7 : 14, 9, firstCompletesFirst ? 1UL : 2UL);
        model.Succeeded(firstCompletesFirst ? 14 : 7, 9, firstCompletesFirst ? 2UL : 1UL);
        Assert.Null(model.Verify(model.ReadSubmitted(14, 1), Data(14, 1)));
        Assert.Null(model.Verify(model.ReadSubmitted(14, 1), Data(14, 2)));
        Assert.Contains("holds write #0", model.Verify(model.ReadSubmitted(14, 1), new byte[Block]), StringComparison.Ordinal);
        Assert.Null(model.Verify(model.ReadSubmitted(7, 1), Data(7, 1)));
        Assert.Contains("are #1", model.Verify(model.ReadSubmitted(7, 1), Data(7, 2)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_submitted_after_another_succeeded_supersedes_it()
    {
        var model = new BlockModel();
        model.Submitted(14, 1, 1);
        model.Succeeded(14, 1, 1);
        model.Submitted(14, 1, 2);
        model.Succeeded(14, 1, 2);
        Assert.Null(model.Verify(model.ReadSubmitted(14, 1), Data(14, 2)));
        Assert.Contains("are #2", model.Verify(model.ReadSubmitted(14, 1), Data(14, 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_that_is_not_any_writes_pattern_or_belongs_to_another_block_is_rejected()
    {
        var model = new BlockModel();
        model.Submitted(0, 2, 1);
        model.Succeeded(0, 2, 1);
        var torn = Data(0, 1);
        torn[100] ^= 0xFF;
        Assert.Contains("byte 100", model.Verify(model.ReadSubmitted(0, 1), torn), StringComparison.Ordinal);
        Assert.Contains("written for LBA 0", model.Verify(model.ReadSubmitted(1, 1), Data(0, 1)), StringComparison.Ordinal);
    }

    private static byte[] Data(long lba, ulong tag)
    {
        var data = new byte[Block];
        BlockModel.Fill(data, lba, tag);
        return data;
    }
}
