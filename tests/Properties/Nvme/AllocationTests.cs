using Harness.Transport.Nvme;
using Harness.Tests.Properties.Support;

namespace Harness.Tests.Properties.Nvme;

/// <summary>The codecs do not allocate: encode + decode in a loop leaves the thread's allocated-bytes counter unchanged.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Encode_and_decode_do_not_allocate()
    {
        var buffer = new byte[4096];
        var connectData = new ConnectData { Cntlid = 0xFFFF, SubNqn = Nqn.FromString("nqn.sub"), HostNqn = Nqn.FromString("nqn.host") };
        var identify = new IdentifyControllerData { Cntlid = 1, SubNqn = Nqn.FromString("nqn.sub"), Ioccsz = 260 };
        var list = new SglDescriptor[SglDescriptor.MaxInCapsuleDescriptors];

        var checksum = Loop(buffer, connectData, identify, list, 100);
        var allocated = AllocationMeter.Least(() => checksum += Loop(buffer, connectData, identify, list, 2000));

        Assert.NotEqual(0UL, checksum);
        Assert.Equal(0, allocated);
    }

    private static ulong Loop(byte[] buffer, ConnectData connectData, IdentifyControllerData identify, SglDescriptor[] list, int iterations)
    {
        ulong sum = 0;
        Span<byte> wire = buffer;
        for (var i = 0; i < iterations; i++)
        {
            var sgl = SglDescriptor.Keyed((ulong)i << 12, (uint)i & 0xFFFFFF, (uint)i * 7);
            sgl.Encode(wire);
            SglDescriptor.TryDecode(wire, out var sglBack);
            sum += sglBack.Length;

            var rw = new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = (ushort)i, Nsid = 1, Dptr = sgl, Slba = (ulong)i, Nlb = 7 };
            rw.Encode(wire);
            NvmeCommand.TryDecode(wire, out var cmd);
            ReadWriteCommand.TryFrom(cmd, out var rwBack);
            sum += rwBack.Slba + cmd.Cid;

            var cpl = new NvmeCompletion { Cid = (ushort)i, Sqhd = 1, Status = NvmeStatus.DataSglLengthInvalid.WithDnr() };
            cpl.Encode(wire);
            NvmeCompletion.TryDecode(wire, out var cplBack);
            sum += cplBack.Status.ToStatusField();

            new ConnectCommand { Cid = (ushort)i, Qid = 1, Sqsize = 31, Dptr = SglDescriptor.InCapsule(0, 1024) }.Encode(wire);
            ConnectCommand.TryDecode(wire, out var connect);
            sum += connect.Sqsize;

            SglDescriptor.LastSegmentInCapsule(64, 2).Encode(wire);
            sgl.Encode(wire[64..]);
            sgl.Encode(wire[80..]);
            SglDescriptor.TryDecodeList(wire, SglDescriptor.Read(wire), list, out var count);
            sum += (ulong)count;

            new RdmaCmRequest { Qid = 1, Hrqsize = 32, Hsqsize = 31 }.Encode(wire);
            RdmaCmRequest.TryDecode(wire, out var request);
            sum += request.Hrqsize;

            connectData.Encode(wire);
            ConnectData.TryDecode(wire, out var dataBack);
            sum += dataBack.Cntlid;

            identify.Encode(wire);
            IdentifyControllerData.TryDecode(wire, out var identifyBack);
            sum += identifyBack.Ioccsz;
            sum += identifyBack.SubNqn.Matches("nqn.sub") ? 1UL : 0UL;
        }

        return sum;
    }
}
