using System.Runtime.InteropServices;

namespace Harness.HardwareRunner.Native.Interop;

/// <summary>The libc calls the backend needs: <c>fcntl</c> to make event fds non-blocking.</summary>
internal static partial class LibC
{
    /// <summary>The runtime maps "libc" to the platform's C library (libc.so.6 on glibc).</summary>
    public const string Name = "libc";

    /// <summary><c>fcntl(fd, cmd, int arg)</c>: the variadic argument is an int, passed in a register on x86-64 and arm64 Linux.</summary>
    [LibraryImport(Name, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    /// <summary>Sets O_NONBLOCK on <paramref name="fd"/>: 0 or an errno.</summary>
    public static int SetNonBlocking(int fd)
    {
        var flags = fcntl(fd, NativeConstants.FGetFl, 0);
        if (flags < 0 || fcntl(fd, NativeConstants.FSetFl, flags | NativeConstants.ONonBlock) < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        return 0;
    }
}
