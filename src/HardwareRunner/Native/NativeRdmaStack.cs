using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// The real rdma-core of this machine as an <see cref="IRdmaStack"/>: libibverbs.so.1 and librdmacm.so.1 through
/// P/Invoke. Open it with <see cref="TryOpen(out NativeRdmaStack?, out string)"/>, which says precisely why not when it
/// cannot (library missing, no kernel RDMA support, no devices). Disposing it frees everything still open, newest first
/// (CM events still held are acked first, so destroying their ids cannot block).
/// </summary>
public sealed class NativeRdmaStack : IRdmaStack, IDisposable
{
    private readonly NativeResourceTracker _resources;
    private int _disposed;

    private NativeRdmaStack(NativeStackOptions options, NativeResourceTracker resources, NativeVerbs verbs)
    {
        Options = options;
        _resources = resources;
        VerbsImpl = verbs;
        CmImpl = new NativeCm(verbs) { AckTimeoutExponent = options.AckTimeoutExponent };
        MemoryImpl = new NativeDmaMemory(resources);
    }

    /// <inheritdoc/>
    public string HostName => Options.HostName;

    public NativeStackOptions Options { get; }

    /// <inheritdoc/>
    public IVerbsProvider Verbs => VerbsImpl;

    /// <inheritdoc/>
    public IRdmaCm Cm => CmImpl;

    /// <inheritdoc/>
    public IDmaMemory Memory => MemoryImpl;

    /// <inheritdoc/>
    public IClock Clock { get; } = new NativeClock();

    public NativeVerbs VerbsImpl { get; }

    public NativeCm CmImpl { get; }

    public NativeDmaMemory MemoryImpl { get; }

    /// <summary>Native objects (contexts, PDs, MRs, CQs, QPs, ids, buffers…) not yet freed.</summary>
    public int LiveHandles => _resources.Count;

    /// <summary>Opens every device with default options. False with a one-line reason when the machine cannot run verbs.</summary>
    public static bool TryOpen(out NativeRdmaStack? stack, out string problem) =>
        TryOpen(new NativeStackOptions(), out stack, out problem) == NativeOpenStatus.Ok;

    /// <summary>Opens the stack; the status says which problem it was (the message says it in words).</summary>
    public static NativeOpenStatus TryOpen(NativeStackOptions options, out NativeRdmaStack? stack, out string problem) =>
        TryOpen(options, NativeLibraryNames.Default, out stack, out problem);

    /// <summary>As the public overload, with the library names substituted (tests use a wrong one).</summary>
    internal static NativeOpenStatus TryOpen(NativeStackOptions options, NativeLibraryNames libraries, out NativeRdmaStack? stack, out string problem)
    {
        stack = null;
        if (options.AckTimeoutExponent > NativeStackOptions.AckTimeoutExponentMax)
        {
            problem = $"ACK timeout exponent {options.AckTimeoutExponent}: must be 0..{NativeStackOptions.AckTimeoutExponentMax}";
            return NativeOpenStatus.Failed;
        }

        var status = NativeLibraryProbe.Check(libraries, out problem);
        if (status != NativeOpenStatus.Ok)
        {
            return status;
        }

        var resources = new NativeResourceTracker();
        status = NativeVerbs.TryCreate(resources, options.DeviceName, out var verbs, out problem);
        if (status != NativeOpenStatus.Ok)
        {
            resources.DisposeAll();
            return status;
        }

        stack = new NativeRdmaStack(options, resources, verbs!);
        problem = string.Empty;
        return NativeOpenStatus.Ok;
    }

    /// <summary>Acks held CM events, then frees every native object still open.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CmImpl.AckAll();
        _resources.DisposeAll();
        VerbsImpl.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{HostName}: {VerbsImpl}";
}
