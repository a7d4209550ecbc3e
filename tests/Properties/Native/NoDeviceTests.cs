using Harness.HardwareRunner.Native;
using Harness.Transport.Verbs;
using Microsoft.Extensions.DependencyInjection;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// The native backend on a machine that cannot run it (issue 7, item 3): every way of failing is reported distinctly
/// and names what is missing. The expected outcome comes from sysfs (<see cref="RdmaMachine"/>), so on a machine with
/// RDMA the same tests check the other branch instead of failing.
/// </summary>
public sealed class NoDeviceTests
{
    [Fact]
    public void Open_names_the_missing_kernel_support_or_succeeds_where_there_is_some()
    {
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions(), out var stack, out var problem);
        using (stack)
        {
            if (!RdmaMachine.KernelHasVerbs)
            {
                Assert.Equal(NativeOpenStatus.NoKernelSupport, status);
                Assert.Null(stack);
                Assert.Contains("no kernel RDMA support", problem);
                Assert.Contains("ibv_get_device_list", problem);
                Assert.Contains("ENOSYS", problem);
                Assert.Contains("rdma_rxe", problem); // says how to get some
            }
            else if (RdmaMachine.DeviceNames.Count == 0)
            {
                Assert.Equal(NativeOpenStatus.NoDevices, status);
                Assert.Contains("no RDMA devices", problem);
            }
            else
            {
                Assert.True(status == NativeOpenStatus.Ok, problem);
                Assert.NotEmpty(stack!.VerbsImpl.Devices);
            }
        }

        Assert.Equal(status == NativeOpenStatus.Ok, NativeRdmaStack.TryOpen(out var again, out var problem2));
        again?.Dispose();
        Assert.Equal(problem, problem2);
    }

    [Theory]
    [InlineData("libibverbs.so.0-harness-missing", null)]
    [InlineData(null, "librdmacm.so.0-harness-missing")]
    public void A_missing_library_is_named(string? ibverbs, string? rdmacm)
    {
        var names = new NativeLibraryNames(ibverbs ?? NativeLibraryNames.Default.Ibverbs, rdmacm ?? NativeLibraryNames.Default.Rdmacm);
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions(), names, out var stack, out var problem);
        Assert.Equal(NativeOpenStatus.LibraryMissing, status);
        Assert.Null(stack);
        Assert.Contains("rdma-core library missing", problem);
        Assert.Contains(ibverbs ?? rdmacm!, problem);
        Assert.Contains("libibverbs1", problem); // what to install
    }

    [Fact]
    public void A_library_without_the_verbs_is_named_with_the_missing_function()
    {
        var names = NativeLibraryNames.Default with { Ibverbs = "libc.so.6" };
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions(), names, out _, out var problem);
        Assert.Equal(NativeOpenStatus.LibraryMissing, status);
        Assert.Contains("libc.so.6 does not export ibv_get_device_list", problem);
    }

    [Fact]
    public void Asking_for_a_device_that_does_not_exist_is_enosys_here_and_enodev_where_there_are_devices()
    {
        const string name = "harness_no_such_dev9";
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions { DeviceName = name }, out var stack, out var problem);
        stack?.Dispose();
        if (!RdmaMachine.KernelHasVerbs)
        {
            Assert.Equal(NativeOpenStatus.NoKernelSupport, status); // the device list itself cannot be had
            Assert.Contains("ENOSYS", problem);
        }
        else if (RdmaMachine.DeviceNames.Count > 0)
        {
            Assert.Equal(NativeOpenStatus.DeviceNotFound, status);
            Assert.Contains(name, problem);
            Assert.Contains("ENODEV", problem);
            Assert.Contains(RdmaMachine.DeviceNames[0], problem); // lists what there is
        }
    }

    /// <summary>
    /// librdmacm without a device: <c>rdma_create_event_channel</c> initialises librdmacm, which lists the devices and
    /// fails with ENODEV when there are none (observed with rdma-core 44; the CM needs a device even to make a channel).
    /// </summary>
    [Fact]
    public void The_cm_without_devices_reports_enodev()
    {
        var cm = new NativeCm(new NativeVerbs(new NativeResourceTracker()));
        var rc = cm.CreateEventChannel(out var channel);
        if (RdmaMachine.DeviceNames.Count == 0)
        {
            Assert.Equal(Errno.ENODEV, rc);
            Assert.Null(channel);
        }
        else
        {
            Assert.Equal(Errno.Ok, rc);
            Assert.Equal(Errno.Ok, channel!.Destroy());
        }
    }

    [Fact]
    public void The_device_report_and_dependency_injection_give_the_same_reason()
    {
        var status = NativeRdmaStack.TryOpen(new NativeStackOptions(), out var stack, out var problem);
        stack?.Dispose();
        Assert.Equal(status, DeviceReport.Collect(out var devices, out var reportProblem));
        Assert.Equal(problem, reportProblem);
        if (status != NativeOpenStatus.Ok)
        {
            Assert.Empty(devices);
            using var provider = new ServiceCollection().AddIbverbs().BuildServiceProvider();
            var e = Assert.Throws<NativeStackUnavailableException>(() => provider.GetRequiredService<IRdmaStack>());
            Assert.Equal(status, e.Status);
            Assert.Equal(problem, e.Message);
        }
    }

    [Fact]
    public void Rdma_cores_strings_need_no_device()
    {
        Assert.Equal("Work Request Flushed Error", NativeText.WcStatus((int)WcStatus.WrFlushErr));
        Assert.Equal("RDMA_CM_EVENT_DISCONNECTED", NativeText.CmEvent(10));
        Assert.Equal("active", NativeText.PortState((int)PortState.Active));
    }
}
