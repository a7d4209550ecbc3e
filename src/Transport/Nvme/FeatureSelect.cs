namespace Harness.Transport.Nvme;

/// <summary>Get Features SEL field (CDW10 bits 10:8).</summary>
public enum FeatureSelect : byte
{
    /// <summary>Current value.</summary>
    Current = 0,

    /// <summary>Default value.</summary>
    Default = 1,

    /// <summary>Saved value.</summary>
    Saved = 2,

    /// <summary>Supported capabilities.</summary>
    SupportedCapabilities = 3,
}
