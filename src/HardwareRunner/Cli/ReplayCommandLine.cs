using System.CommandLine;
using Harness.Transport.Target;

namespace Harness.HardwareRunner.Cli;

/// <summary>The options of <c>harness replay</c> (DESIGN.md "The harness command").</summary>
internal sealed class ReplayCommandLine
{
    private readonly Argument<string> _path = new("PATH") { Description = "A scenario file, or a folder whose *.json scenarios run as a regression suite." };

    private readonly Option<string[]> _defect = new("--defect")
    {
        HelpName = "NAME",
        Description = $"Switch on a known defect on top of the scenario's own (repeatable): {string.Join(", ", KnownDefectNames.All)}.",
    };

    private readonly Option<string> _trace = new("--trace") { HelpName = "FILE", Description = "Write the trace as JSON lines to FILE (one scenario file only)." };

    private readonly Option<string> _pcap = new("--pcap")
    {
        HelpName = "FILE",
        Description = "Write the simulated fabric's traffic to FILE as a pcap of RoCEv2 frames that Wireshark decodes as NVMe-oF (one scenario file only; not for initial-state scenarios).",
    };

    /// <summary>The <c>replay</c> command, whose action runs <see cref="ReplayCommand.Execute"/>.</summary>
    public Command Build(TextWriter stdout, TextWriter stderr)
    {
        var replay = new Command("replay", "Replay a scenario file (or a folder of them) exactly; exit 0 when every scenario's expectation (must-pass, must-detect: <invariant>) is met, 1 when not, 2 when a file is bad (each bad file is named; the valid ones still run).")
        {
            _path, _defect, _trace, _pcap,
        };
        _defect.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? Array.Empty<string>())
            {
                if (!KnownDefectNames.TryParse(name, out _))
                {
                    result.AddError(KnownDefectNames.Unknown(name));
                }
            }
        });
        replay.SetAction(parse => ReplayCommand.Execute(parse.GetValue(_path)!, parse.GetValue(_defect) ?? Array.Empty<string>(), parse.GetValue(_trace), parse.GetValue(_pcap), stdout, stderr));
        return replay;
    }
}
