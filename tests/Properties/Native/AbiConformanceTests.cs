using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// The native backend's C# layouts and constants against the installed rdma-core headers (issue 7, item 2): one C
/// program, generated from the C# side's own attributes and enums, compiled once with gcc. Every struct size, field
/// offset and size, ops-table offset, enum value and errno the C# side relies on is compared; a mismatch names the C
/// struct/field/constant, the C# name and both numbers. Without gcc or the headers the tests fail (never skip): CI runs
/// tools/test.sh, which installs them.
/// </summary>
public sealed class AbiConformanceTests
{
    public static TheoryData<string> StructNames()
    {
        var data = new TheoryData<string>();
        foreach (var s in AbiCatalog.Structs)
        {
            data.Add(s.CType);
        }

        return data;
    }

    public static TheoryData<string> EnumNames()
    {
        var data = new TheoryData<string>();
        foreach (var (type, _) in AbiCatalog.Enums)
        {
            data.Add(type.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StructNames))]
    public void Struct_layout_matches_the_header(string cType)
    {
        var abi = AbiProgram.Instance;
        var s = AbiCatalog.Structs.Single(x => x.CType == cType);
        var problems = new List<string>();
        var cSize = abi.Value(AbiProgram.SizeKey(cType));
        if (s.CheckSize && cSize != s.ClrSize)
        {
            problems.Add($"sizeof({cType}) is {cSize} in C, {s.ClrSize} in C# ({s.ClrType.Name})");
        }

        foreach (var f in s.Fields)
        {
            var offset = abi.Value(AbiProgram.FieldKey(cType, f.CMember));
            var size = abi.Value(AbiProgram.FieldSizeKey(cType, f.CMember));
            if (offset != f.FieldOffset)
            {
                problems.Add($"offsetof({cType}, {f.CMember}) is {offset} in C, FieldOffset {f.FieldOffset} in C# ({s.ClrType.Name}.{f.ClrName})");
            }

            if (f.MarshalOffset is int m && m != offset)
            {
                problems.Add($"offsetof({cType}, {f.CMember}) is {offset} in C, Marshal.OffsetOf gives {m} ({s.ClrType.Name}.{f.ClrName})");
            }

            if (size != f.Size)
            {
                problems.Add($"sizeof({cType}.{f.CMember}) is {size} in C, {f.Size} in C# ({s.ClrType.Name}.{f.ClrName})");
            }

            if (s.CheckSize && f.FieldOffset + f.Size > s.ClrSize)
            {
                problems.Add($"{s.ClrType.Name}.{f.ClrName} ends at {f.FieldOffset + f.Size}, past the struct's {s.ClrSize} bytes");
            }
        }

        Assert.True(problems.Count == 0, $"{cType} does not match rdma-core's header:\n  " + string.Join("\n  ", problems));
    }

    [Theory]
    [MemberData(nameof(EnumNames))]
    public void Enum_values_match_the_header(string enumName)
    {
        var abi = AbiProgram.Instance;
        var problems = AbiCatalog.Constants
            .Where(k => k.Owner.StartsWith(enumName + ".", StringComparison.Ordinal))
            .Select(k => (k, c: abi.Value(AbiProgram.ConstantKey(k.CExpression))))
            .Where(x => x.c != x.k.Value)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.k.CExpression} is {x.c} in C, {x.k.Owner} is {x.k.Value} in C#"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Interop_constants_and_errno_values_match_the_headers()
    {
        var abi = AbiProgram.Instance;
        var problems = AbiCatalog.Constants
            .Where(k => !AbiCatalog.Enums.Any(e => k.Owner.StartsWith(e.Type.Name + ".", StringComparison.Ordinal)))
            .Select(k => (k, c: abi.Value(AbiProgram.ConstantKey(k.CExpression))))
            .Where(x => x.c != x.k.Value)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.k.CExpression} is {x.c} in C, {x.k.Owner} is {x.k.Value} in C#"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// The inline data-path verbs call through these five ops-table slots; the backend does the same, so they are pinned
    /// explicitly (also by the <c>struct ibv_context</c> layout case) and compared with dotnet-stack.md's note.
    /// </summary>
    [Fact]
    public void Ops_table_offsets_used_by_the_inline_verbs_are_pinned()
    {
        var abi = AbiProgram.Instance;
        var ctx = AbiCatalog.Structs.Single(s => s.CType == "struct ibv_context");
        foreach (var slot in new[] { "poll_cq", "req_notify_cq", "post_srq_recv", "post_send", "post_recv" })
        {
            var field = ctx.Fields.SingleOrDefault(f => f.CMember == "ops." + slot);
            Assert.True(field != null, $"IbvContext has no field for ops.{slot}");
            Assert.Equal(abi.Value(AbiProgram.FieldKey("struct ibv_context", "ops." + slot)), field!.FieldOffset);
            Assert.Equal(IntPtr.Size, field.Size);
        }
    }

