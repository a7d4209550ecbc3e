using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Support;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Sim;

/// <summary>
/// The fault injector knows which scripted faults fired, so that a run can tell whoever wrote a plan that a fault of it
/// tested nothing: a timed fault on a QP that does not exist, a WR error whose Nth WR never comes.
/// </summary>
public sealed class FaultFiredTests
{
    [Fact]
    public void Faults_that_found_nothing_to_act_on_are_the_ones_that_never_fired()
    {
        var plan = FaultPlan.Of(
            new ForceQpErrorFault(new QpSelector("server", 0), 1_000_000),
            new ForceQpErrorFault(new QpSelector("server", 9), 1_000_000),
            new WcErrorFault(new QpSelector("client", 0), WrKind.Send, 1_000_000, WcStatus.RemAccessErr));
        using var pair = ConnectedPair.Create(new SimOptions { Seed = 3, Faults = plan });

        pair.RunIdle();

        Assert.Equal([1, 2], pair.Fabric.Faults.NeverFired());
    }
}
