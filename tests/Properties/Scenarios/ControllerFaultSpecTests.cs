using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Sim.Scenarios;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Scenarios;

/// <summary>
/// The block-device faults and the random workload's in-capsule size in scenario files: loaded into the simulator's
/// records, written back the same, bad values named by field; and the swarm's new draws come from streams of their own.
/// </summary>
public sealed class ControllerFaultSpecTests
{
    private const string Header = """
        {
          "format": 1, "name": "t", "seed": 1, "expect": "must-pass",
        """;

    [Fact]
    public void Controller_faults_load_into_the_simulators_records_and_round_trip()
    {
        var d = ScenarioFile.Parse(Header + """
              "random": {"ios": 10},
              "faults": [
                {"kind": "controller-error", "op": "read", "nth": 3, "status": "unrecovered-read-error"},
                {"kind": "controller-error", "op": "write", "nth": 1, "status": "write-fault", "qid": 2},
                {"kind": "controller-delay", "op": "any", "nth": 5, "delayNs": 2000000}
              ]
            }
            """, "t.json");

        var plan = ScenarioNames.ToPlan(d.Scenario);

        Assert.Equal(
            [new ControllerErrorFault(ControllerIoKind.Read, 3, NvmeStatus.Media(0x81)), new ControllerErrorFault(ControllerIoKind.Write, 1, NvmeStatus.Media(0x80), 2),
             new ControllerDelayFault(ControllerIoKind.Any, 5, 2_000_000)],
            plan.Scripted);
        Assert.Equal(d.Scenario.Faults, plan.Scripted.Select(ScenarioNames.ToSpec).ToArray());
        Assert.True(ControllerFaultInjector.Applies(plan));
    }

    [Theory]
    [InlineData("{\"kind\": \"controller-error\", \"op\": \"read\", \"nth\": 1, \"status\": \"media-error\"}", "faults[0].status")]
    [InlineData("{\"kind\": \"controller-error\", \"op\": \"flush\", \"nth\": 1, \"status\": \"write-fault\"}", "faults[0].op")]
    [InlineData("{\"kind\": \"controller-delay\", \"op\": \"read\", \"nth\": 0, \"delayNs\": 5}", "faults[0].nth")]
    [InlineData("{\"kind\": \"controller-delay\", \"op\": \"read\", \"nth\": 1}", "faults[0]")]
    public void A_bad_controller_fault_is_named_by_its_field(string fault, string field)
    {
        var e = Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse(Header + $$"""
              "random": {"ios": 10},
              "faults": [{{fault}}]
            }
            """, "t.json"));

        Assert.True(e.Field == field, e.Message);
    }

    [Fact]
    public void A_random_workload_takes_the_in_capsule_size_and_no_other_target_option()
    {
        var ok = ScenarioFile.Parse(Header + """
              "topology": {"srq": true, "provider": "rxe", "target": {"inCapsuleDataSize": 8192}},
              "random": {"ios": 10}
            }
            """, "t.json");
        var other = Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse(Header + """
              "topology": {"target": {"inCapsuleDataSize": 0, "numSharedBuffers": 64}},
              "random": {"ios": 10}
            }
            """, "t.json"));
        var odd = Assert.Throws<ScenarioFormatException>(() => ScenarioFile.Parse(Header + """
              "topology": {"target": {"inCapsuleDataSize": 100}},
              "random": {"ios": 10}
            }
            """, "t.json"));

        Assert.Equal(8192, ok.Scenario.Topology!.Target!.InCapsuleDataSize);
        Assert.True(other.Field == "topology.target.numSharedBuffers", other.Message);
        Assert.Contains("only inCapsuleDataSize", other.Problem, StringComparison.Ordinal);
        Assert.True(odd.Field == "topology.target.inCapsuleDataSize", odd.Message);
    }

    [Fact]
    public void The_swarm_draws_the_new_kinds_from_their_own_streams_and_leaves_the_older_draws_alone()
    {
        var sizes = new HashSet<int>();
        var errors = 0;
        var delays = 0;
        for (ulong seed = 1; seed <= 200; seed++)
        {
            var drawn = SwarmProfile.Draw(new RandomStreams(seed));
            sizes.Add(drawn.InCapsuleDataSize!.Value);
            errors += drawn.ControllerErrorRate > 0 ? 1 : 0;
            delays += drawn.ControllerDelayRate > 0 ? 1 : 0;

            // The older kinds' draws do not see the new streams: drawing them alone gives the same rates.
            var older = new RandomStreams(seed);
            var post = older.Stream(StreamNames.PostErrorDraw);
            Assert.Equal(post.Chance(0.5) ? post.LogUniform(SwarmProfile.PostErrorRateMin, SwarmProfile.PostErrorRateMax) : 0, drawn.PostErrorRate);
        }

        Assert.Equal([0, 4096, 8192], sizes.Order());
        Assert.InRange(errors, 20, 80); // ControllerErrorChance ¼ of 200
        Assert.InRange(delays, 60, 140); // ControllerDelayChance ½ of 200
    }
}
