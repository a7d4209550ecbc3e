namespace Harness.Tests.Properties.Native;

/// <summary>A C# constant and the C expression it must equal.</summary>
internal sealed record ConstantInfo(string Owner, string CExpression, long Value);
