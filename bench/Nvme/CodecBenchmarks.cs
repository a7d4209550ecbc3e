using BenchmarkDotNet.Attributes;
using Harness.Transport.Nvme;

namespace Harness.Bench.Nvme;

/// <summary>
/// (d) The wire format: encoding and decoding a 64-byte SQE (an NVM Read with a keyed SGL, plus its typed view), a
/// 16-byte CQE, a keyed SGL descriptor, and an in-capsule list of four keyed descriptors (the split-transfer case).
/// Every decoder is total (any bytes → a value or an NVMe status) and none may allocate.
/// </summary>
[MemoryDiagnoser]
[CpuTimeJob]
public class CodecBenchmarks
{
    private readonly byte[] _sqe = new byte[NvmeCommand.Size];
    private readonly byte[] _cqe = new byte[NvmeCompletion.Size];
    private readonly byte[] _sgl = new byte[SglDescriptor.Size];
    private readonly byte[] _list = new byte[4 * SglDescriptor.Size];
    private readonly SglDescriptor[] _decoded = new SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];
    private NvmeCommand _command;
    private NvmeCompletion _completion;
    private SglDescriptor _keyed;

    [GlobalSetup]
    public void Setup()
    {
        _keyed = SglDescriptor.Keyed(0x2000_0000_1000, 4096, 0x1234_5678);
        _command = new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 7, Nsid = 1, Slba = 0x1_0000, Nlb = 0, Dptr = _keyed }.ToCommand();
        _command.Encode(_sqe);
        _completion = new NvmeCompletion { Cid = 7, Sqid = 1, Sqhd = 3, Status = NvmeStatus.Success };
        _completion.Encode(_cqe);
        _keyed.Encode(_sgl);
        for (var i = 0; i < 4; i++)
        {
            SglDescriptor.Keyed(0x2000_0000_0000 + (ulong)(i * 8192), 8192, 0x42).Encode(_list.AsSpan(i * SglDescriptor.Size));
        }
    }

    [Benchmark]
    public void EncodeSqe() => _command.Encode(_sqe);

    [Benchmark]
    public ushort DecodeSqeAndView()
    {
        NvmeCommand.TryDecode(_sqe, out var cmd);
        ReadWriteCommand.TryFrom(cmd, out var view);
        return (ushort)(view.Nlb + cmd.Cid);
    }

    [Benchmark]
    public void EncodeCqe() => _completion.Encode(_cqe);

    [Benchmark]
    public ushort DecodeCqe()
    {
        NvmeCompletion.TryDecode(_cqe, out var cpl);
        return cpl.Cid;
    }

    [Benchmark]
    public void EncodeKeyedSgl() => _keyed.Encode(_sgl);

    [Benchmark]
    public uint DecodeKeyedSgl()
    {
        SglDescriptor.TryDecode(_sgl, out var sgl);
        return sgl.Length;
    }

    [Benchmark]
    public int DecodeInCapsuleSglList()
    {
        SglDescriptor.TryDecodeList(_list, SglDescriptor.LastSegmentInCapsule(0, 4), _decoded, out var count);
        return count;
    }
}
