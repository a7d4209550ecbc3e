using System.Runtime.InteropServices;

namespace Harness.Sim.Files;

/// <summary>
/// The two libc calls .NET has no managed form of: the type of a file (<c>statx</c>: .NET's file APIs tell a directory
/// from the rest, not a device or a FIFO from a regular file) and whether this process may write one (<c>access</c>).
/// <c>statx</c> rather than <c>stat</c>: its structure is the same on every architecture, <c>struct stat</c> is not.
/// </summary>
internal static unsafe partial class UnixFileCalls
{
    /// <summary>The runtime maps "libc" to the platform's C library (libc.so.6 on glibc, which has statx since 2.28).</summary>
    private const string LibC = "libc";

    /// <summary><c>AT_FDCWD</c>: a relative path is relative to the working directory.</summary>
    private const int AtFdCwd = -100;

    /// <summary><c>STATX_TYPE</c>: only the file type bits of <c>stx_mode</c> are asked for.</summary>
    private const uint StatxType = 0x1;

    /// <summary><c>sizeof(struct statx)</c> in linux/stat.h.</summary>
    private const int StatxBytes = 256;

    /// <summary>Offset of <c>__u16 stx_mode</c> in <c>struct statx</c>.</summary>
    private const int StatxModeOffset = 28;

    /// <summary><c>W_OK</c> of <c>access</c>.</summary>
    private const int WriteOk = 2;

    /// <summary>
    /// The <c>S_IFMT</c> bits of <paramref name="path"/>'s mode (links followed), or null when it cannot be told (no
    /// such file, a folder on the way not searchable, no <c>statx</c> in this C library, not Linux).
    /// </summary>
    public static int? FileTypeBits(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = stackalloc byte[StatxBytes];
        try
        {
            return statx(AtFdCwd, path, 0, StatxType, buffer) == 0 ? *(ushort*)(buffer + StatxModeOffset) & FileKinds.TypeMask : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a C library older than glibc 2.28 or musl 1.2.5: the caller falls back to .NET's view
        }
    }

    /// <summary>Whether this process may write <paramref name="path"/> (<c>access(path, W_OK)</c>); true where that cannot be asked.</summary>
    public static bool MayWrite(string path) => !OperatingSystem.IsLinux() || access(path, WriteOk) == 0;

    [LibraryImport(LibC, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport(LibC, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string pathname, int mode);
}
