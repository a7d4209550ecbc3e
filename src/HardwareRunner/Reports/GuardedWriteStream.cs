namespace Harness.HardwareRunner.Reports;

/// <summary>
/// A write-only stream in front of an output file that never throws into its writer: the first I/O error (the disk
/// filled up, the file system went away) is kept in <see cref="Error"/> and every later write is dropped. A trace is
/// written from inside the simulation; an error there must not become the run's verdict or change what it does, so
/// the command reports it after the run instead. Adds no allocation to a write.
/// </summary>
public sealed class GuardedWriteStream : Stream
{
    private readonly Stream _inner;
    private bool _disposed;

    public GuardedWriteStream(Stream inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The first write error, or null.</summary>
    public Exception? Error { get; private set; }

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Error != null || _disposed)
        {
            return;
        }

        try
        {
            _inner.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Error = e;
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    /// <inheritdoc/>
    public override void Flush()
    {
        if (Error != null || _disposed)
        {
            return;
        }

        try
        {
            _inner.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Error = e;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            Flush();
            _disposed = true;
            try
            {
                _inner.Dispose(); // a FileStream writes what it still buffers here
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                Error ??= e;
            }
        }

        base.Dispose(disposing);
    }
}
