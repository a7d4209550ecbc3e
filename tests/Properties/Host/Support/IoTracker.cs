using Harness.Transport.Host;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>Records every command's completion and fails the test the moment one completes twice or unasked.</summary>
public sealed class IoTracker
{
    private readonly Dictionary<long, NvmeCompletion?> _ios = new();
    private long _next;

    public IoTracker() => Callback = OnCompletion;

    /// <summary>The callback to submit with (context: the value <see cref="Track"/> returned).</summary>
    public NvmeCompletionCallback Callback { get; }

    public int Submitted => _ios.Count;

    public int Completed { get; private set; }

    public int Outstanding => Submitted - Completed;

    public IEnumerable<NvmeCompletion> Completions => _ios.Values.Where(c => c.HasValue).Select(c => c!.Value);

    /// <summary>Completion of command <paramref name="id"/> (null while outstanding).</summary>
    public NvmeCompletion? this[long id] => _ios[id];

    /// <summary>A new command id to pass as the submission's context.</summary>
    public object Track()
    {
        var id = _next++;
        _ios.Add(id, null);
        return id;
    }

    /// <summary>Forgets a command whose submission returned an error (it will never complete).</summary>
    public void Untrack(object id) => _ios.Remove((long)id);

    public int Count(Func<NvmeCompletion, bool> predicate) => Completions.Count(predicate);

    private void OnCompletion(object? context, in NvmeCompletion completion)
    {
        var id = (long)context!;
        if (!_ios.TryGetValue(id, out var previous))
        {
            throw new Xunit.Sdk.XunitException($"completion for command {id}, which was never submitted");
        }

        if (previous.HasValue)
        {
            throw new Xunit.Sdk.XunitException($"command {id} completed twice: {previous.Value} then {completion}");
        }

        _ios[id] = completion;
        Completed++;
    }
}
