using System.Net;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.RdmaCm;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>The backend's device-independent parts: handles, addresses, CM parameters, counters, the report, reactors.</summary>
public sealed unsafe class NativeSupportTests
{
    [Fact]
    public void A_parent_handle_outlives_its_children_whatever_the_dispose_order()
    {
        var log = new List<string>();
        var pd = new CountingHandle("pd", log);
        var mr = new CountingHandle("mr", log);
        mr.DependOn(pd);
        pd.Dispose();
        Assert.Empty(log); // the MR still holds the PD
        mr.Dispose();
        Assert.Equal(new[] { "mr", "pd" }, log);
    }

    [Fact]
    public void A_failed_destroy_leaves_the_object_alive_and_a_retry_works()
    {
        var log = new List<string>();
        var cq = new CountingHandle("cq", log, destroyErrno: Errno.EBUSY);
        Assert.Equal(Errno.EBUSY, cq.Destroy());
        Assert.False(cq.IsClosed);
        cq.DestroyErrno = 0;
        Assert.Equal(Errno.Ok, cq.Destroy());
        Assert.True(cq.IsClosed);
        Assert.Equal(Errno.EINVAL, cq.Destroy());
        Assert.False(cq.TryAddRef());
        Assert.Equal(new[] { "cq", "cq" }, log); // released natively once after the successful call, never again
    }

    [Fact]
    public void The_tracker_frees_newest_first()
    {
        var log = new List<string>();
        var tracker = new NativeResourceTracker();
        var ctx = tracker.Add(new CountingHandle("ctx", log));
        tracker.Add(new CountingHandle("pd", log)).DependOn(ctx);
        tracker.Add(new CountingHandle("buffer", log));
        Assert.Equal(3, tracker.Count);
        tracker.DisposeAll();
        Assert.Equal(new[] { "buffer", "pd", "ctx" }, log);
        Assert.Equal(0, tracker.Count);
    }

    [Theory]
    [InlineData("192.0.2.1", 4420)]
    [InlineData("fe80::1%2", 1)]
    [InlineData("2001:db8::42", 65535)]
    public void Socket_addresses_round_trip(string address, int port)
    {
        var ep = new IPEndPoint(IPAddress.Parse(address), port);
        SockAddrStorage storage;
        SockAddr.Write(ep, &storage);
        Assert.Equal(ep, SockAddr.Read(&storage));
        Assert.Equal((byte)(port >> 8), storage.Bytes[2]); // network byte order
    }

    [Fact]
    public void An_unset_socket_address_reads_as_null()
    {
        var storage = default(SockAddrStorage);
        Assert.Null(SockAddr.Read(&storage));
    }

    [Fact]
    public void Connection_parameters_round_trip_with_their_private_data()
    {
        var param = new ConnParam
        {
            PrivateData = new byte[] { 1, 2, 3, 4, 5 },
            ResponderResources = 16,
            InitiatorDepth = 8,
            FlowControl = 1,
            RetryCount = 7,
            RnrRetryCount = 6,
            Srq = true,
            QpNum = 0x123,
        };
        fixed (byte* data = param.PrivateData.Span)
        {
            var native = NativeCmId.ToNative(param, data);
            Assert.Equal((nint)data, (nint)native.PrivateData);
            var back = NativeCm.ToManaged(native);
            Assert.Equal(param.PrivateData.ToArray(), back.PrivateData.ToArray());
            Assert.Equal((param.ResponderResources, param.InitiatorDepth, param.FlowControl, param.RetryCount, param.RnrRetryCount, param.Srq, param.QpNum),
                (back.ResponderResources, back.InitiatorDepth, back.FlowControl, back.RetryCount, back.RnrRetryCount, back.Srq, back.QpNum));
        }

        var empty = NativeCmId.ToNative(default, null);
        Assert.True(empty.PrivateData == null && empty.PrivateDataLen == 0);
        Assert.True(NativeCm.ToManaged(empty).PrivateData.IsEmpty);
    }

