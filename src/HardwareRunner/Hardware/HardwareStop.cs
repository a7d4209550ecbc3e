using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Hardware;

/// <summary>
/// A request to end a hardware run early, from SIGINT/SIGTERM (a CI job's cancel, a Ctrl-C). The target role ends
/// normally on it (it disconnects its hosts and tears down); the host role reports the run as interrupted.
/// </summary>
public sealed class HardwareStop : IDisposable
{
    private readonly List<IDisposable> _registrations = new();
    private volatile string? _reason;

    /// <summary>True once a stop was asked for.</summary>
    public bool Requested => _reason != null;

    /// <summary>What asked (for the report), or null.</summary>
    public string? Reason => _reason;

    /// <summary>Asks for the stop (the first reason is kept).</summary>
    public void Request(string reason) => Interlocked.CompareExchange(ref _reason, reason, null);

    /// <summary>Turns SIGINT and SIGTERM into a stop request (instead of killing the process mid-teardown).</summary>
    public void HandleSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                Request(ctx.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM");
            }));
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }

        _registrations.Clear();
    }
}
