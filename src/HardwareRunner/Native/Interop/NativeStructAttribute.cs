namespace Harness.HardwareRunner.Native.Interop;

/// <summary>
/// Names the C type an interop struct mirrors (<c>struct ibv_wc</c>). The ABI conformance test compiles a C program
/// against the installed rdma-core headers and checks the size (when <see cref="CheckSize"/>) and every field marked
/// with <see cref="NativeFieldAttribute"/> against it.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class NativeStructAttribute : Attribute
{
    public NativeStructAttribute(string cType) => CType = cType;

    /// <summary>The C type, e.g. <c>struct ibv_send_wr</c>.</summary>
    public string CType { get; }

    /// <summary>
    /// False for structs the library allocates and the C# side only reads a prefix of through a pointer
    /// (<c>struct ibv_qp</c>, <c>struct ibv_context</c>): then only the field offsets matter.
    /// </summary>
    public bool CheckSize { get; init; } = true;
}
