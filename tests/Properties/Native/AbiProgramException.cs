namespace Harness.Tests.Properties.Native;

/// <summary>The ABI program could not be built or run (the message says why and what to install).</summary>
internal sealed class AbiProgramException : Exception
{
    public AbiProgramException(string message)
        : base(message)
    {
    }
}
