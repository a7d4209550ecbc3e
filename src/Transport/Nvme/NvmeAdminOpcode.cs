namespace Harness.Transport.Nvme;

/// <summary>Admin command opcodes (SPDK <c>enum spdk_nvme_admin_opcode</c>), the subset the transport uses.</summary>
public enum NvmeAdminOpcode : byte
{
    /// <summary>Delete I/O Submission Queue.</summary>
    DeleteIoSq = 0x00,

    /// <summary>Create I/O Submission Queue.</summary>
    CreateIoSq = 0x01,

    /// <summary>Get Log Page.</summary>
    GetLogPage = 0x02,

    /// <summary>Delete I/O Completion Queue.</summary>
    DeleteIoCq = 0x04,

    /// <summary>Create I/O Completion Queue.</summary>
    CreateIoCq = 0x05,

    /// <summary>Identify.</summary>
    Identify = 0x06,

    /// <summary>Abort.</summary>
    Abort = 0x08,

    /// <summary>Set Features.</summary>
    SetFeatures = 0x09,

    /// <summary>Get Features.</summary>
    GetFeatures = 0x0A,

    /// <summary>Asynchronous Event Request.</summary>
    AsyncEventRequest = 0x0C,

    /// <summary>Keep Alive.</summary>
    KeepAlive = 0x18,

    /// <summary>Fabrics command (the command type is in byte 4, see <see cref="FabricsCommandType"/>).</summary>
    Fabrics = 0x7F,
}
