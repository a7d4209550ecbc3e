namespace Harness.Transport.Nvme;

/// <summary>Fabrics command type (FCTYPE, SQE byte 4 of opcode 0x7F), SPDK <c>enum spdk_nvmf_fabric_cmd_types</c>.</summary>
public enum FabricsCommandType : byte
{
    /// <summary>Property Set.</summary>
    PropertySet = 0x00,

    /// <summary>Connect.</summary>
    Connect = 0x01,

    /// <summary>Property Get.</summary>
    PropertyGet = 0x04,

    /// <summary>Authentication Send.</summary>
    AuthenticationSend = 0x05,

    /// <summary>Authentication Receive.</summary>
    AuthenticationReceive = 0x06,

    /// <summary>Disconnect (NVMe 2.0; not in SPDK's enum, its target answers it with INVALID OPCODE).</summary>
    Disconnect = 0x08,
}
