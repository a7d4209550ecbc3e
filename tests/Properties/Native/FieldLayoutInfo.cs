namespace Harness.Tests.Properties.Native;

/// <summary>A field: C# name, C member designator, FieldOffset constant, Marshal.OffsetOf (when Marshal accepts the type), size.</summary>
internal sealed record FieldLayoutInfo(string ClrName, string CMember, int FieldOffset, int? MarshalOffset, int Size);
