using FsCheck.Xunit;
using Harness.Tests.Properties.Support;
using Harness.Transport.Nvme;

namespace Harness.Tests.Properties.Nvme;

/// <summary>decode(encode(x)) == x for the data structures, property registers and RDMA CM private data.</summary>
[HarnessProperties(Arbitrary = new[] { typeof(NvmeArbitraries) }, MaxTest = 100)]
public sealed class DataStructureRoundTripProperties
{
    [HarnessProperty]
    public void Connect_data_round_trips(ConnectData data)
    {
        var (status, decoded, wire) = RoundTrip.Run(data, ConnectData.Size, (in ConnectData d, Span<byte> w) => d.Encode(w), ConnectData.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(data, decoded);
        Assert.Equal(data.SubNqn.ToString(), decoded.SubNqn.ToString());
        Assert.True(wire.AsSpan(18, 238).IndexOfAnyExcept((byte)0) < 0, "reserved bytes 18..255 are zero");
        Assert.True(wire.AsSpan(768, 256).IndexOfAnyExcept((byte)0) < 0, "reserved bytes 768..1023 are zero");
    }

    [HarnessProperty]
    public void Identify_controller_round_trips(IdentifyControllerData data)
    {
        var (status, decoded, _) = RoundTrip.Run(data, IdentifyControllerData.Size, (in IdentifyControllerData d, Span<byte> w) => d.Encode(w), IdentifyControllerData.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(data, decoded);
        Assert.Equal(data.SerialNumber.ToString(), decoded.SerialNumber.ToString());
    }

    [HarnessProperty]
    public void Identify_namespace_round_trips(IdentifyNamespaceData data)
    {
        var (status, decoded, _) = RoundTrip.Run(data, IdentifyNamespaceData.Size, (in IdentifyNamespaceData d, Span<byte> w) => d.Encode(w), IdentifyNamespaceData.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(data, decoded);
    }

    [HarnessProperty]
    public void Error_log_entry_round_trips(ErrorInformationLogEntry entry)
    {
        var (status, decoded, _) = RoundTrip.Run(entry, ErrorInformationLogEntry.Size, (in ErrorInformationLogEntry e, Span<byte> w) => e.Encode(w), ErrorInformationLogEntry.TryDecode);
        Assert.Equal(NvmeStatus.Success, status);
        Assert.Equal(entry, decoded);
    }

    [HarnessProperty]
    public void Dsm_range_list_round_trips(DsmRange first, DsmRange second, DsmRange third)
    {
        var ranges = new[] { first, second, third };
        var wire = new byte[ranges.Length * DsmRange.Size];
        for (var i = 0; i < ranges.Length; i++)
        {
            ranges[i].Encode(wire.AsSpan(i * DsmRange.Size));
        }

        var decoded = new DsmRange[ranges.Length];
        Assert.Equal(NvmeStatus.Success, DsmRange.TryDecodeList(wire, ranges.Length, decoded));
        Assert.Equal(ranges, decoded);
        Assert.Equal(NvmeStatus.DataSglLengthInvalid, DsmRange.TryDecodeList(wire.AsSpan(1), ranges.Length, decoded));
    }

    [HarnessProperty]
    public void Registers_round_trip(ControllerCapabilities cap, ControllerConfiguration cc, ControllerStatus csts, uint vs)
    {
        Assert.Equal(cap, ControllerCapabilities.FromRaw(cap.ToRaw()));
        Assert.Equal(cc, ControllerConfiguration.FromRaw(cc.ToRaw()));
        Assert.Equal(csts, ControllerStatus.FromRaw(csts.ToRaw()));
        Assert.Equal(vs, NvmeVersion.FromRaw(vs).ToRaw());
    }

    [HarnessProperty]
    public void Small_dword_values_round_trip(uint dword)
    {
        Assert.Equal(dword, NumberOfQueues.FromDword(dword).ToDword());
        Assert.Equal(dword & 0x03FF_FFFFu, LbaFormat.FromDword(dword).ToDword());
        ConnectResponse.ReadInvalidParameter(ConnectResponse.InvalidParameterDw0((dword & 1) == 1, (ushort)dword), out var inData, out var offset);
        Assert.Equal((dword & 1) == 1, inData);
        Assert.Equal((ushort)dword, offset);
    }

    [HarnessProperty]
    public void Cm_request_round_trips(RdmaCmRequest request)
    {
        var (status, decoded, _) = RoundTrip.Run(request, RdmaCmRequest.Size, (in RdmaCmRequest r, Span<byte> w) => r.Encode(w), RdmaCmRequest.TryDecode);
        Assert.Equal(RdmaTransportError.None, status);
        Assert.Equal(request, decoded);
    }

    [HarnessProperty]
    public void Cm_accept_round_trips(RdmaCmAccept accept)
    {
        var (status, decoded, _) = RoundTrip.Run(accept, RdmaCmAccept.Size, (in RdmaCmAccept a, Span<byte> w) => a.Encode(w), RdmaCmAccept.TryDecode);
        Assert.Equal(RdmaTransportError.None, status);
        Assert.Equal(accept, decoded);
    }

    [HarnessProperty]
    public void Cm_reject_round_trips(RdmaCmReject reject)
    {
        var (status, decoded, _) = RoundTrip.Run(reject, RdmaCmReject.Size, (in RdmaCmReject r, Span<byte> w) => r.Encode(w), RdmaCmReject.TryDecode);
        Assert.Equal(RdmaTransportError.None, status);
        Assert.Equal(reject, decoded);
    }

    [HarnessProperty]
    public void Cm_private_data_may_be_padded_by_the_cm(RdmaCmRequest request, Garbage padding)
    {
        var wire = new byte[RdmaCmRequest.Size + padding.Bytes.Length];
        request.Encode(wire);
        padding.Bytes.CopyTo(wire, RdmaCmRequest.Size);
        Assert.Equal(RdmaTransportError.None, RdmaCmRequest.TryDecode(wire, out var decoded));
        Assert.Equal(request, decoded);
    }
}
