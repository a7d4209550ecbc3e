namespace Harness.Tests.Properties.Support;

/// <summary>A property checked through <see cref="PropertyCheck"/> failed: FsCheck's report, the seed and the rerun command.</summary>
public sealed class PropertyFailedException(string message, Exception inner) : Exception(message, inner);
