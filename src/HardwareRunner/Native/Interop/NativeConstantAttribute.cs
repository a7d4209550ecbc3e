namespace Harness.HardwareRunner.Native.Interop;

/// <summary>The C constant expression a C# constant mirrors (<c>O_NONBLOCK</c>): its value is pinned by the ABI test.</summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
internal sealed class NativeConstantAttribute : Attribute
{
    public NativeConstantAttribute(string cExpression) => CExpression = cExpression;

    /// <summary>An integer constant expression valid in C after including the rdma-core, fcntl and socket headers.</summary>
    public string CExpression { get; }
}
