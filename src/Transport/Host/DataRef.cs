namespace Harness.Transport.Host;

/// <summary>A data buffer of a command, translated: address, length and the keys of its memory region.</summary>
internal readonly record struct DataRef(ulong Addr, uint Length, uint Lkey, uint Rkey);
