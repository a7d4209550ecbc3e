namespace Harness.Sim.Files;

/// <summary>What a path names, as the file system says (<see cref="FileKinds.Of"/>), symbolic links followed.</summary>
public enum FileKind
{
    /// <summary>Nothing (or nothing this process can see: a folder on the way cannot be searched, a link loops).</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A character device (<c>/dev/null</c>, a terminal).</summary>
    CharacterDevice,

    /// <summary>A FIFO: a named pipe, or the pipe a shell hands over as <c>/dev/fd/N</c>.</summary>
    Fifo,

    /// <summary>A block device (a disk or a partition).</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,
}
