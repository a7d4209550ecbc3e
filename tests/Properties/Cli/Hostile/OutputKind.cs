namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>Where a hostile case asks the command to write its output.</summary>
internal enum OutputKind
{
    /// <summary>A new file in a folder that exists and takes files.</summary>
    Fresh,

    /// <summary>A file that exists already (its content must survive a refusal).</summary>
    Existing,

    /// <summary>A file in a folder that does not exist.</summary>
    MissingFolder,

    /// <summary>A folder that exists but takes no new files (<c>/proc</c>).</summary>
    Unwritable,

    /// <summary>An existing folder given as the file.</summary>
    IsFolder,

    /// <summary>The empty string.</summary>
    Empty,
}
