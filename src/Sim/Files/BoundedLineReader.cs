using System.Text;

namespace Harness.Sim.Files;

/// <summary>
/// Reads the lines of text of any size and shape, each at most a given length: the rest of a longer line is skipped
/// and the line reported as cut. <see cref="TextReader.ReadLine"/> builds the whole line first, so a binary file
/// without a line break (a core, an image given by mistake) would become one string of gigabytes; this never does.
/// Line breaks are those of <see cref="TextReader.ReadLine"/>: LF, CR, CR LF.
/// </summary>
public sealed class BoundedLineReader
{
    /// <summary>Characters read from the underlying reader at a time.</summary>
    public const int BufferChars = 1 << 16;

    private readonly TextReader _reader;
    private readonly int _lineCharsMax;
    private readonly char[] _buffer = new char[BufferChars];
    private readonly StringBuilder _line = new();
    private int _pos;
    private int _len;

    /// <summary>Reads <paramref name="reader"/>, keeping at most <paramref name="lineCharsMax"/> characters per line.</summary>
    public BoundedLineReader(TextReader reader, int lineCharsMax)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(lineCharsMax, 1);
        _reader = reader;
        _lineCharsMax = lineCharsMax;
    }

    /// <summary>1-based number of the line last returned (0 before the first).</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its break, or null at the end; <paramref name="cut"/> says it was longer than the bound.</summary>
    public string? ReadLine(out bool cut)
    {
        cut = false;
        _line.Clear();
        var any = false;
        while (Fill())
        {
            any = true;
            var start = _pos;
            while (_pos < _len && _buffer[_pos] is not ('\n' or '\r'))
            {
                _pos++;
            }

            Keep(start, _pos - start, ref cut);
            if (_pos < _len)
            {
                if (_buffer[_pos++] == '\r' && Fill() && _buffer[_pos] == '\n')
                {
                    _pos++;
                }

                return Line();
            }
        }

        return any ? Line() : null;
    }

    private string Line()
    {
        LineNumber++;
        return _line.ToString();
    }

    /// <summary>True when a character is available (reads more when the buffer is used up).</summary>
    private bool Fill()
    {
        if (_pos < _len)
        {
            return true;
        }

        _len = _reader.Read(_buffer, 0, _buffer.Length);
        _pos = 0;
        return _len > 0;
    }

    private void Keep(int start, int count, ref bool cut)
    {
        var room = _lineCharsMax - _line.Length;
        if (count > room)
        {
            cut = true;
            count = room;
        }

        _line.Append(_buffer, start, count);
    }
}
