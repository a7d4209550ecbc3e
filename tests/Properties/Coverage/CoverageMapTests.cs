using Harness.HardwareRunner.Sweep;
using Harness.Sim.Coverage;
using Harness.Sim.Faults;
using Harness.Transport.Target;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Coverage;

/// <summary>The coverage map and its table: merging is a sum (so workers and shards cannot reorder it), the table lists never-reached points and flags points outside a universe.</summary>
public sealed class CoverageMapTests
{
    [Fact]
    public void Merging_in_any_order_prints_the_same_table()
    {
        var a = new CoverageMap();
        a.Target.OnErrorCompletion(RdmaWrType.Data, WcStatus.RetryExcErr);
        a.TargetRequestTransitions.Hit((int)RdmaRequestState.Free, (int)RdmaRequestState.New);
        var b = new CoverageMap();
        b.Target.OnErrorCompletion(RdmaWrType.Data, WcStatus.RetryExcErr);
        b.FaultSites.Hit(0);

        var ab = new CoverageMap();
        ab.Merge(a);
        ab.Merge(b);
        var ba = new CoverageMap();
        ba.Merge(b);
        ba.Merge(a);

        Assert.Equal(CoverageTable.Render(ab), CoverageTable.Render(ba));
        Assert.Contains(ab.TargetErrorCompletions.Reached(), p => p is { Row: "RETRY_EXC_ERR", Column: "DATA", Count: 2, InUniverse: true });
        Assert.DoesNotContain(ab.TargetRequestTransitions.NeverReached(), p => p is { Row: "FREE", Column: "NEW" });
        Assert.Contains("  NEW -> NEED_DATA_WR\n", CoverageTable.Render(ab), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fault_site_missing_from_the_list_is_counted_and_flagged()
    {
        var map = new CoverageMap();
        map.FaultSites.HitOutsideGrid("not_a_site");

        var table = CoverageTable.Render(map);

        Assert.Contains("not_a_site", table, StringComparison.Ordinal);
        Assert.Contains("(not in universe)", table, StringComparison.Ordinal);
        Assert.Equal(FaultSites.All.Count, map.FaultSites.NeverReached().Count);
    }
}
