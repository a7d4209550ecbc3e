using System.Globalization;
using System.Runtime.InteropServices;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Cli;

/// <summary>
/// <c>harness devices</c>: lists the machine's verbs devices through libibverbs (<c>ibv_get_device_list</c>), looked up
/// at run time so the program starts on machines without rdma-core. No device → a clear message and exit 2.
/// </summary>
internal static class DevicesCommand
{
    public const string Library = "libibverbs.so.1";

    public static int Execute(TextWriter stdout, TextWriter stderr)
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            stderr.WriteLine($"no RDMA devices: {Library} not found (install rdma-core's libibverbs; e.g. apt-get install ibverbs-providers)");
            return HarnessProgram.ExitUsage;
        }

        try
        {
            if (!NativeLibrary.TryGetExport(handle, "ibv_get_device_list", out var getList) ||
                !NativeLibrary.TryGetExport(handle, "ibv_free_device_list", out var freeList) ||
                !NativeLibrary.TryGetExport(handle, "ibv_get_device_name", out var getName) ||
                !NativeLibrary.TryGetExport(handle, "ibv_get_device_guid", out var getGuid))
            {
                stderr.WriteLine($"no RDMA devices: {Library} was found but lacks the device-list functions (a broken rdma-core install?)");
                return HarnessProgram.ExitUsage;
            }

            var devices = List(getList, freeList, getName, getGuid, out var errno);
            if (devices == null)
            {
                var why = errno == Errno.ENOSYS ? "the kernel has no RDMA support (no RDMA driver or rdma_rxe loaded)" : Marshal.GetPInvokeErrorMessage(errno);
                stderr.WriteLine($"no RDMA devices: {Library} found, but ibv_get_device_list failed with {Errno.Name(errno)}: {why}");
                return HarnessProgram.ExitUsage;
            }

            if (devices.Count == 0)
            {
                stderr.WriteLine($"no RDMA devices: {Library} found, but it lists no verbs device (no RDMA NIC, or its driver / rdma_rxe is not loaded)");
                return HarnessProgram.ExitUsage;
            }

            stdout.WriteLine("verbs devices:");
            foreach (var (name, guid) in devices)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}  node GUID {guid:x16}"));
            }

            stdout.WriteLine("note: runs on these devices need the native backend (--backend ibverbs), which lands with its own issue");
            return HarnessProgram.ExitOk;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    private static unsafe List<(string Name, ulong Guid)>? List(nint getList, nint freeList, nint getName, nint getGuid, out int errno)
    {
        var num = 0;
        var list = ((delegate* unmanaged<int*, nint*>)getList)(&num);
        errno = Marshal.GetLastSystemError();
        if (list == null)
        {
            return null;
        }

        var result = new List<(string, ulong)>();
        for (var i = 0; i < num && list[i] != 0; i++)
        {
            var name = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)getName)(list[i])) ?? "?";
            var guid = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(((delegate* unmanaged<nint, ulong>)getGuid)(list[i])); // __be64
            result.Add((name, guid));
        }

        ((delegate* unmanaged<nint*, void>)freeList)(list);
        return result;
    }
}
