using Harness.HardwareRunner.Native.Handles;

namespace Harness.Tests.Properties.Native;

/// <summary>A handle on nothing that records when it is released (and returns a chosen errno from its destroy call).</summary>
internal sealed class CountingHandle : NativeHandle
{
    private readonly List<string> _log;

    public CountingHandle(string name, List<string> log, int destroyErrno = 0)
        : base(1, owns: true)
    {
        Name = name;
        _log = log;
        DestroyErrno = destroyErrno;
    }

    public string Name { get; }

    public int DestroyErrno { get; set; }

    protected override int ReleaseNative(nint pointer)
    {
        _log.Add(Name);
        return DestroyErrno;
    }
}
