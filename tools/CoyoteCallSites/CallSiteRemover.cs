using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Harness.Tools.CoyoteCallSites;

/// <summary>
/// Removes the call-site registrations Coyote's rewriter puts at the top of every method (<c>ldstr "name"; call
/// Operation.RegisterCallSite(string)</c>) from a rewritten assembly, in place, and marks it
/// (<see cref="MarkerKey"/>). Coyote 1.7.11 appends each call's name to a list kept per controlled operation, with
/// no way to turn it off: in the harness that list grew by hundreds of thousands of entries per schedule (tens of MB,
/// most of a schedule's time). It only feeds Coyote's trace analysis (its execution graph), which the tests switch
/// off, and a program-state hash no strategy the tests use reads. Scheduling points, controlled locks, tasks and
/// the rewriting signature are untouched. It also refuses an assembly whose field accesses and branches were rewritten
/// (<c>SchedulingPoint.InterleaveMemoryAccess</c> / <c>InterleaveControlFlow</c> before each): the tests never enable
/// those race checks, and the hooks cost a tenth of a schedule (tests/Systematic/CoyoteRewrite.targets turns them off).
/// </summary>
public static class CallSiteRemover
{
    /// <summary>The <see cref="System.Reflection.AssemblyMetadataAttribute"/> key that marks a processed assembly.</summary>
    public const string MarkerKey = "CoyoteCallSitesRemoved";

    private const string RegisterCallSite = "RegisterCallSite";
    private const string OperationType = "Microsoft.Coyote.Runtime.Operation";
    private const string SchedulingPointType = "Microsoft.Coyote.Runtime.SchedulingPoint";

    /// <summary>Removes the registrations from <paramref name="path"/> (rewritten in place, with its PDB); returns how many.</summary>
    public static int Remove(string path)
    {
        var pdb = Path.ChangeExtension(path, ".pdb");
        var symbols = File.Exists(pdb);
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var removed = 0;
        var temp = path + ".call-sites.tmp";
        using (var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { ReadSymbols = symbols, AssemblyResolver = resolver }))
        {
            foreach (var method in assembly.MainModule.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
            {
                removed += RemoveFrom(method.Body);
            }

            Mark(assembly, removed);
            assembly.Write(temp, new WriterParameters { WriteSymbols = symbols });
        }

        File.Move(temp, path, overwrite: true);
        if (symbols)
        {
            File.Move(Path.ChangeExtension(temp, ".pdb"), pdb, overwrite: true);
        }

        return removed;
    }

    private static int RemoveFrom(MethodBody body)
    {
        var removed = 0;
        var instructions = body.Instructions;
        for (var i = 1; i < instructions.Count; i++)
        {
            if (IsMemoryLocationHook(instructions[i]))
            {
                throw new InvalidOperationException(
                    $"{body.Method.FullName}: Coyote rewrote its field accesses or branches; rewrite with \"IsRewritingMemoryLocations\": false");
            }

            if (IsRegistration(instructions[i]) && instructions[i - 1].OpCode == OpCodes.Ldstr)
            {
                // Both become nops rather than disappearing: branch targets and sequence points stay valid.
                instructions[i - 1].OpCode = OpCodes.Nop;
                instructions[i - 1].Operand = null;
                instructions[i].OpCode = OpCodes.Nop;
                instructions[i].Operand = null;
                removed++;
            }
        }

        return removed;
    }

    private static bool IsRegistration(Instruction instruction) =>
        instruction.OpCode == OpCodes.Call &&
        instruction.Operand is MethodReference { Name: RegisterCallSite } method &&
        method.DeclaringType.FullName == OperationType;

    private static bool IsMemoryLocationHook(Instruction instruction) =>
        instruction.OpCode == OpCodes.Call &&
        instruction.Operand is MethodReference { Name: "InterleaveMemoryAccess" or "InterleaveControlFlow" } method &&
        method.DeclaringType.FullName == SchedulingPointType;

    private static void Mark(AssemblyDefinition assembly, int removed)
    {
        var module = assembly.MainModule;
        var existing = assembly.CustomAttributes.FirstOrDefault(a =>
            a.AttributeType.FullName == typeof(System.Reflection.AssemblyMetadataAttribute).FullName &&
            a.ConstructorArguments.Count == 2 && (string)a.ConstructorArguments[0].Value == MarkerKey);
        if (existing != null)
        {
            return; // processed before (the rewrite step runs after every build; a fresh copy has no marker)
        }

        var ctor = module.ImportReference(typeof(System.Reflection.AssemblyMetadataAttribute).GetConstructor([typeof(string), typeof(string)]));
        var attribute = new CustomAttribute(ctor);
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, MarkerKey));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, removed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        assembly.CustomAttributes.Add(attribute);
    }
}
