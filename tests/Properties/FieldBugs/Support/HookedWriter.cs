using System.Globalization;

namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>
/// A captured stdout that runs <c>hook</c> once, just before the first line starting with <c>prefix</c> is written: a
/// test's way to change the file system at a known point of a command (a folder removed between the run and the writes).
/// </summary>
internal sealed class HookedWriter(string prefix, Action hook) : StringWriter(CultureInfo.InvariantCulture)
{
    private bool _hooked;

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        if (!_hooked && value != null && value.StartsWith(prefix, StringComparison.Ordinal))
        {
            _hooked = true;
            hook();
        }

        base.WriteLine(value);
    }
}
