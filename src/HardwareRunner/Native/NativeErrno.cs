using System.Runtime.InteropServices;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Native;

/// <summary>How rdma-core reports errors, turned into this abstraction's "0 or a positive errno".</summary>
internal static class NativeErrno
{
    /// <summary>errno after a call that returned -1 or NULL (EIO if the library did not set it).</summary>
    public static int Last()
    {
        var errno = Marshal.GetLastPInvokeError();
        return errno > 0 ? errno : Errno.EIO;
    }

    /// <summary>A verb's own return value: providers return ENOMEM or -ENOMEM (rxe), both become ENOMEM.</summary>
    public static int Normalize(int rc) => rc < 0 ? -rc : rc;

    /// <summary>librdmacm's "0, or -1 with errno".</summary>
    public static int FromCm(int rc) => rc == 0 ? Errno.Ok : Last();
}
