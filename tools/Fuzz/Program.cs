using Harness.Sim.Core;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Target;
using SharpFuzz;

namespace Harness.Fuzz;

/// <summary>
/// SharpFuzz entry point: each input is a stream of capsules sent by one host to a live target on the simulated
/// fabric (2-byte little-endian length, then that many bytes, repeated). A crash is any exception escaping the target
/// or any broken invariant. Well-formed-or-not, every capsule must get an NVMe answer or cost only its connection.
/// </summary>
public static class Program
{
    /// <summary>Capsules per input, and bytes per capsule, at most.</summary>
    public const int CapsulesMax = 64;

    public static void Main(string[] args)
    {
        if (args.Length == 1)
        {
            RunOne(File.ReadAllBytes(args[0])); // reproduce one input
            return;
        }

        Fuzzer.LibFuzzer.Run(span => RunOne(span.ToArray()));
    }

    private static void RunOne(byte[] input)
    {
        using var bed = new TargetBed(new TargetOptions { NumSharedBuffers = 64, IoUnitSize = 4096, MaxSendSge = 2, MaxIoSize = 65536 },
            new SimOptions { Seed = 1 });
        var host = bed.AddHost("fuzz", 16, slotBytes: 65536);
        bed.Connect(host, qid: 1);
        var offset = 0;
        for (var i = 0; i < CapsulesMax && offset + 2 <= input.Length; i++)
        {
            var length = Math.Min(input[offset] | (input[offset + 1] << 8), Math.Min(RawHost.CapsuleBytesMax, input.Length - offset - 2));
            host.SendCapsule(i % host.Depth, input.AsSpan(offset + 2, Math.Max(length, 0)));
            offset += 2 + length;
        }

        bed.RunFor(1_000_000_000); // an exception or InvariantViolationException here is the finding
        host.PollCq();
        host.PollCm();
    }
}
