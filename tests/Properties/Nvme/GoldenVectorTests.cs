using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>Hand-built byte images checked field by field against the spec layout (offsets as in SPDK's nvme_spec.h / nvmf_spec.h).</summary>
public sealed class GoldenVectorTests
{
    [Fact]
    public void Keyed_sgl_encodes_to_the_exact_16_bytes()
    {
        var wire = new byte[16];
        SglDescriptor.Keyed(0x1122334455667788, 0x123456, 0xAABBCCDD).Encode(wire);
        Assert.Equal(
            new byte[] { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x56, 0x34, 0x12, 0xDD, 0xCC, 0xBB, 0xAA, 0x40 },
            wire);

        SglDescriptor.Keyed(0x1122334455667788, 0x123456, 0xAABBCCDD, invalidateKey: true).Encode(wire);
        Assert.Equal(0x4F, wire[15]);
    }

    [Fact]
    public void In_capsule_data_block_and_last_segment_encode_to_the_exact_bytes()
    {
        var wire = new byte[16];
        SglDescriptor.InCapsule(0, 0x1000).Encode(wire);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0x01 }, wire);

        SglDescriptor.LastSegmentInCapsule(0x20, 3).Encode(wire);
        Assert.Equal(new byte[] { 0x20, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x00, 0x00, 0x00, 0, 0, 0, 0x31 }, wire);
    }

    [Fact]
    public void Cqe_with_sct_0_sc_1_dnr_has_status_word_0x8002()
    {
        var cpl = new NvmeCompletion { Cid = 0x1234, Sqid = 1, Sqhd = 4, Status = NvmeStatus.InvalidOpcode.WithDnr() };
        Assert.Equal(0x8002, cpl.Status.ToStatusField());
        var wire = new byte[16];
        cpl.Encode(wire);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x00, 0x01, 0x00, 0x34, 0x12, 0x02, 0x80 }, wire);
        Assert.Equal("INVALID OPCODE (00/01) qid:1 cid:4660 cdw0:00000000 sqhd:0004 p:0 m:0 dnr:1", cpl.ToString());

        var parsed = NvmeStatus.FromStatusField(0x8002 | 1);
        Assert.Equal(NvmeStatusCodeType.Generic, parsed.Sct);
        Assert.Equal(1, parsed.Sc);
        Assert.True(parsed.Dnr);
        Assert.False(parsed.More);
    }

    [Fact]
    public void Status_field_bit_positions()
    {
        Assert.Equal(0x0200 | (0x82 << 1), NvmeStatus.ConnectInvalidParameters.ToStatusField());
        Assert.Equal(0x4000, new NvmeStatus(NvmeStatusCodeType.Generic, 0, more: true).ToStatusField());
        Assert.Equal(0x3000, new NvmeStatus(NvmeStatusCodeType.Generic, 0, crd: 3).ToStatusField());
        Assert.Equal(0x0E00, new NvmeStatus(NvmeStatusCodeType.VendorSpecific, 0).ToStatusField());
        Assert.Equal(0x0001, NvmeStatus.Success.ToStatusField(phase: true));
    }

    [Fact]
    public void Connect_command_layout()
    {
        var connect = new ConnectCommand
        {
            Cid = 0xBEEF,
            Dptr = SglDescriptor.InCapsule(0, ConnectData.Size),
            Qid = 2,
            Sqsize = 127,
            Cattr = 0x04,
            Kato = 120000,
        };
        var sqe = new byte[64];
        connect.Encode(sqe);
        Assert.Equal(0x7F, sqe[0]);
        Assert.Equal(0x40, sqe[1]);
        Assert.Equal(new byte[] { 0xEF, 0xBE }, sqe[2..4]);
        Assert.Equal(0x01, sqe[4]);
        Assert.All(sqe[5..24], b => Assert.Equal(0, b));
        Assert.Equal(new byte[] { 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0x01 }, sqe[32..40]);
        Assert.Equal(new byte[] { 0, 0 }, sqe[40..42]);
        Assert.Equal(new byte[] { 2, 0 }, sqe[42..44]);
        Assert.Equal(new byte[] { 127, 0 }, sqe[44..46]);
        Assert.Equal(0x04, sqe[46]);
        Assert.Equal(new byte[] { 0xC0, 0xD4, 0x01, 0x00 }, sqe[48..52]);
        Assert.All(sqe[52..64], b => Assert.Equal(0, b));

        Assert.Equal(NvmeStatus.Success, NvmeCommand.TryDecode(sqe, out var cmd));
        Assert.True(cmd.IsFabrics);
        Assert.Equal(FabricsCommandType.Connect, cmd.FabricsType);
        Assert.Equal(NvmeDataTransfer.HostToController, cmd.GetDataTransfer());
    }

    [Fact]
    public void Property_get_and_set_layout()
    {
        var sqe = new byte[64];
        new PropertyGetCommand { Cid = 1, Size = PropertySize.EightBytes, Offset = NvmeProperty.Cap }.Encode(sqe);
        Assert.Equal(0x04, sqe[4]);
        Assert.Equal(0x01, sqe[40]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, sqe[44..48]);

        new PropertySetCommand { Cid = 2, Size = PropertySize.FourBytes, Offset = NvmeProperty.Cc, Value = 0x0046_0001 }.Encode(sqe);
        Assert.Equal(0x00, sqe[4]);
        Assert.Equal(0x00, sqe[40]);
        Assert.Equal(new byte[] { 0x14, 0, 0, 0 }, sqe[44..48]);
        Assert.Equal(new byte[] { 0x01, 0x00, 0x46, 0x00, 0, 0, 0, 0 }, sqe[48..56]);
    }

    [Fact]
    public void Read_command_layout()
    {
        var sqe = new byte[64];
        new ReadWriteCommand
        {
            Opcode = NvmeIoOpcode.Read,
            Cid = 7,
            Nsid = 1,
            Dptr = SglDescriptor.Keyed(0x7f00_0000_1000, 8192, 0x1234),
            Slba = 0x0102_0304_0506_0708,
            Nlb = 15,
            ForceUnitAccess = true,
        }.Encode(sqe);
        Assert.Equal(0x02, sqe[0]);
        Assert.Equal(0x40, sqe[1]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, sqe[4..8]);
        Assert.Equal(0x40, sqe[39]);
        Assert.Equal(new byte[] { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 }, sqe[40..48]);
        Assert.Equal(new byte[] { 15, 0, 0, 0x40 }, sqe[48..52]);
    }

    [Fact]
    public void Admin_command_layouts()
    {
        var sqe = new byte[64];
        new IdentifyCommand { Cid = 1, Cns = IdentifyCns.Controller, Cntid = 0x0102 }.Encode(sqe);
        Assert.Equal(0x06, sqe[0]);
        Assert.Equal(new byte[] { 0x01, 0x00, 0x02, 0x01 }, sqe[40..44]);

        new GetLogPageCommand { Cid = 1, Nsid = 0xFFFFFFFF, LogPageId = (byte)LogPageId.Error, Rae = true, Numd = 0x0001_000F, Offset = 0x40 }.Encode(sqe);
        Assert.Equal(0x02, sqe[0]);
        Assert.Equal(new byte[] { 0x01, 0x80, 0x0F, 0x00 }, sqe[40..44]);
        Assert.Equal(new byte[] { 0x01, 0x00, 0, 0 }, sqe[44..48]);
        Assert.Equal(new byte[] { 0x40, 0, 0, 0, 0, 0, 0, 0 }, sqe[48..56]);

        FeaturesCommand.SetNumberOfQueues(1, new NumberOfQueues(3, 5)).Encode(sqe);
        Assert.Equal(0x09, sqe[0]);
        Assert.Equal(new byte[] { 0x07, 0, 0, 0 }, sqe[40..44]);
        Assert.Equal(new byte[] { 3, 0, 5, 0 }, sqe[44..48]);

        new KeepAliveCommand { Cid = 3 }.Encode(sqe);
        Assert.Equal(0x18, sqe[0]);

        new DatasetManagementCommand { Cid = 1, Nsid = 1, Nr = 2, Attributes = DsmAttributes.Deallocate }.Encode(sqe);
        Assert.Equal(0x09, sqe[0]);
        Assert.Equal(2, sqe[40]);
        Assert.Equal(4, sqe[44]);

        new WriteZeroesCommand { Cid = 1, Nsid = 1, Nlb = 7, Deallocate = true }.Encode(sqe);
        Assert.Equal(0x08, sqe[0]);
        Assert.Equal(new byte[] { 7, 0, 0, 0x02 }, sqe[48..52]);
    }

    [Fact]
    public void Identify_controller_offsets()
    {
        var data = new IdentifyControllerData
        {
            Vid = 0x8086,
            SerialNumber = NvmeText20.FromString("SPDK00000000000001"),
            ModelNumber = NvmeText40.FromString("SPDK bdev Controller"),
            FirmwareRevision = NvmeText8.FromString("25.01"),
            Mdts = 5,
            Cntlid = 0x0001,
            Version = NvmeVersion.V1_3,
            Kas = 10,
            Sqes = 0x66,
            Cqes = 0x44,
            Maxcmd = 128,
            Nn = 32,
            Sgls = 0x0010_0005,
            SubNqn = Nqn.FromString("nqn.2016-06.io.spdk:cnode1"),
            Ioccsz = 260,
            Iorcsz = 1,
            Msdbd = 16,
        };
        var wire = new byte[4096];
        data.Encode(wire);
        Assert.Equal(new byte[] { 0x86, 0x80 }, wire[0..2]);
        Assert.Equal((byte)'S', wire[4]);
        Assert.Equal((byte)' ', wire[23]);
        Assert.Equal((byte)'S', wire[24]);
        Assert.Equal((byte)'2', wire[64]);
        Assert.Equal(5, wire[77]);
        Assert.Equal(new byte[] { 1, 0 }, wire[78..80]);
        Assert.Equal(new byte[] { 0, 3, 1, 0 }, wire[80..84]);
        Assert.Equal(new byte[] { 10, 0 }, wire[320..322]);
        Assert.Equal(0x66, wire[512]);
        Assert.Equal(0x44, wire[513]);
        Assert.Equal(new byte[] { 128, 0 }, wire[514..516]);
        Assert.Equal(new byte[] { 32, 0, 0, 0 }, wire[516..520]);
        Assert.Equal(new byte[] { 0x05, 0x00, 0x10, 0x00 }, wire[536..540]);
        Assert.Equal((byte)'n', wire[768]);
        Assert.Equal(new byte[] { 0x04, 0x01, 0, 0 }, wire[1792..1796]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, wire[1796..1800]);
        Assert.Equal(16, wire[1803]);
        Assert.Equal(4096u, data.InCapsuleDataSize);
        Assert.Equal("SPDK bdev Controller", data.ModelNumber.ToString());
        Assert.True(data.SubNqn.Matches("nqn.2016-06.io.spdk:cnode1"));
        Assert.False(data.SubNqn.Matches("nqn.2016-06.io.spdk:cnode"));
    }

    [Fact]
    public void Identify_namespace_offsets()
    {
        var wire = new byte[4096];
        new IdentifyNamespaceData
        {
            Nsze = 0x1000,
            Ncap = 0x1000,
            Nuse = 0x800,
            Nlbaf = 0,
            Flbas = 0,
            ActiveLbaFormat = new LbaFormat { Lbads = 9 },
        }.Encode(wire);
        Assert.Equal(new byte[] { 0x00, 0x10, 0, 0, 0, 0, 0, 0 }, wire[0..8]);
        Assert.Equal(new byte[] { 0x00, 0x08 }, wire[16..18]);
        Assert.Equal(new byte[] { 0, 0, 9, 0 }, wire[128..132]);
        Assert.Equal(NvmeStatus.Success, IdentifyNamespaceData.TryDecode(wire, out var ns));
        Assert.Equal(512u, ns.BlockSize);
    }

    [Fact]
    public void Error_log_entry_offsets()
    {
        var wire = new byte[64];
        new ErrorInformationLogEntry
        {
            ErrorCount = 1,
            Sqid = 2,
            Cid = 3,
            Status = NvmeStatus.LbaOutOfRange,
            ParameterErrorLocation = 0x28,
            Lba = 0x10,
            Nsid = 1,
            TransportType = 1,
        }.Encode(wire);
        Assert.Equal(1, wire[0]);
        Assert.Equal(2, wire[8]);
        Assert.Equal(3, wire[10]);
        Assert.Equal(new byte[] { 0x00, 0x01 }, wire[12..14]);
        Assert.Equal(0x28, wire[14]);
        Assert.Equal(0x10, wire[16]);
        Assert.Equal(1, wire[24]);
        Assert.Equal(1, wire[29]);
    }

    [Fact]
    public void Connect_data_layout()
    {
        var hostId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var wire = new byte[1024];
        new ConnectData
        {
            HostId = hostId,
            Cntlid = ConnectData.DynamicControllerId,
            SubNqn = Nqn.FromString("nqn.sub"),
            HostNqn = Nqn.FromString("nqn.host"),
        }.Encode(wire);
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), wire[0..16]);
        Assert.Equal(new byte[] { 0xFF, 0xFF }, wire[16..18]);
        Assert.Equal("nqn.sub\0"u8.ToArray(), wire[256..264]);
        Assert.Equal("nqn.host\0"u8.ToArray(), wire[512..521]);
        Assert.Equal(NvmeStatus.Success, ConnectData.TryDecode(wire, out var data));
        Assert.Equal(hostId, data.HostId);
        Assert.Equal("nqn.host", data.HostNqn.ToString());
    }

    [Fact]
    public void Cm_private_data_layouts()
    {
        var request = new byte[32];
        new RdmaCmRequest { Qid = 1, Hrqsize = 129, Hsqsize = 128, Cntlid = 0x0102 }.Encode(request);
        Assert.Equal(new byte[] { 0, 0, 1, 0, 129, 0, 128, 0, 0x02, 0x01 }, request[0..10]);
        Assert.All(request[10..32], b => Assert.Equal(0, b));

        var accept = new byte[32];
        new RdmaCmAccept { Crqsize = 128 }.Encode(accept);
        Assert.Equal(new byte[] { 0, 0, 128, 0 }, accept[0..4]);

        var reject = new byte[4];
        new RdmaCmReject { Status = RdmaTransportError.InvalidRecfmt }.Encode(reject);
        Assert.Equal(new byte[] { 0, 0, 2, 0 }, reject);
        Assert.Equal(1, (int)RdmaTransportError.InvalidPrivateDataLength);
        Assert.Equal(8, (int)RdmaTransportError.InvalidOrd);
    }

    [Fact]
    public void Register_layouts()
    {
        var cap = new ControllerCapabilities { Mqes = 127, Timeout = 30, Css = 1, Mpsmin = 0, Mpsmax = 0 };
        Assert.Equal(0x0000_0020_1E00_007FUL, cap.ToRaw());
        Assert.Equal(128, cap.MaxQueueEntries);
        Assert.Equal(0x0046_0001u, new ControllerConfiguration { Enable = true, Iosqes = 6, Iocqes = 4 }.ToRaw());
        Assert.Equal(0x0000_4000u, new ControllerConfiguration { Shn = 1 }.ToRaw());
        Assert.Equal(0x9u, new ControllerStatus { Ready = true, Shst = 2 }.ToRaw());
        Assert.Equal(0x0001_0300u, NvmeVersion.V1_3.ToRaw());
        Assert.Equal(0x0002_0000u, NvmeVersion.V2_0.ToRaw());
        Assert.Equal(8, NvmeProperty.SizeOf(NvmeProperty.Cap));
        Assert.Equal(4, NvmeProperty.SizeOf(NvmeProperty.Csts));
        Assert.Equal(0, NvmeProperty.SizeOf(0x4));
    }

    [Fact]
    public void Connect_response_dw0()
    {
        Assert.Equal(0x0000_0005u, ConnectResponse.SuccessDw0(5));
        Assert.Equal(0x0001_0200u, ConnectResponse.InvalidParameterDw0(inConnectData: true, ConnectData.HostNqnOffset));
        Assert.Equal(0x0000_002Cu, ConnectResponse.InvalidParameterDw0(inConnectData: false, ConnectCommand.SqsizeOffset));
        var cpl = ConnectResponse.InvalidParameter(cid: 4, inConnectData: false, ConnectCommand.QidOffset);
        Assert.Equal("INVALID PARAM (01/82) qid:0 cid:4 cdw0:0000002a sqhd:0000 p:0 m:0 dnr:0", cpl.ToString(NvmeCommand.FabricsOpcode));
    }
}
