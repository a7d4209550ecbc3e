using System.Globalization;
using System.Text;
using Harness.Sim.Core;
using Harness.Transport.Verbs;

namespace Harness.Sim.Faults;

/// <summary>
/// Probabilistic faults (swarm testing): each seed switches fault kinds on or off and draws their rates, so
/// different seeds explore different mixes instead of the same thin mix everywhere.
/// </summary>
public sealed record SwarmProfile
{
    /// <summary>Smallest post-error rate a seed draws (per post call).</summary>
    public const double PostErrorRateMin = 1e-4;

    /// <summary>Largest post-error rate a seed draws (per post call): a few failed posts in a sweep seed's 500 I/Os.</summary>
    public const double PostErrorRateMax = 3e-3;

    /// <summary>Probability that a packet (one transmission attempt of a WR) is lost.</summary>
    public double PacketLossRate { get; init; }

    /// <summary>Probability that a send-queue WR completes with an error drawn from <see cref="WcErrorStatuses"/>.</summary>
    public double WcErrorRate { get; init; }

    /// <summary>Probability that a verbs post call (send, recv or SRQ recv) fails with ENOMEM at a WR of its chain.</summary>
    public double PostErrorRate { get; init; }

    /// <summary>Probability that a CM event is delayed by up to <see cref="CmEventDelayNsMax"/>.</summary>
    public double CmEventDelayRate { get; init; }

    /// <summary>Upper bound of a swarm CM event delay.</summary>
    public long CmEventDelayNsMax { get; init; } = 2_000_000;

    /// <summary>Statuses a swarm WC error draws from.</summary>
    public IReadOnlyList<WcStatus> WcErrorStatuses { get; init; } =
        new[] { WcStatus.RetryExcErr, WcStatus.RemAccessErr, WcStatus.RnrRetryExcErr, WcStatus.RemOpErr };

    /// <summary>Draws a profile from the seed's swarm stream: each kind on with probability ½, rate log-uniform.</summary>
    public static SwarmProfile Draw(RandomStreams random)
    {
        var r = random.Stream(StreamNames.SwarmDraw);

        // Kinds added later draw from their own stream, so the older kinds keep each seed's rates.
        var post = random.Stream(StreamNames.PostErrorDraw);
        return new SwarmProfile
        {
            PacketLossRate = r.Chance(0.5) ? r.LogUniform(1e-5, 2e-2) : 0,
            WcErrorRate = r.Chance(0.5) ? r.LogUniform(1e-5, 2e-3) : 0,
            CmEventDelayRate = r.Chance(0.5) ? r.LogUniform(1e-2, 0.5) : 0,
            PostErrorRate = post.Chance(0.5) ? post.LogUniform(PostErrorRateMin, PostErrorRateMax) : 0,
        };
    }

    /// <summary>One line listing the drawn rates (printed first for each seed).</summary>
    public string Describe()
    {
        var sb = new StringBuilder("faults: ");
        Append(sb, "packet-loss", PacketLossRate);
        sb.Append(' ');
        Append(sb, "wc-error", WcErrorRate);
        sb.Append(' ');
        Append(sb, "cm-delay", CmEventDelayRate);
        sb.Append(' ');
        Append(sb, "post-error", PostErrorRate);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string name, double rate) =>
        sb.Append(name).Append('=').Append(rate > 0 ? rate.ToString("0.######", CultureInfo.InvariantCulture) : "off");
}
