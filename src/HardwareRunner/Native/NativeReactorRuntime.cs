using System.Diagnostics;
using Harness.Transport.Threading;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Reactors on real threads (or driven by the caller, <see cref="NativeReactorMode.Manual"/>). An idle reactor spins,
/// then yields, then sleeps <see cref="IdleSleep"/> (zero: keeps yielding, as SPDK keeps polling). The first exception
/// a poller throws stops the runtime and is kept in <see cref="Failure"/>.
/// </summary>
public sealed class NativeReactorRuntime : IReactorRuntime, IDisposable
{
    /// <summary>Reactors one runtime may have (as the simulator).</summary>
    public const int ReactorsMax = 1024;

    private const int SpinRounds = 64;
    private const int YieldRounds = 1024;

    private readonly object _gate = new();
    private NativeReactor[] _reactors = Array.Empty<NativeReactor>();
    private readonly List<Thread> _threads = new();
    private volatile bool _stop;
    private Exception? _failure;

    public NativeReactorRuntime(NativeReactorMode mode = NativeReactorMode.SingleThread, TimeSpan idleSleep = default)
    {
        Mode = mode;
        IdleSleep = idleSleep;
        if (mode == NativeReactorMode.SingleThread)
        {
            StartThread("reactors", () => PollOnce());
        }
    }

    public NativeReactorMode Mode { get; }

    /// <summary>How long an idle thread sleeps after spinning and yielding.</summary>
    public TimeSpan IdleSleep { get; }

    /// <summary>The first exception a poller threw (the runtime then stopped), or null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public IReadOnlyList<NativeReactor> Reactors => Volatile.Read(ref _reactors);

    /// <inheritdoc/>
    public IReactor CreateReactor(string name)
    {
        NativeReactor reactor;
        lock (_gate)
        {
            if (_reactors.Length >= ReactorsMax)
            {
                throw new InvalidOperationException($"at most {ReactorsMax} reactors");
            }

            reactor = new NativeReactor(name);
            _reactors = [.. _reactors, reactor];
        }

        if (Mode == NativeReactorMode.ThreadPerReactor)
        {
            StartThread(name, reactor.PollOnce);
        }

        return reactor;
    }

    /// <summary>One round over every reactor (what the single thread runs; call it yourself in manual mode). No allocation.</summary>
    public int PollOnce()
    {
        var reactors = Volatile.Read(ref _reactors);
        var work = 0;
        foreach (var reactor in reactors)
        {
            work += reactor.PollOnce();
        }

        return work;
    }

    /// <summary>Manual mode: polls until <paramref name="done"/> holds (true) or <paramref name="timeout"/> passes (false).</summary>
    public bool RunUntil(Func<bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!done())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            if (PollOnce() == 0)
            {
                Thread.Yield();
            }
        }

        return true;
    }

    /// <summary>Stops the threads and waits for them.</summary>
    public void Dispose()
    {
        _stop = true;
        Thread[] threads;
        lock (_gate)
        {
            threads = _threads.ToArray();
        }

        foreach (var thread in threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    private void StartThread(string name, Func<int> round)
    {
        var thread = new Thread(() => Loop(round)) { IsBackground = true, Name = name };
        lock (_gate)
        {
            _threads.Add(thread);
        }

        thread.Start();
    }

    private void Loop(Func<int> round)
    {
        var idle = 0;
        while (!_stop)
        {
            int work;
            try
            {
                work = round();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                _stop = true;
                return;
            }

            idle = work > 0 ? 0 : idle + 1;
            if (idle < SpinRounds)
            {
                continue; // busy or just gone idle: poll again at once, as an SPDK reactor does
            }

            if (idle < YieldRounds || IdleSleep <= TimeSpan.Zero)
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(IdleSleep);
            }
        }
    }
}
