using System.Globalization;

namespace Harness.Tests.Properties.FieldBugs.Support;

/// <summary>
/// A captured stdout that runs <c>hook</c> once, just before the first text containing <c>marker</c> is written: a
/// test's way to change the file system at a known point of a command (a folder removed between the run and the writes).
/// </summary>
internal sealed class HookedWriter(string marker, Action hook) : StringWriter(CultureInfo.InvariantCulture)
{
    private bool _hooked;

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        Hook(value);
        base.Write(value);
    }

    /// <inheritdoc/>
    public override void WriteLine(string? value)
    {
        Hook(value);
        base.WriteLine(value);
    }

    private void Hook(string? value)
    {
        if (!_hooked && value != null && value.Contains(marker, StringComparison.Ordinal))
        {
            _hooked = true;
            hook();
        }
    }
}
