using Harness.Transport.Invariants;

namespace Harness.Sim.Coverage;

/// <summary>
/// One category of coverage points (FoundationDB's CODE_PROBE, counted): a grid of row × column labels whose cells are
/// counters, and the universe, the cells that should be reached. Counting is an array increment, so a probe costs
/// nothing that matters; labels are only built when the table is printed. Rows and columns keep the order they were
/// given, so every listing is deterministic.
/// </summary>
public sealed class CoverageCategory
{
    /// <summary>The name a broken precondition of this class is reported under.</summary>
    public const string Invariant = "coverage";

    private readonly long[] _counts;
    private readonly bool[] _universe;
    private readonly SortedDictionary<string, long> _outsideGrid = new(StringComparer.Ordinal);
    private Dictionary<string, int>? _cellByName;

    /// <param name="key">Short stable name (<c>target-request-transitions</c>) for tests and machine-readable output.</param>
    /// <param name="title">Heading of the table's section.</param>
    /// <param name="headings">Headings of the row and column labels (the column's null in a one-column category).</param>
    /// <param name="separator">Joins a row and a column label into a point's name (<c> -> </c>, <c> in </c>).</param>
    /// <param name="rows">Row labels, in table order.</param>
    /// <param name="columns">Column labels, in table order; empty for a one-column category (a list of sites).</param>
    /// <param name="inUniverse">Whether cell (row, column) should be reached; column is 0 in a one-column category.</param>
    public CoverageCategory(string key, string title, (string Row, string? Column) headings, string separator, IReadOnlyList<string> rows, IReadOnlyList<string> columns, Func<int, int, bool> inUniverse)
    {
        Check.That(rows.Count > 0 && inUniverse != null, Invariant, key, k => $"coverage category {k}: no rows");
        Key = key;
        Title = title;
        RowHeading = headings.Row;
        ColumnHeading = headings.Column;
        Separator = separator;
        Rows = rows;
        Columns = columns;
        _counts = new long[rows.Count * Width];
        _universe = new bool[_counts.Length];
        for (var i = 0; i < _counts.Length; i++)
        {
            _universe[i] = inUniverse!(i / Width, i % Width);
        }
    }

    public string Key { get; }

    public string Title { get; }

    public string RowHeading { get; }

    public string? ColumnHeading { get; }

    public string Separator { get; }

    public IReadOnlyList<string> Rows { get; }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Points in the universe.</summary>
    public int UniverseSize => _universe.Count(u => u);

    /// <summary>Points of the universe reached at least once.</summary>
    public int ReachedInUniverse => Enumerable.Range(0, _counts.Length).Count(i => _universe[i] && _counts[i] > 0);

    private int Width => Math.Max(1, Columns.Count);

    /// <summary>Counts cell (<paramref name="row"/>, <paramref name="column"/>).</summary>
    public void Hit(int row, int column = 0) => _counts[(row * Width) + column]++;

    /// <summary>Counts a point whose row label is not in the grid (a fault site added without being listed): shown, flagged.</summary>
    public void HitOutsideGrid(string row) => _outsideGrid[row] = _outsideGrid.GetValueOrDefault(row) + 1;

    /// <summary>The points outside the grid by name, with their counts (ordinal order).</summary>
    public IReadOnlyDictionary<string, long> OutsideGrid => _outsideGrid;

    /// <summary>
    /// Adds <paramref name="count"/> to the cell named <paramref name="name"/> (as <see cref="NameOf"/> names it: a
    /// coverage file read back); false when the grid has no such cell.
    /// </summary>
    public bool TryAdd(string name, long count)
    {
        // Built on first use only: counting during a run goes by index and never needs the names.
        _cellByName ??= Enumerable.Range(0, _counts.Length).ToDictionary(i => NameOf(CellAt(i)), i => i, StringComparer.Ordinal);
        if (!_cellByName.TryGetValue(name, out var index))
        {
            return false;
        }

        _counts[index] = checked(_counts[index] + count);
        return true;
    }

    /// <summary>Adds <paramref name="count"/> to the point <paramref name="row"/> outside the grid (a coverage file read back).</summary>
    public void AddOutsideGrid(string row, long count) => _outsideGrid[row] = checked(_outsideGrid.GetValueOrDefault(row) + count);

    /// <summary>Every cell of the grid, reached or not, in grid order (row-major).</summary>
    public IReadOnlyList<CoveragePoint> Cells() => Enumerable.Range(0, _counts.Length).Select(CellAt).ToArray();

    /// <summary>Adds <paramref name="other"/>'s counts (another seed of the same sweep, or a file) to these.</summary>
    /// <exception cref="OverflowException">A sum does not fit 64 bits (only files read back can hold such counts).</exception>
    public void Merge(CoverageCategory other)
    {
        Check.That(other.Key == Key && other._counts.Length == _counts.Length, Invariant, (Key, other.Key),
            k => $"coverage: cannot merge category {k.Item2} into {k.Item1}");
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] = checked(_counts[i] + other._counts[i]);
        }

        foreach (var (row, count) in other._outsideGrid)
        {
            _outsideGrid[row] = checked(_outsideGrid.GetValueOrDefault(row) + count);
        }
    }

    /// <summary>Every point reached, in grid order (row-major), then those outside the grid by name.</summary>
    public IReadOnlyList<CoveragePoint> Reached() =>
        Cells().Where(p => p.Count > 0).Concat(_outsideGrid.Select(o => new CoveragePoint(o.Key, null, o.Value, false))).ToArray();

    /// <summary>Every point of the universe never reached, in grid order.</summary>
    public IReadOnlyList<CoveragePoint> NeverReached() => Cells().Where(p => p.InUniverse && p.Count == 0).ToArray();

    /// <summary>The name of <paramref name="point"/>: its row, or row, separator and column.</summary>
    public string NameOf(CoveragePoint point) => point.Column == null ? point.Row : point.Row + Separator + point.Column;

    private CoveragePoint CellAt(int i) => new(Rows[i / Width], Columns.Count == 0 ? null : Columns[i % Width], _counts[i], _universe[i]);
}
