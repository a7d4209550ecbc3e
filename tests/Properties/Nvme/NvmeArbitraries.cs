using FsCheck;
using FsCheck.Fluent;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>FsCheck generators for every NVMe / NVMe-oF / RDMA CM wire value (registered with <c>[Properties(Arbitrary = ...)]</c>).</summary>
public static class NvmeArbitraries
{
    public static Arbitrary<Garbage> Garbage() =>
        (from length in Gen.Choose(0, 200)
         from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
         select new Garbage(bytes)).ToArbitrary();

    public static Arbitrary<NvmeStatus> Status() => Build(s => NvmeStatus.FromStatusField(s.U16()));

    public static Arbitrary<SglDescriptor> Sgl() => Build(s => s.Sgl());

    public static Arbitrary<NvmeCommand> Command() => Build(s =>
    {
        Span<byte> sqe = stackalloc byte[NvmeCommand.Size];
        for (var i = 0; i < sqe.Length; i += 8)
        {
            BitConverter.TryWriteBytes(sqe[i..], s.U64());
        }

        NvmeCommand.TryDecode(sqe, out var cmd);
        return cmd;
    });

    public static Arbitrary<NvmeCompletion> Completion() => Build(s => new NvmeCompletion
    {
        Dw0 = s.U32(),
        Dw1 = s.U32(),
        Sqhd = s.U16(),
        Sqid = s.U16(),
        Cid = s.U16(),
        Status = NvmeStatus.FromStatusField(s.U16()),
        Phase = s.Bool(),
    });

    public static Arbitrary<ReadWriteCommand> ReadWrite() => Build(s => new ReadWriteCommand
    {
        Opcode = s.Bool() ? NvmeIoOpcode.Read : NvmeIoOpcode.Write,
        Cid = s.U16(),
        Nsid = s.U32(),
        Dptr = s.Sgl(),
        Slba = s.U64(),
        Nlb = s.U16(),
        ForceUnitAccess = s.Bool(),
        LimitedRetry = s.Bool(),
        ProtectionInfo = (byte)s.Bits(4),
        DatasetManagement = s.U8(),
    });

    public static Arbitrary<FlushCommand> Flush() => Build(s => new FlushCommand { Cid = s.U16(), Nsid = s.U32() });

    public static Arbitrary<WriteZeroesCommand> WriteZeroes() => Build(s => new WriteZeroesCommand
    {
        Cid = s.U16(),
        Nsid = s.U32(),
        Slba = s.U64(),
        Nlb = s.U16(),
        Deallocate = s.Bool(),
        ForceUnitAccess = s.Bool(),
        LimitedRetry = s.Bool(),
        ProtectionInfo = (byte)s.Bits(4),
    });

    public static Arbitrary<DatasetManagementCommand> DatasetManagement() => Build(s => new DatasetManagementCommand
    {
        Cid = s.U16(),
        Nsid = s.U32(),
        Dptr = s.Sgl(),
        Nr = s.U8(),
        Attributes = (DsmAttributes)s.Bits(3),
    });

    public static Arbitrary<DsmRange> DsmRange() => Build(s => new DsmRange
    {
        ContextAttributes = s.U32(),
        LengthInBlocks = s.U32(),
        StartingLba = s.U64(),
    });

    public static Arbitrary<IdentifyCommand> Identify() => Build(s => new IdentifyCommand
    {
        Cid = s.U16(),
        Nsid = s.U32(),
        Dptr = s.Sgl(),
        Cns = (IdentifyCns)s.U8(),
        Cntid = s.U16(),
    });

    public static Arbitrary<GetLogPageCommand> GetLogPage() => Build(s => new GetLogPageCommand
    {
        Cid = s.U16(),
        Nsid = s.U32(),
        Dptr = s.Sgl(),
        LogPageId = s.U8(),
        Lsp = (byte)s.Bits(7),
        Rae = s.Bool(),
        Numd = s.U32(),
        Offset = s.U64(),
    });

    public static Arbitrary<FeaturesCommand> Features() => Build(s =>
    {
        var set = s.Bool();
        return new FeaturesCommand
        {
            Opcode = set ? NvmeAdminOpcode.SetFeatures : NvmeAdminOpcode.GetFeatures,
            Cid = s.U16(),
            Nsid = s.U32(),
            Dptr = s.Sgl(),
            FeatureId = s.U8(),
            Select = set ? FeatureSelect.Current : (FeatureSelect)s.Range(0, 3),
            Save = set && s.Bool(),
            Cdw11 = s.U32(),
        };
    });

    public static Arbitrary<KeepAliveCommand> KeepAlive() => Build(s => new KeepAliveCommand { Cid = s.U16() });

    public static Arbitrary<ConnectCommand> Connect() => Build(s => new ConnectCommand
    {
        Cid = s.U16(),
        Dptr = s.Sgl(),
        Qid = s.U16(),
        Sqsize = s.U16(),
        Cattr = s.U8(),
        Kato = s.U32(),
    });

    public static Arbitrary<PropertyGetCommand> PropertyGet() => Build(s => new PropertyGetCommand
    {
        Cid = s.U16(),
        Size = s.Bool() ? PropertySize.EightBytes : PropertySize.FourBytes,
        Offset = s.U32(),
    });

