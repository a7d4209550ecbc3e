using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// How a native <c>rdma_cm_event</c> becomes a <see cref="CmEvent"/>, on fake librdmacm structs (borrowed handles, so
/// nothing is handed back to librdmacm): a CONNECT_REQUEST's new id gets its own wrapper on the listener's channel,
/// later events of that id find the same wrapper (so <see cref="ICmId.Context"/> is the consumer's object), private
/// data is copied, and the id's addresses are read from <c>route.addr</c> as the inline getters do.
/// </summary>
public sealed unsafe class CmEventMappingTests : IDisposable
{
    private readonly byte* _memory = (byte*)NativeMemory.AllocZeroed(4096);
    private readonly NativeCm _cm = new(new NativeVerbs(new NativeResourceTracker()));
    private readonly NativeCmEventChannel _channel;
    private readonly NativeCmId _listener;

    public CmEventMappingTests()
    {
        _channel = new NativeCmEventChannel(_cm, new SafeRdmaEventChannelHandle((nint)(_memory + 3072), owns: false));
        _listener = _cm.Track(new NativeCmId(_cm, _channel, new SafeRdmaCmIdHandle((nint)ListenId, owns: false), 1) { Context = "listener" });
    }

    private RdmaCmId* ListenId => (RdmaCmId*)_memory;

    private RdmaCmId* NewId => (RdmaCmId*)(_memory + 1024);

    private RdmaCmEvent* Event => (RdmaCmEvent*)(_memory + 2048);

    private byte* PrivateData => _memory + 2560;

    public void Dispose() => NativeMemory.Free(_memory);

    [Fact]
    public void A_connect_request_brings_a_new_id_and_later_events_find_it()
    {
        for (var i = 0; i < 56; i++)
        {
            PrivateData[i] = (byte)i;
        }

        Write(NewId, CmEventType.ConnectRequest, status: 0, listen: ListenId, privateDataLen: 56);
        Event->Conn.InitiatorDepth = 16;
        Event->Conn.ResponderResources = 8;
        Event->Conn.RnrRetryCount = 7;
        var request = _cm.Adopt(_channel, Event, p => new SafeRdmaCmIdHandle(p, owns: false));

        Assert.Equal(CmEventType.ConnectRequest, request.EventType);
        Assert.Same(_listener, request.ListenId);
        var id = Assert.IsType<NativeCmId>(request.Id);
        Assert.NotSame(_listener, id);
        Assert.Same(_channel, id.Channel);
        Assert.Equal(2, _channel.IdCount);
        Assert.Equal(id.Serial, NewId->Context); // the serial is in the native id, for core dumps
        Assert.Equal(Enumerable.Range(0, 56).Select(i => (byte)i), request.Param.PrivateData.ToArray());
        PrivateData[0] = 0xff;
        Assert.Equal(0, request.Param.PrivateData.Span[0]); // copied: librdmacm frees it at ack
        Assert.Equal((16, 8, 7), (request.Param.InitiatorDepth, request.Param.ResponderResources, request.Param.RnrRetryCount));

        id.Context = "qpair 3";
        Write(NewId, CmEventType.Disconnected, status: 0, listen: null, privateDataLen: 0);
        var disconnected = _cm.Adopt(_channel, Event);
        Assert.Same(id, disconnected.Id);
        Assert.Equal("qpair 3", disconnected.Id.Context);
        Assert.Null(disconnected.ListenId);
        Assert.True(disconnected.Param.PrivateData.IsEmpty);
        Assert.True(disconnected.Sequence > request.Sequence);
        Assert.Equal(2, _cm.UnackedEvents);
    }

    [Fact]
    public void Statuses_pass_through_as_librdmacm_reports_them()
    {
        Write(ListenId, CmEventType.Rejected, status: CmRejectReason.ConsumerReject, listen: null, privateDataLen: 4);
        var rejected = _cm.Adopt(_channel, Event);
        Assert.Same(_listener, rejected.Id);
        Assert.Equal(CmRejectReason.ConsumerReject, rejected.Status);
        Assert.Equal(4, rejected.Param.PrivateData.Length);

        Write(ListenId, CmEventType.AddrError, status: -Errno.ETIMEDOUT, listen: null, privateDataLen: 0);
        Assert.Equal(-Errno.ETIMEDOUT, _cm.Adopt(_channel, Event).Status);
    }

    [Fact]
    public void The_ids_addresses_are_read_from_the_route()
    {
        var src = (SockAddrIn*)&ListenId->SrcAddr;
        src->Family = NativeConstants.AfInet;
        src->PortBe = BinaryPrimitives.ReverseEndianness((ushort)4420);
        src->Addr = BitConverter.ToUInt32(IPAddress.Parse("192.0.2.1").GetAddressBytes());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 4420), _listener.LocalAddress);
        Assert.Null(_listener.PeerAddress);
        Assert.Null(_listener.Verbs); // not bound to a device yet (verbs is NULL)
    }

    [Fact]
    public void Acking_marks_the_event_as_the_simulator_does()
    {
        Write(ListenId, CmEventType.AddrResolved, status: 0, listen: null, privateDataLen: 0);
        var ev = _cm.Adopt(_channel, Event);
        Assert.False(ev.Acked);
        NativeCm.MarkAcked(ev);
        Assert.True(ev.Acked);
    }

    private void Write(RdmaCmId* id, CmEventType type, int status, RdmaCmId* listen, byte privateDataLen)
    {
        *Event = default;
        Event->Id = id;
        Event->ListenId = listen;
        Event->Event = (int)type;
        Event->Status = status;
        Event->Conn.PrivateData = privateDataLen > 0 ? PrivateData : null;
        Event->Conn.PrivateDataLen = privateDataLen;
    }
}
