using System.Globalization;
using Harness.Sim.Coverage;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Harness.HardwareRunner.Sweep;

/// <summary>
/// <c>harness sweep --coverage</c>'s report: per category a heading with how much of its universe was reached, a
/// Markdown table of the points reached (grid order, with counts) and the explicit list of those never reached. Plain
/// text of a fixed width, no colour, so the same seeds print the same bytes on a terminal, in a file or in CI.
/// </summary>
public static class CoverageTable
{
    /// <summary>Columns the tables are laid out in (wide enough that no cell wraps).</summary>
    public const int Width = 200;

    /// <summary>The whole report of <paramref name="map"/> as text.</summary>
    public static string Render(CoverageMap map)
    {
        var inv = CultureInfo.InvariantCulture;
        using var text = new StringWriter(inv) { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = Width;
        var reached = map.Categories.Sum(c => c.ReachedInUniverse);
        var universe = map.Categories.Sum(c => c.UniverseSize);
        text.WriteLine(string.Create(inv, $"coverage: {map.Runs} run(s); {reached} of {universe} points reached"));
        foreach (var category in map.Categories)
        {
            Section(console, text, category);
        }

        // Spectre pads the lines around a table to the table's width: trailing blanks only make diffs noisy.
        return string.Join('\n', text.ToString().Split('\n').Select(l => l.TrimEnd()));
    }

    private static void Section(IAnsiConsole console, StringWriter text, CoverageCategory c)
    {
        var inv = CultureInfo.InvariantCulture;
        var never = c.NeverReached();
        text.WriteLine();
        text.WriteLine(string.Create(inv, $"## {c.Title}: {c.ReachedInUniverse} of {c.UniverseSize} reached"));
        var reached = c.Reached();
        if (reached.Count > 0)
        {
            console.Write(Table(c, reached));
        }

        text.WriteLine(string.Create(inv, $"never reached ({never.Count}){(never.Count == 0 ? ": none" : ":")}"));
        foreach (var p in never)
        {
            text.WriteLine("  " + c.NameOf(p));
        }
    }

    private static Table Table(CoverageCategory c, IReadOnlyList<CoveragePoint> reached)
    {
        var table = new Table { Border = TableBorder.Markdown };
        table.AddColumn(c.RowHeading);
        if (c.ColumnHeading != null)
        {
            table.AddColumn(c.ColumnHeading);
        }

        table.AddColumn(new TableColumn("count").RightAligned());
        foreach (var p in reached)
        {
            var cells = new List<IRenderable> { new Text(p.Row) };
            if (c.ColumnHeading != null)
            {
                cells.Add(new Text(p.Column ?? string.Empty));
            }

            // A point outside the universe is a universe that is too small (or a site not listed): say so in the row.
            cells.Add(new Text(p.Count.ToString(CultureInfo.InvariantCulture) + (p.InUniverse ? string.Empty : " (not in universe)")));
            table.AddRow(cells);
        }

        return table;
    }
}
