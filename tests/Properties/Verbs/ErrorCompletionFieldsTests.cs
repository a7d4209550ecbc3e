using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Verbs;

/// <summary>
/// Goal: an error completion carries only what ibv_poll_cq(3) guarantees (wr_id, status, qp_num, vendor_err); the
/// simulator fills opcode, byte_len, wc_flags, imm_data and src_qp with seeded garbage, so a consumer that reads them
/// on an error completion (to find the WR type, say) misbehaves here as it would on hardware.
/// </summary>
public sealed class ErrorCompletionFieldsTests
{
    private const int WrCount = 8;

    [Fact]
    public void Flushed_completions_keep_the_guaranteed_fields_and_garble_the_rest()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        for (ulong id = 1; id <= WrCount; id++)
        {
            ConnectedPair.Check(c.PostRecv(100 + id, c.Sge((int)id * 256, 256)), "post_recv");
        }

        var attr = new QpAttr { QpState = QpState.Err };
        ConnectedPair.Check(c.Qp.Modify(attr, QpAttrMask.State), "modify_qp(ERR)");
        var wcs = pair.PollUntil((cl, _) => cl.Count == WrCount, what: "every receive flushed").Client;

        for (var i = 0; i < WrCount; i++)
        {
            Assert.Equal(101UL + (ulong)i, wcs[i].WrId);
            Assert.Equal(WcStatus.WrFlushErr, wcs[i].Status);
            Assert.Equal(c.Qp.QpNum, wcs[i].QpNum);
        }

        // A friendly NIC would leave opcode = RECV and byte_len = 0 on every one; the seed makes them garbage.
        Assert.Contains(wcs, wc => wc.Opcode != WcOpcode.Recv);
        Assert.Contains(wcs, wc => wc.ByteLen != 0);
        Assert.Contains(wcs, wc => wc.WcFlags != WcFlags.None);
    }

    [Fact]
    public void The_garbage_is_the_same_for_the_same_seed()
    {
        Assert.Equal(FlushedFields(), FlushedFields());
    }

    private static string FlushedFields()
    {
        using var pair = ConnectedPair.Create();
        var c = pair.Client;
        ConnectedPair.Check(c.PostRecv(1, c.Sge(0, 256)), "post_recv");
        ConnectedPair.Check(c.Qp.Modify(new QpAttr { QpState = QpState.Err }, QpAttrMask.State), "modify_qp(ERR)");
        var wc = pair.PollUntil((cl, _) => cl.Count == 1, what: "the flushed receive").Client[0];
        return $"{(int)wc.Opcode} {wc.ByteLen} {(int)wc.WcFlags} {wc.ImmDataOrInvalidatedRkey} {wc.SrcQp}";
    }
}
