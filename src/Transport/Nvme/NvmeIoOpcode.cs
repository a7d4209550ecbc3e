namespace Harness.Transport.Nvme;

/// <summary>NVM command set I/O opcodes (SPDK <c>enum spdk_nvme_nvm_opcode</c>), the subset the transport uses.</summary>
public enum NvmeIoOpcode : byte
{
    /// <summary>Flush.</summary>
    Flush = 0x00,

    /// <summary>Write.</summary>
    Write = 0x01,

    /// <summary>Read.</summary>
    Read = 0x02,

    /// <summary>Write Uncorrectable.</summary>
    WriteUncorrectable = 0x04,

    /// <summary>Compare.</summary>
    Compare = 0x05,

    /// <summary>Write Zeroes.</summary>
    WriteZeroes = 0x08,

    /// <summary>Dataset Management.</summary>
    DatasetManagement = 0x09,

    /// <summary>Fabrics command (the command type is in byte 4, see <see cref="FabricsCommandType"/>).</summary>
    Fabrics = 0x7F,
}