    /// <summary>The catalog's C names agree with the names the abstraction prints (so logs and the header say the same).</summary>
    [Fact]
    public void Derived_c_names_agree_with_the_abstractions_own_names()
    {
        foreach (var s in Enum.GetValues<WcStatus>())
        {
            Assert.Equal(s.ToIbvName(), AbiCatalog.CName(typeof(WcStatus), s.ToString(), "IBV_WC_"));
        }

        foreach (var e in Enum.GetValues<AsyncEventType>())
        {
            Assert.Equal("IBV_EVENT_" + e.ToName(), AbiCatalog.CName(typeof(AsyncEventType), e.ToString(), "IBV_EVENT_"));
        }

        foreach (var e in Enum.GetValues<CmEventType>())
        {
            Assert.Equal(e.ToVerbsString(), AbiCatalog.CName(typeof(CmEventType), e.ToString(), "RDMA_CM_EVENT_"));
        }

        foreach (var q in Enum.GetValues<QpState>())
        {
            Assert.Equal("IBV_QPS_" + q.ToName(), AbiCatalog.CName(typeof(QpState), q.ToString(), "IBV_QPS_"));
        }

        foreach (var op in Enum.GetValues<WrOpcode>())
        {
            Assert.Equal("IBV_WR_" + op.ToName(), AbiCatalog.CName(typeof(WrOpcode), op.ToString(), "IBV_WR_"));
        }

        foreach (var op in Enum.GetValues<WcOpcode>())
        {
            Assert.Equal("IBV_WC_" + op.ToName(), AbiCatalog.CName(typeof(WcOpcode), op.ToString(), "IBV_WC_"));
        }
    }

    /// <summary>The catalog is not empty by accident (a refactor that drops the attributes would check nothing).</summary>
    [Fact]
    public void Catalog_covers_the_structs_the_backend_uses()
    {
        var names = AbiCatalog.Structs.Select(s => s.CType).ToHashSet();
        foreach (var required in new[]
        {
            "struct ibv_wc", "struct ibv_send_wr", "struct ibv_recv_wr", "struct ibv_sge", "struct ibv_qp_attr", "struct ibv_qp_init_attr",
            "struct ibv_qp_cap", "struct ibv_ah_attr", "struct ibv_global_route", "struct ibv_device_attr", "struct ibv_port_attr",
            "struct ibv_async_event", "struct ibv_context", "struct ibv_srq_init_attr", "struct rdma_cm_event", "struct rdma_conn_param",
            "struct rdma_cm_id", "struct ibv_qp", "struct ibv_cq", "struct ibv_mr", "union ibv_gid", "struct sockaddr_in6",
        })
        {
            Assert.Contains(required, names);
        }

        var send = AbiCatalog.Structs.Single(s => s.CType == "struct ibv_send_wr").Fields.Select(f => f.CMember).ToList();
        Assert.Contains("wr.rdma.remote_addr", send);
        Assert.Contains("wr.rdma.rkey", send);
        Assert.Contains("imm_data", send);
        Assert.Contains("invalidate_rkey", send);
        var cmId = AbiCatalog.Structs.Single(s => s.CType == "struct rdma_cm_id").Fields.Select(f => f.CMember).ToList();
        Assert.Contains("verbs", cmId);
        Assert.Contains("channel", cmId);
        Assert.Contains("context", cmId);
        Assert.Contains("qp", cmId);
        Assert.Contains("event", cmId);
    }

    /// <summary>
    /// Nothing the backend hands to rdma-core escapes the check: every struct of the interop namespace (including those the
    /// executor and session code added) is catalogued, and every field of a catalogued struct is tied to its C member.
    /// </summary>
    [Fact]
    public void Every_interop_struct_and_every_field_of_it_is_checked_against_the_header()
    {
        var interop = typeof(NativeRdmaStack).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(IbvWc).Namespace && t.IsValueType && !t.IsEnum && !t.IsNested)
            .ToList();
        Assert.NotEmpty(interop);
        var unmarked = interop.Where(t => t.GetCustomAttribute<NativeStructAttribute>() == null).Select(t => t.Name).ToList();
        Assert.True(unmarked.Count == 0, $"interop structs without [NativeStruct] (not checked against the headers): {string.Join(", ", unmarked)}");
        var unmapped = interop
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .Where(f => f.GetCustomAttribute<NativeFieldAttribute>() == null && !IsWholeStructView(t, f))
                .Select(f => $"{t.Name}.{f.Name}"))
            .ToList();
        Assert.True(unmapped.Count == 0, $"interop fields without [NativeField] (offset not checked): {string.Join(", ", unmapped)}");
        Assert.Equal(interop.Count, AbiCatalog.Structs.Count);
    }

    /// <summary>A raw byte view over the whole struct (offset 0, the struct's size, which the size check pins): no C member to tie it to.</summary>
    private static bool IsWholeStructView(Type t, FieldInfo f) =>
        f.GetCustomAttribute<FixedBufferAttribute>() is { ElementType: var e, Length: var n }
        && e == typeof(byte)
        && f.GetCustomAttribute<System.Runtime.InteropServices.FieldOffsetAttribute>()?.Value == 0
        && t.GetCustomAttribute<NativeStructAttribute>() is { CheckSize: true }
        && n == System.Runtime.InteropServices.Marshal.SizeOf(t);
}
