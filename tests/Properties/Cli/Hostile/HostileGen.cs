using FsCheck;
using FsCheck.Fluent;

namespace Harness.Tests.Properties.Cli.Hostile;

/// <summary>FsCheck generators of <see cref="HostileCase"/>s.</summary>
internal static class HostileGen
{
    /// <summary>Option choices a case carries (see <see cref="HostileCase"/>).</summary>
    public const int ChoicesPerCase = 12;

    public static Gen<FileMutation> Mutation { get; } =
        from kind in Gen.Frequency(
            (12, Gen.Constant(FileMutationKind.None)),
            (2, Gen.Constant(FileMutationKind.Truncate)),
            (2, Gen.Constant(FileMutationKind.FlipByte)),
            (3, Gen.Constant(FileMutationKind.InvalidUtf8)),
            (4, Gen.Constant(FileMutationKind.HostileNumber)),
            (3, Gen.Constant(FileMutationKind.DuplicateKey)),
            (2, Gen.Constant(FileMutationKind.JunkLine)),
            (2, Gen.Constant(FileMutationKind.EscapedControl)),
            (1, Gen.Constant(FileMutationKind.RandomBytes)),
            (1, Gen.Constant(FileMutationKind.Empty)),
            (1, Gen.Constant(FileMutationKind.Directory)),
            (1, Gen.Constant(FileMutationKind.Missing)))
        from at in Gen.Choose(0, int.MaxValue - 1)
        from what in Gen.Choose(0, 4095)
        select new FileMutation(kind, at, what);

    public static Gen<HostileCase> Cases { get; } =
        from command in Gen.Elements(Enum.GetValues<HostileCommand>())
        from sample in Gen.Choose(0, 1000)
        from input in Mutation
        from extra in Mutation
        from output in Gen.Frequency(
            (8, Gen.Constant(OutputKind.Fresh)),
            (1, Gen.Constant(OutputKind.Existing)),
            (1, Gen.Constant(OutputKind.MissingFolder)),
            (1, Gen.Constant(OutputKind.Unwritable)),
            (1, Gen.Constant(OutputKind.IsFolder)),
            (1, Gen.Constant(OutputKind.Empty)))
        from choices in Gen.ArrayOf(Gen.Choose(0, 1000), ChoicesPerCase)
        select new HostileCase(command, sample, input, extra, output, choices);
}
