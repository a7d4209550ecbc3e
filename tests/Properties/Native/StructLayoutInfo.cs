namespace Harness.Tests.Properties.Native;

/// <summary>A C# interop struct and what it claims about its C counterpart.</summary>
internal sealed record StructLayoutInfo(Type ClrType, string CType, bool CheckSize, int ClrSize, IReadOnlyList<FieldLayoutInfo> Fields);
