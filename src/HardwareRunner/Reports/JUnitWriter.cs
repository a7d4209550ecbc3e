using System.Globalization;
using System.Text;
using System.Xml;
using Harness.Sim.Files;

namespace Harness.HardwareRunner.Reports;

/// <summary>
/// Writes a <see cref="JUnitReport"/> as JUnit XML (the de-facto schema of Ant/Maven Surefire that CI systems parse):
/// <c>testsuites</c> → <c>testsuite</c> (tests, failures, errors, skipped, time, properties) → <c>testcase</c>
/// (classname, name, time; <c>failure</c>/<c>error</c>/<c>skipped</c>; <c>system-out</c>). Characters XML 1.0 cannot hold
/// are replaced, so any output of a run can go in. Deterministic for a given report; the file is written through
/// <see cref="OutputFile"/> (whole or not at all; <c>/dev/null</c> or a pipe in place).
/// </summary>
public static class JUnitWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/> (whole file or nothing).</summary>
    public static void WriteFile(JUnitReport report, string path) => OutputFile.Write(path, s => Write(report, s));

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(JUnitReport report, Stream output)
    {
        using var w = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        w.WriteStartDocument();
        w.WriteStartElement("testsuites");
        w.WriteAttributeString("name", Clean(report.Name));
        var cases = report.Suites.SelectMany(s => s.Cases).ToList();
        Counts(w, cases, TimeSpan.FromTicks(report.Suites.Sum(s => s.Time.Ticks)));
        foreach (var suite in report.Suites)
        {
            Suite(w, suite);
        }

        w.WriteEndElement();
        w.WriteEndDocument();
    }

    private static void Suite(XmlWriter w, JUnitSuite suite)
    {
        w.WriteStartElement("testsuite");
        w.WriteAttributeString("name", Clean(suite.Name));
        Counts(w, suite.Cases, suite.Time);
        if (suite.Properties.Count > 0)
        {
            w.WriteStartElement("properties");
            foreach (var (name, value) in suite.Properties)
            {
                w.WriteStartElement("property");
                w.WriteAttributeString("name", Clean(name));
                w.WriteAttributeString("value", Clean(value));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        foreach (var c in suite.Cases)
        {
            Case(w, c);
        }

        w.WriteEndElement();
    }

    private static void Case(XmlWriter w, JUnitCase c)
    {
        w.WriteStartElement("testcase");
        w.WriteAttributeString("classname", Clean(c.ClassName));
        w.WriteAttributeString("name", Clean(c.Name));
        w.WriteAttributeString("time", Seconds(c.Time));
        var element = c.Outcome switch
        {
            JUnitOutcome.Failed => "failure",
            JUnitOutcome.Error => "error",
            JUnitOutcome.Skipped => "skipped",
            _ => null,
        };
        if (element != null)
        {
            w.WriteStartElement(element);
            if (c.Message != null)
            {
                w.WriteAttributeString("message", Clean(c.Message));
            }

            if (c.FailureType != null && c.Outcome != JUnitOutcome.Skipped)
            {
                w.WriteAttributeString("type", Clean(c.FailureType));
            }

            if (c.Details != null)
            {
                w.WriteString(Clean(c.Details));
            }

            w.WriteEndElement();
        }

        if (c.SystemOut != null)
        {
            w.WriteElementString("system-out", Clean(c.SystemOut));
        }

        w.WriteEndElement();
    }

    private static void Counts(XmlWriter w, IReadOnlyCollection<JUnitCase> cases, TimeSpan time)
    {
        w.WriteAttributeString("tests", cases.Count.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("failures", cases.Count(c => c.Outcome == JUnitOutcome.Failed).ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("errors", cases.Count(c => c.Outcome == JUnitOutcome.Error).ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("skipped", cases.Count(c => c.Outcome == JUnitOutcome.Skipped).ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("time", Seconds(time));
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Replaces characters XML 1.0 cannot carry (control characters, lone surrogates) with U+FFFD.</summary>
    public static string Clean(string text)
    {
        var sb = (StringBuilder?)null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = XmlConvert.IsXmlChar(c) || (char.IsHighSurrogate(c) && i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c));
            if (!ok)
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append('\uFFFD');
                continue;
            }

            if (char.IsHighSurrogate(c))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            sb?.Append(c);
        }

        return sb?.ToString() ?? text;
    }
}
