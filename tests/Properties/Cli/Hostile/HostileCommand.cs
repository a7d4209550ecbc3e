namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>Which subcommand a hostile case drives.</summary>
internal enum HostileCommand
{
    Replay,
    ReplayFolder,
    ImportLog,
    ImportCore,
    Render,
    Run,
    Sweep,
    CoverageMerge,
    Bare,
}
