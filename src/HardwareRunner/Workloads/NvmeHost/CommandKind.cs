namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>What a command slot of a <see cref="RawQpair"/> holds.</summary>
internal enum CommandKind : byte
{
    /// <summary>Free.</summary>
    None = 0,

    /// <summary>The Fabrics Connect of the qpair itself.</summary>
    Connect,

    /// <summary>An admin command of the controller (Property Set/Get).</summary>
    Admin,

    /// <summary>An application Read/Write.</summary>
    Io,
}
