using Harness.HardwareRunner.Native.Handles;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Every live handle of one stack, so <see cref="NativeRdmaStack.Dispose"/> frees whatever the program left behind
/// (newest first; handles keep their parents alive, so the order is only a courtesy to the kernel).
/// </summary>
internal sealed class NativeResourceTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<NativeHandle, long> _live = new();
    private long _sequence;

    /// <summary>Handles not yet released.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    public T Add<T>(T handle)
        where T : NativeHandle
    {
        lock (_gate)
        {
            _live.Add(handle, _sequence++);
        }

        return handle;
    }

    public void Remove(NativeHandle handle)
    {
        lock (_gate)
        {
            _live.Remove(handle);
        }
    }

    /// <summary>Disposes every live handle, newest first.</summary>
    public void DisposeAll()
    {
        List<NativeHandle> handles;
        lock (_gate)
        {
            handles = _live.OrderByDescending(kv => kv.Value).Select(kv => kv.Key).ToList();
            _live.Clear();
        }

        foreach (var handle in handles)
        {
            handle.Dispose();
        }
    }
}
