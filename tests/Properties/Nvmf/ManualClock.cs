using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>Virtual time the tests move by hand.</summary>
public sealed class ManualClock : IClock
{
    /// <inheritdoc/>
    public long NowNs { get; set; }

    /// <summary>Moves time forward by <paramref name="ms"/> milliseconds.</summary>
    public void AdvanceMs(long ms) => NowNs += ms * 1_000_000;
}
