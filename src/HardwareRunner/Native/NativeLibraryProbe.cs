using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native.Interop;

namespace Harness.HardwareRunner.Native;

/// <summary>
/// Checks that rdma-core's libraries load and export every function the backend binds, before the first P/Invoke
/// (which would otherwise throw <see cref="DllNotFoundException"/> or <see cref="EntryPointNotFoundException"/> at
/// some arbitrary call).
/// </summary>
internal static class NativeLibraryProbe
{
    /// <summary>What to install when a library is missing (Debian/Ubuntu package names).</summary>
    public const string InstallHint = "install rdma-core's user-space libraries (Debian/Ubuntu: apt-get install libibverbs1 librdmacm1 ibverbs-providers; RHEL: dnf install libibverbs librdmacm)";

    /// <summary>Ok, or <see cref="NativeOpenStatus.LibraryMissing"/> with a message naming the .so (and symbol).</summary>
    public static NativeOpenStatus Check(NativeLibraryNames names, out string problem)
    {
        if (!Check(names.Ibverbs, LibIbverbs.Symbols, out problem) || !Check(names.Rdmacm, LibRdmacm.Symbols, out problem))
        {
            return NativeOpenStatus.LibraryMissing;
        }

        return NativeOpenStatus.Ok;
    }

    private static bool Check(string library, string[] symbols, out string problem)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            problem = $"rdma-core library missing: {library} could not be loaded; {InstallHint}";
            return false;
        }

        try
        {
            foreach (var symbol in symbols)
            {
                if (!NativeLibrary.TryGetExport(handle, symbol, out _))
                {
                    problem = $"rdma-core library too old or broken: {library} does not export {symbol} (the backend is written against rdma-core 44; upgrade rdma-core)";
                    return false;
                }
            }
        }
        finally
        {
            NativeLibrary.Free(handle);
        }

        problem = string.Empty;
        return true;
    }
}
