namespace Harness.Sim.Files;

/// <summary>What kind of file a path names (<see cref="FileKind"/>), and the kind in words for a message.</summary>
public static class FileKinds
{
    /// <summary><c>S_IFMT</c>: the file type bits of a mode.</summary>
    internal const int TypeMask = 0xF000;

    private const int SocketBits = 0xC000;
    private const int RegularBits = 0x8000;
    private const int BlockDeviceBits = 0x6000;
    private const int DirectoryBits = 0x4000;
    private const int CharacterDeviceBits = 0x2000;
    private const int FifoBits = 0x1000;

    /// <summary>
    /// The kind of file <paramref name="path"/> names, symbolic links followed (so <c>/dev/fd/N</c> is the pipe it stands
    /// for). Where the system cannot say more, .NET's view: a directory, a file taken for a regular one, or nothing.
    /// </summary>
    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return FileKind.Missing;
        }

        return UnixFileCalls.FileTypeBits(path) switch
        {
            RegularBits => FileKind.Regular,
            DirectoryBits => FileKind.Directory,
            CharacterDeviceBits => FileKind.CharacterDevice,
            FifoBits => FileKind.Fifo,
            BlockDeviceBits => FileKind.BlockDevice,
            SocketBits => FileKind.Socket,
            _ => Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing,
        };
    }

    /// <summary>The kind with its article, for a message: "a block device".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "nothing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.CharacterDevice => "a character device",
        FileKind.Fifo => "a pipe",
        FileKind.BlockDevice => "a block device",
        _ => "a socket",
    };
}
