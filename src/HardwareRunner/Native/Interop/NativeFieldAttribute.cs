namespace Harness.HardwareRunner.Native.Interop;

/// <summary>The C member designator a field mirrors (<c>wr.rdma.remote_addr</c>): its offset and size are pinned by the ABI test.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
internal sealed class NativeFieldAttribute : Attribute
{
    public NativeFieldAttribute(string cMember) => CMember = cMember;

    /// <summary>Member designator as <c>offsetof</c> accepts it.</summary>
    public string CMember { get; }
}
