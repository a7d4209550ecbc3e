using Harness.HardwareRunner;

try
{
    return HarnessProgram.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    // The last resort: HarnessProgram.Run lets nothing escape by design (the hostile-input property holds it to that),
    // so this is a bug in the harness. The user gets one sentence and the exit code of a failed run; the developer
    // gets the stack in a file, not on the user's terminal.
    return InternalError.Report(e, args, Console.Error);
}