    [Fact]
    public void Counters_are_read_from_sysfs_and_absence_is_tolerated()
    {
        var root = Directory.CreateTempSubdirectory("harness-sysfs-");
        try
        {
            var port = Path.Combine(root.FullName, "mlx5_0", "ports", "1");
            Directory.CreateDirectory(Path.Combine(port, "hw_counters"));
            Directory.CreateDirectory(Path.Combine(port, "counters"));
            File.WriteAllText(Path.Combine(port, "hw_counters", "req_cqe_error"), "3\n");
            File.WriteAllText(Path.Combine(port, "hw_counters", "out_of_sequence"), "10\n");
            File.WriteAllText(Path.Combine(port, "hw_counters", "lifespan"), "not a number\n");
            File.WriteAllText(Path.Combine(port, "counters", "port_xmit_data"), "1000\n");

            var before = NicCounters.Read("mlx5_0", 1, root.FullName);
            Assert.Equal(new Dictionary<string, long> { ["out_of_sequence"] = 10, ["port_xmit_data"] = 1000, ["req_cqe_error"] = 3 }, before);
            Assert.Equal(new[] { "req_cqe_error 3", "out_of_sequence 10", "port_xmit_data 1000" }, NicCounters.Format(before));

            File.WriteAllText(Path.Combine(port, "hw_counters", "req_cqe_error"), "5\n");
            File.WriteAllText(Path.Combine(port, "hw_counters", "req_cqe_flush_error"), "40\n");
            var delta = NicCounters.Delta(before, NicCounters.Read("mlx5_0", 1, root.FullName));
            Assert.Equal(new Dictionary<string, long> { ["req_cqe_error"] = 2, ["req_cqe_flush_error"] = 40 }, delta);

            Assert.Empty(NicCounters.Read("mlx5_0", 2, root.FullName)); // no such port
            Assert.Empty(NicCounters.Read("rxe0", 1, root.FullName)); // no such device
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_report_lists_devices_ports_gids_and_counters()
    {
        var device = new DeviceInfo
        {
            Name = "mlx5_0",
            NodeGuid = 0x0c42a10300a1b2c3,
            FirmwareVersion = "22.36.1010",
            VendorId = 0x02c9,
            VendorPartId = 4125,
            Ports = new[]
            {
                new PortInfo
                {
                    Number = 1,
                    State = PortState.Active,
                    StateText = "active",
                    LinkLayer = "Ethernet",
                    ActiveMtu = Mtu.Mtu4096,
                    GidTableLength = 256,
                    Gids = new[] { new GidInfo(3, Gid.FromIPv4(IPAddress.Parse("192.0.2.1")), "RoCE v2", "ens1f0np0") },
                    Counters = new Dictionary<string, long> { ["req_cqe_error"] = 0, ["port_xmit_data"] = 7 },
                },
            },
        };
        var text = new StringWriter();
        DeviceReport.Write(text, new[] { device, new DeviceInfo { Name = "rxe0", Error = "ibv_open_device: EPERM" } });
        var lines = text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[]
        {
            "mlx5_0  node GUID 0c42a10300a1b2c3  fw 22.36.1010  vendor 0x2c9 part 4125",
            "  port 1: active  link layer Ethernet  active MTU 4096  GID table 256",
            "    GID[3] ::ffff:192.0.2.1  RoCE v2  ens1f0np0",
            "    req_cqe_error 0",
            "    port_xmit_data 7",
            "rxe0  node GUID 0000000000000000  fw   vendor 0x0 part 0",
            "  error: ibv_open_device: EPERM",
        }, lines);
    }

    [Fact]
    public void Manual_reactors_run_when_polled()
    {
        using var runtime = new NativeReactorRuntime(NativeReactorMode.Manual);
        var a = new CountingPoller(3);
        var b = new CountingPoller(0);
        var reactor = runtime.CreateReactor("r0");
        reactor.AddPoller(a);
        runtime.CreateReactor("r1").AddPoller(b);
        Assert.Equal(3, runtime.PollOnce());
        Assert.True(runtime.RunUntil(() => a.Polls >= 10, TimeSpan.FromSeconds(10)));
        reactor.RemovePoller(a);
        var polls = a.Polls;
        runtime.PollOnce();
        Assert.Equal(polls, a.Polls);
        Assert.False(runtime.RunUntil(() => false, TimeSpan.FromMilliseconds(20)));
    }

    [Theory]
    [InlineData(NativeReactorMode.SingleThread)]
    [InlineData(NativeReactorMode.ThreadPerReactor)]
    public void Threaded_reactors_poll_until_disposed_and_keep_the_first_failure(NativeReactorMode mode)
    {
        var poller = new CountingPoller(0);
        using (var runtime = new NativeReactorRuntime(mode, TimeSpan.FromMilliseconds(1)))
        {
            runtime.CreateReactor("r").AddPoller(poller);
            Assert.True(SpinWait.SpinUntil(() => poller.Polls > 100, TimeSpan.FromSeconds(10)), "the reactor thread polls");
        }

        var stopped = poller.Polls;
        Thread.Sleep(20);
        Assert.Equal(stopped, poller.Polls);

        using var failing = new NativeReactorRuntime(mode);
        failing.CreateReactor("bad").AddPoller(new CountingPoller(1) { ThrowAt = 5 });
        Assert.True(SpinWait.SpinUntil(() => failing.Failure != null, TimeSpan.FromSeconds(10)), "the failure is kept");
        Assert.IsType<InvalidOperationException>(failing.Failure);
    }

    private sealed class CountingPoller : IPoller
    {
        private readonly int _work;
        private int _polls;

        public CountingPoller(int work) => _work = work;

        public string Name => "counting";

        public int Polls => Volatile.Read(ref _polls);

        public int ThrowAt { get; init; } = -1;

        public int Poll()
        {
            if (Interlocked.Increment(ref _polls) == ThrowAt)
            {
                throw new InvalidOperationException("poller failed");
            }

            return _work;
        }
    }
}
