using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native;

/// <summary>The shared objects the backend loads; tests substitute a wrong name to exercise the "library missing" path.</summary>
internal readonly record struct NativeLibraryNames(string Ibverbs, string Rdmacm)
{
    public static NativeLibraryNames Default { get; } = new(LibIbverbs.Name, LibRdmacm.Name);
}
