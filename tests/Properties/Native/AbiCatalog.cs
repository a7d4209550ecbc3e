using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// Everything the C# side assumes about rdma-core's ABI, read by reflection: every struct marked
/// <see cref="NativeStructAttribute"/> (size and each <see cref="NativeFieldAttribute"/> field's offset and size, from
/// the FieldOffset constants and <see cref="Marshal.OffsetOf"/>), every <see cref="NativeConstantAttribute"/> constant,
/// every member of the abstraction's rdma-core enums, and every <see cref="Errno"/> value. Nothing is listed by hand, so
/// a field added to an interop struct is checked without touching the test.
/// </summary>
internal static class AbiCatalog
{
    /// <summary>The abstraction's enums that mirror C enums, with the C enumerator prefix.</summary>
    public static readonly (Type Type, string Prefix)[] Enums =
    {
        (typeof(WcStatus), "IBV_WC_"), (typeof(WcOpcode), "IBV_WC_"), (typeof(WcFlags), "IBV_WC_"), (typeof(WrOpcode), "IBV_WR_"),
        (typeof(SendFlags), "IBV_SEND_"), (typeof(AccessFlags), "IBV_ACCESS_"), (typeof(QpState), "IBV_QPS_"),
        (typeof(QpAttrMask), "IBV_QP_"), (typeof(QpType), "IBV_QPT_"), (typeof(Mtu), "IBV_MTU_"), (typeof(PortState), "IBV_PORT_"),
        (typeof(AsyncEventType), "IBV_EVENT_"), (typeof(CmEventType), "RDMA_CM_EVENT_"), (typeof(PortSpace), "RDMA_PS_"),
    };

    public static IReadOnlyList<StructLayoutInfo> Structs { get; } = typeof(NativeRdmaStack).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<NativeStructAttribute>() != null)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(Describe)
        .ToList();

    /// <summary>C expression → C# value, for interop constants, enum members and errno values; the owner names the C# side.</summary>
    public static IReadOnlyList<ConstantInfo> Constants { get; } = InteropConstants().Concat(EnumMembers()).Concat(ErrnoValues()).ToList();

    /// <summary>The C enumerator a C# enum member mirrors: prefix + UPPER_SNAKE of the member name.</summary>
    public static string CName(Type enumType, string member, string prefix) => (enumType.Name, member) switch
    {
        (nameof(AccessFlags), nameof(AccessFlags.HugeTlb)) => "IBV_ACCESS_HUGETLB",
        (nameof(Mtu), _) => prefix + member["Mtu".Length..],
        _ => prefix + Snake(member),
    };

    /// <summary><c>RnrRetryExcErr</c> → <c>RNR_RETRY_EXC_ERR</c> (a digit does not start a word: <c>Driver1</c> → <c>DRIVER1</c>).</summary>
    public static string Snake(string pascal)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])))
            {
                sb.Append('_');
            }

            sb.Append(char.ToUpperInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    private static StructLayoutInfo Describe(Type t)
    {
        var attr = t.GetCustomAttribute<NativeStructAttribute>()!;
        var fields = t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => f.GetCustomAttribute<NativeFieldAttribute>() != null)
            .Select(f => new FieldLayoutInfo(
                f.Name,
                f.GetCustomAttribute<NativeFieldAttribute>()!.CMember,
                f.GetCustomAttribute<FieldOffsetAttribute>()?.Value ?? -1,
                MarshalOffset(t, f),
                FieldSize(f)))
            .OrderBy(f => f.FieldOffset)
            .ToList();
        return new StructLayoutInfo(t, attr.CType, attr.CheckSize, SizeOf(t), fields);
    }

    private static int? MarshalOffset(Type t, FieldInfo f)
    {
        try
        {
            return (int)Marshal.OffsetOf(t, f.Name);
        }
        catch (ArgumentException)
        {
            return null; // a layout Marshal refuses (e.g. function pointers): the FieldOffset constant still counts
        }
    }

    private static int FieldSize(FieldInfo f)
    {
        var fixedBuffer = f.GetCustomAttribute<FixedBufferAttribute>();
        return fixedBuffer != null ? fixedBuffer.Length * SizeOf(fixedBuffer.ElementType) : SizeOf(f.FieldType);
    }

    private static int SizeOf(Type t)
    {
        if (t.IsPointer || t.IsFunctionPointer || t.IsUnmanagedFunctionPointer || t == typeof(nint) || t == typeof(nuint))
        {
            return IntPtr.Size;
        }

        if (t.IsEnum)
        {
            return SizeOf(Enum.GetUnderlyingType(t));
        }

        return (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;
    }

    private static IEnumerable<ConstantInfo> InteropConstants() =>
        from t in typeof(NativeRdmaStack).Assembly.GetTypes()
        from f in t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        let a = f.GetCustomAttribute<NativeConstantAttribute>()
        where a != null && f.IsLiteral
        select new ConstantInfo($"{t.Name}.{f.Name}", a.CExpression, Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture));

    private static IEnumerable<ConstantInfo> EnumMembers() =>
        from e in Enums
        from name in Enum.GetNames(e.Type)
        let value = Convert.ToInt64(Enum.Parse(e.Type, name), System.Globalization.CultureInfo.InvariantCulture)
        where !(value == 0 && name == "None")
        select new ConstantInfo($"{e.Type.Name}.{name}", CName(e.Type, name, e.Prefix), value);

    private static IEnumerable<ConstantInfo> ErrnoValues() =>
        from f in typeof(Errno).GetFields(BindingFlags.Public | BindingFlags.Static)
        where f.IsLiteral && f.Name != nameof(Errno.Ok)
        select new ConstantInfo($"Errno.{f.Name}", f.Name, (int)f.GetRawConstantValue()!);
}
