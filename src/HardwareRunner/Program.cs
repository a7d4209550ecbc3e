using Harness.HardwareRunner;

return HarnessProgram.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
