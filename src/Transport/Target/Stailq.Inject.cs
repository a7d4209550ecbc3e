namespace Harness.Transport.Target;

/// <summary>Restoring a queue exactly as a snapshot shows it, corrupted links included.</summary>
public sealed partial class Stailq<T, TLink>
{
    /// <summary>
    /// Sets the head and <c>stqh_last</c>'s element as they were. The elements' links are set by the caller (as they
    /// were, too), so the restored lists join wherever the original ones did; nothing is checked here: the invariant
    /// checker judges the result.
    /// </summary>
    internal void Restore(T? first, T? last)
    {
        First = first;
        _last = first == null ? null : last;
    }
}
