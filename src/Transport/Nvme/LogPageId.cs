namespace Harness.Transport.Nvme;

/// <summary>Log page identifiers (Get Log Page CDW10 bits 7:0), the subset the transport uses (SPDK <c>enum spdk_nvme_log_page</c>).</summary>
public enum LogPageId : byte
{
    /// <summary>Error Information (64-byte entries, <see cref="ErrorInformationLogEntry"/>).</summary>
    Error = 0x01,

    /// <summary>SMART / Health Information.</summary>
    HealthInformation = 0x02,

    /// <summary>Firmware Slot Information.</summary>
    FirmwareSlot = 0x03,

    /// <summary>Changed Namespace List.</summary>
    ChangedNamespaceList = 0x04,

    /// <summary>Commands Supported and Effects.</summary>
    CommandEffects = 0x05,

    /// <summary>Asymmetric Namespace Access.</summary>
    AsymmetricNamespaceAccess = 0x0C,

    /// <summary>Discovery (discovery controllers only).</summary>
    Discovery = 0x70,
}