    public static Arbitrary<PropertySetCommand> PropertySet() => Build(s => new PropertySetCommand
    {
        Cid = s.U16(),
        Size = s.Bool() ? PropertySize.EightBytes : PropertySize.FourBytes,
        Offset = s.U32(),
        Value = s.U64(),
    });

    public static Arbitrary<ConnectData> ConnectData() => Build(s => new ConnectData
    {
        HostId = s.Guid(),
        Cntlid = s.U16(),
        SubNqn = s.Nqn(),
        HostNqn = s.Nqn(),
    });

    public static Arbitrary<IdentifyControllerData> IdentifyController() => Build(s => new IdentifyControllerData
    {
        Vid = s.U16(),
        Ssvid = s.U16(),
        SerialNumber = NvmeText20.FromString(s.Ascii(NvmeText20.Length)),
        ModelNumber = NvmeText40.FromString(s.Ascii(NvmeText40.Length)),
        FirmwareRevision = NvmeText8.FromString(s.Ascii(NvmeText8.Length)),
        Cmic = s.U8(),
        Mdts = s.U8(),
        Cntlid = s.U16(),
        Version = NvmeVersion.FromRaw(s.U32()),
        ControllerType = s.U8(),
        Oacs = s.U16(),
        Acl = s.U8(),
        Aerl = s.U8(),
        Lpa = s.U8(),
        Elpe = s.U8(),
        Kas = s.U16(),
        Sqes = s.U8(),
        Cqes = s.U8(),
        Maxcmd = s.U16(),
        Nn = s.U32(),
        Oncs = s.U16(),
        Fuses = s.U16(),
        Vwc = s.U8(),
        Awun = s.U16(),
        Awupf = s.U16(),
        Sgls = s.U32(),
        SubNqn = s.Nqn(),
        Ioccsz = s.U32(),
        Iorcsz = s.U32(),
        Icdoff = s.U16(),
        Ctrattr = s.U8(),
        Msdbd = s.U8(),
    });

    public static Arbitrary<IdentifyNamespaceData> IdentifyNamespace() => Build(s =>
    {
        var nlbaf = (byte)s.Range(0, 63);
        var index = s.Range(0, nlbaf);
        var flbas = (byte)((index & 0xF) | ((index >> 4) << 5) | (s.Bool() ? 0x10 : 0));
        return new IdentifyNamespaceData
        {
            Nsze = s.U64(),
            Ncap = s.U64(),
            Nuse = s.U64(),
            Nsfeat = s.U8(),
            Nlbaf = nlbaf,
            Flbas = flbas,
            Nmic = s.U8(),
            ActiveLbaFormat = new LbaFormat { MetadataSize = s.U16(), Lbads = s.U8(), RelativePerformance = (byte)s.Bits(2) },
        };
    });

    public static Arbitrary<ErrorInformationLogEntry> ErrorLogEntry() => Build(s => new ErrorInformationLogEntry
    {
        ErrorCount = s.U64(),
        Sqid = s.U16(),
        Cid = s.U16(),
        Status = NvmeStatus.FromStatusField(s.U16()),
        Phase = s.Bool(),
        ParameterErrorLocation = s.U16(),
        Lba = s.U64(),
        Nsid = s.U32(),
        VendorSpecific = s.U8(),
        TransportType = s.U8(),
        CommandSpecific = s.U64(),
        TransportTypeSpecific = s.U16(),
    });

    public static Arbitrary<ControllerCapabilities> Capabilities() => Build(s => new ControllerCapabilities
    {
        Mqes = s.U16(),
        Cqr = s.Bool(),
        Ams = (byte)s.Bits(2),
        Timeout = s.U8(),
        Dstrd = (byte)s.Bits(4),
        Nssrs = s.Bool(),
        Css = s.U8(),
        Bps = s.Bool(),
        Mpsmin = (byte)s.Bits(4),
        Mpsmax = (byte)s.Bits(4),
        Pmrs = s.Bool(),
        Cmbs = s.Bool(),
    });

    public static Arbitrary<ControllerConfiguration> Configuration() => Build(s => new ControllerConfiguration
    {
        Enable = s.Bool(),
        Css = (byte)s.Bits(3),
        Mps = (byte)s.Bits(4),
        Ams = (byte)s.Bits(3),
        Shn = (byte)s.Bits(2),
        Iosqes = (byte)s.Bits(4),
        Iocqes = (byte)s.Bits(4),
        Crime = s.Bool(),
    });

    public static Arbitrary<ControllerStatus> ControllerStatus() => Build(s => new ControllerStatus
    {
        Ready = s.Bool(),
        Cfs = s.Bool(),
        Shst = (byte)s.Bits(2),
        Nssro = s.Bool(),
        Pp = s.Bool(),
    });

    public static Arbitrary<RdmaCmRequest> CmRequest() => Build(s => new RdmaCmRequest
    {
        Qid = s.U16(),
        Hrqsize = s.U16(),
        Hsqsize = s.U16(),
        Cntlid = s.U16(),
    });

    public static Arbitrary<RdmaCmAccept> CmAccept() => Build(s => new RdmaCmAccept { Crqsize = s.U16() });

    public static Arbitrary<RdmaCmReject> CmReject() => Build(s => new RdmaCmReject { Status = (RdmaTransportError)s.U16() });

    private static Arbitrary<T> Build<T>(Func<ValueSource, T> build) =>
        Gen.Choose(0, int.MaxValue - 1).Select(seed => build(new ValueSource(seed))).ToArbitrary();
}
