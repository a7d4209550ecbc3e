namespace Harness.Tests.Properties.Nvme;

/// <summary>Arbitrary bytes of arbitrary length (0..200), for the totality properties.</summary>
public sealed record Garbage(byte[] Bytes)
{
    /// <summary>Length and hex, for a readable counterexample.</summary>
    public override string ToString() => $"Garbage[{Bytes.Length}] {Convert.ToHexString(Bytes)}";
}
