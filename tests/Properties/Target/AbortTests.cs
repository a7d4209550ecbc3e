using Harness.Sim.Core;
using Harness.Sim.Faults;
using Harness.Tests.Properties.Nvmf;
using Harness.Tests.Properties.Target.Support;
using Harness.Transport.Invariants;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Target;

/// <summary>
/// The Abort command as SPDK HEAD serves it (ctrlr.c:<c>nvmf_ctrlr_abort</c> → each poll group's thread →
/// rdma.c:<c>nvmf_rdma_qpair_abort_request</c>), with <see cref="NvmfTarget"/> behind the real transport and raw hosts:
/// a command waiting for buffers is taken off its queue and answered ABORTED - BY REQUEST (Abort DW0 bit 0 clear); one
/// executing is the block device's, which cannot abort it (bit 0 set); one whose RDMA READs are on the wire is re-checked
/// on every poll until it executes or the abort timeout passes. And docs/findings/018: the retry must not outlive the
/// command it waits on.
/// </summary>
public sealed class AbortTests
{
    private const int Depth = 8;
    private const ushort AbortCid = 7;

    [Fact]
    public void An_abort_naming_no_command_is_answered_not_aborted()
    {
        using var stack = new Stack(new TargetOptions { NumSharedBuffers = 64, IoUnitSize = 4096, MaxSendSge = 16 });

        var abort = stack.Abort(sqid: 1, cid: 5);
        Assert.True(abort.Status.IsSuccess);
        Assert.Equal(1u, abort.Dw0 & 1);
        Assert.Equal(0, stack.Transport.AbortsSucceeded);
        Assert.Equal(1, stack.Transport.AbortsStarted);
    }

    [Fact]
    public void A_write_waiting_for_buffers_is_aborted_and_an_executing_read_is_not()
    {
        // The whole pool (16 buffers of 8 KiB: one WR of 16 SGEs, as HEAD sends a keyed SGL) is held by a 128 KiB read the
        // block device completes 50 ms late: a write behind it waits in NEED_BUFFER on the pending_iobuf_queue.
        using var stack = new Stack(new TargetOptions { NumSharedBuffers = 16, IoUnitSize = 8192, MaxSendSge = 16 }, readDelayNs: 50_000_000);
        var io = stack.Io;
        Assert.Equal(0, io.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 1, Nsid = 1, Slba = 0, Nlb = 31, Dptr = io.Keyed(1, 32 * 4096) }.ToCommand()));
        stack.Bed.RunUntil(() => stack.Request(1)?.State == RdmaRequestState.Executing, "the read executing");
        Assert.Equal(0, io.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = 2, Nsid = 1, Slba = 100, Nlb = 0, Dptr = io.Keyed(2, 4096) }.ToCommand()));
        stack.Bed.RunUntil(() => stack.Request(2)?.State == RdmaRequestState.NeedBuffer, "the write waiting for buffers");

        var notAborted = stack.Abort(sqid: 1, cid: 1);
        Assert.Equal(1u, notAborted.Dw0 & 1);
        Assert.False(io.Responses.ContainsKey(1), "the read is still the block device's");

        var aborted = stack.Abort(sqid: 1, cid: 2);
        Assert.Equal(0u, aborted.Dw0 & 1);
        stack.Bed.RunUntil(() => { io.PollCq(); return io.Responses.ContainsKey(2); }, "the write's answer");
        Assert.Equal(NvmeStatus.AbortedByRequest, io.Responses[2].Status);
        Assert.Equal(1, stack.Transport.AbortsSucceeded);

        stack.Bed.RunUntil(() => { io.PollCq(); return io.Responses.ContainsKey(1); }, "the read's answer", limitNs: 1_000_000_000);
        Assert.True(io.Responses[1].Status.IsSuccess);
        stack.Bed.RunUntil(() => stack.Transport.Buffers!.Available == stack.Bed.Options.NumSharedBuffers, "every buffer back");
    }

    [Fact]
    public void A_write_whose_read_is_on_the_wire_is_retried_every_poll_until_it_executes()
    {
        // The write's RDMA READ is dropped once: the target's NIC retransmits it after the ACK timeout, and the write stays
        // TRANSFERRING_HOST_TO_CONTROLLER meanwhile.
        using var stack = new Stack(DefaultOptions(), faults: FaultPlan.Of(DroppedRead()));
        stack.SubmitWrite(cid: 1);

        var abort = stack.Abort(sqid: 1, cid: 1);
        Assert.Equal(1u, abort.Dw0 & 1); // it executed before the timeout: the block device's, not aborted
        Assert.True(stack.Transport.AbortRetries > 1, $"{stack.Transport.AbortRetries} retries");
        stack.Bed.RunUntil(() => { stack.Io.PollCq(); return stack.Io.Responses.ContainsKey(1); }, "the write's answer");
        Assert.True(stack.Io.Responses[1].Status.IsSuccess);
    }

    [Fact]
    public void The_retry_gives_up_at_the_abort_timeout()
    {
        using var stack = new Stack(DefaultOptions() with { AbortTimeoutNs = 1_000_000 }, faults: FaultPlan.Of(DroppedRead()));
        stack.SubmitWrite(cid: 1);

        var abort = stack.Abort(sqid: 1, cid: 1);
        Assert.Equal(1u, abort.Dw0 & 1);
        Assert.Equal(RdmaRequestState.TransferringHostToController, stack.Request(1)!.State); // still waiting for its READ
    }

    [Fact]
    public void The_retry_lets_go_of_a_write_flushed_and_freed_with_its_qpair()
    {
        // docs/findings/018, fixed: the write is flushed (its QP forced to ERR) and its qpair destroyed in the same poll;
        // the waiting Abort is told when the request is freed and answers "not aborted".
        using var stack = new Stack(DefaultOptions(), faults: FaultPlan.Of(DroppedRead()));
        var qpair = stack.SubmitWrite(cid: 1);
        stack.StartAbortAndForceQpError(qpair, cid: 1);

        stack.Bed.RunUntil(() => { stack.Admin.PollCq(); return stack.Admin.Responses.ContainsKey(AbortCid); }, "the Abort's answer");
        Assert.Equal(1u, stack.Admin.Responses[AbortCid].Dw0 & 1);
        Assert.True(qpair.Destroyed);
    }

    [Fact]
    public void With_the_defect_the_retry_reads_the_freed_request_and_is_reported()
    {
        // docs/findings/018 as SPDK HEAD: _nvmf_rdma_qpair_abort_request keeps reading the request after its qpair (and
        // the qpair's requests) were freed.
        using var stack = new Stack(DefaultOptions() with { Defects = KnownDefects.AbortRetryStaleRequest }, faults: FaultPlan.Of(DroppedRead()));
        var qpair = stack.SubmitWrite(cid: 1);

        var violation = Assert.Throws<InvariantViolationException>(() => stack.StartAbortAndForceQpError(qpair, cid: 1, untilAnswered: true));
        Assert.Equal(InvariantNames.ObjectLifetime, violation.Invariant);
        Assert.Contains("use after free", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("(SQID 1, CID 1)", violation.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void With_an_srq_the_retry_never_acts_on_another_qpairs_command_in_the_freed_slot(bool defect)
    {
        // docs/findings/018, case 2: the shared requests of an SRQ. The aborted write is flushed and freed, and in the same
        // poll qpair 2's read takes its slot (the head of the free queue). HEAD's retry then sees the read (EXECUTING) and
        // hands it to the block device's abort; the fixed retry has let go of the slot.
        var options = DefaultOptions() with { UseSrq = true, MaxSrqDepth = 32, Defects = defect ? KnownDefects.AbortRetryStaleRequest : KnownDefects.None };
        using var stack = new Stack(options, faults: FaultPlan.Of(DroppedRead()), secondIoQpair: true);
        var qpair = stack.SubmitWrite(cid: 1);
        var slot = stack.Request(1)!;
        Assert.Equal(0, stack.Admin.Submit(Stack.AbortCommand(1, 1)));
        stack.Bed.RunUntil(() => stack.Transport.AbortRetries >= 3, "the Abort's retry running");

        var io2 = stack.Io2!;
        Assert.Equal(0, io2.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Read, Cid = 3, Nsid = 1, Slba = 10, Nlb = 0, Dptr = io2.Keyed(3, 4096) }.ToCommand()));
        var cq = (Harness.Sim.Nic.SimCq)stack.Transport.PollGroups[0].Pollers[0].Cq;
        stack.Bed.RunUntil(() => cq.Count > 0, "qpair 2's capsule in the target's CQ");
        stack.Bed.ForceQpError(qpair); // its flushes join that capsule in the CQ: one poll handles both

        void Answered() => stack.Bed.RunUntil(() => { stack.Admin.PollCq(); io2.PollCq(); return stack.Admin.Responses.ContainsKey(AbortCid) && io2.Responses.ContainsKey(3); }, "the Abort's and the read's answers");
        if (defect)
        {
            var violation = Assert.Throws<InvariantViolationException>(Answered);
            Assert.Equal(InvariantNames.ObjectLifetime, violation.Invariant);
            Assert.Contains("holds CID 3", violation.Detail, StringComparison.Ordinal);
            Assert.Contains("slot was reused", violation.Detail, StringComparison.Ordinal);
            return;
        }

        Answered();
        Assert.Equal(3, slot.Cmd.Cid); // the read did run in the write's slot
        Assert.Equal(1u, stack.Admin.Responses[AbortCid].Dw0 & 1);
        Assert.True(io2.Responses[3].Status.IsSuccess);
    }

    private static TargetOptions DefaultOptions() => new() { NumSharedBuffers = 64, IoUnitSize = 4096, MaxSendSge = 16 };

    /// <summary>The first RDMA READ of the I/O qpair's QP (target QP #1; the Connects carry their data in the capsule).</summary>
    private static PacketDropFault DroppedRead() => new(new QpSelector("target", 1), WrKind.RdmaRead, 1, 1);

    /// <summary>NvmfTarget behind the transport; a raw admin host with the controller enabled and a raw I/O host on qid 1.</summary>
    private sealed class Stack : IDisposable
    {
        public Stack(TargetOptions options, long readDelayNs = 0, FaultPlan? faults = null, bool secondIoQpair = false)
        {
            var clock = new ForwardingClock();
            Target = new NvmfTarget(NvmfTargetOptions.ForTransport(options), clock);
            if (readDelayNs > 0)
            {
                Target.IoFaults = new ReadDelay(readDelayNs);
            }

            Bed = new TargetBed(options, new SimOptions { Seed = 1, TraceRecordsInMemory = 0, Faults = faults ?? FaultPlan.None }, handler: Target);
            clock.Inner = Bed.TargetHost.Clock;
            Admin = Connect("admin", 0, ConnectData.DynamicControllerId);
            var cntlid = ConnectResponse.GetCntlid(Admin.Responses[0].Dw0);
            Run(Admin, new PropertySetCommand { Cid = 1, Offset = NvmeProperty.Cc, Value = NvmfTestBed.CcEnable }.ToCommand());
            Io = Connect("io", 1, cntlid);
            Io2 = secondIoQpair ? Connect("io2", 2, cntlid) : null;
        }

        /// <summary>A second I/O host on qid 2 (same controller, same poll group), or null.</summary>
        public RawHost? Io2 { get; }

        public NvmfTarget Target { get; }

        public TargetBed Bed { get; }

        public NvmfRdmaTransport Transport => Bed.Transport;

        public RawHost Admin { get; }

        public RawHost Io { get; }

        public RdmaQpair IoQpair => Transport.Qpairs.Single(q => q.Qid == 1 && !q.Destroyed);

        /// <summary>The I/O qpair's request holding <paramref name="cid"/>, or null.</summary>
        public RdmaRequest? Request(ushort cid) =>
            IoQpair.Resources!.Reqs.FirstOrDefault(r => r.State != RdmaRequestState.Free && r.Cmd.Cid == cid);

        /// <summary>Sends an Abort naming (SQID, CID) on the admin queue and waits for its answer.</summary>
        public NvmeCompletion Abort(ushort sqid, ushort cid)
        {
            Assert.Equal(0, Admin.Submit(AbortCommand(sqid, cid)));
            Bed.RunUntil(() => { Admin.PollCq(); return Admin.Responses.ContainsKey(AbortCid); }, "the Abort's answer");
            return Admin.Responses[AbortCid];
        }

        /// <summary>A one-block write; returns once its READ is on the wire (TRANSFERRING_HOST_TO_CONTROLLER).</summary>
        public RdmaQpair SubmitWrite(ushort cid)
        {
            var qpair = IoQpair;
            Assert.Equal(0, Io.Submit(new ReadWriteCommand { Opcode = NvmeIoOpcode.Write, Cid = cid, Nsid = 1, Slba = 10, Nlb = 0, Dptr = Io.Keyed(1, 4096) }.ToCommand()));
            Bed.RunUntil(() => Request(cid)?.State == RdmaRequestState.TransferringHostToController, "the write's READ on the wire");
            return qpair;
        }

        /// <summary>Sends the Abort, lets its retry run a few polls, then forces the I/O qpair's QP to ERR.</summary>
        public void StartAbortAndForceQpError(RdmaQpair qpair, ushort cid, bool untilAnswered = false)
        {
            Assert.Equal(0, Admin.Submit(AbortCommand(1, cid)));
            Bed.RunUntil(() => Transport.AbortRetries >= 3, "the Abort's retry running");
            Bed.ForceQpError(qpair);
            Bed.RunUntil(() => qpair.Destroyed, "the flushed qpair destroyed");
            if (untilAnswered)
            {
                Bed.RunUntil(() => { Admin.PollCq(); return Admin.Responses.ContainsKey(AbortCid); }, "the Abort's answer");
            }
        }

        public void Dispose() => Bed.Dispose();

        public static NvmeCommand AbortCommand(ushort sqid, ushort cid) =>
            new() { Opcode = (byte)NvmeAdminOpcode.Abort, Cid = AbortCid, Cdw10 = sqid | ((uint)cid << 16) };

        private RawHost Connect(string name, ushort qid, ushort cntlid)
        {
            var host = Bed.AddHost(name, Depth);
            host.Connect(Bed.Address, RawHost.ConnectPrivateData(qid, Depth), 16);
            Bed.RunUntil(() => host.PollCm() == Harness.Transport.RdmaCm.CmEventType.Established || host.CmEvents.Contains(Harness.Transport.RdmaCm.CmEventType.Established), "ESTABLISHED");
            var connect = new ConnectCommand { Cid = 0, Qid = qid, Sqsize = Depth - 1, Dptr = SglDescriptor.InCapsule(0, ConnectData.Size) }.ToCommand();
            Assert.Equal(0, host.Submit(connect, NvmfTestBed.ConnectDataBytes(cntlid)));
            Bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(0); }, "Connect response");
            Assert.True(host.Responses[0].Status.IsSuccess);
            return host;
        }

        private void Run(RawHost host, NvmeCommand cmd)
        {
            Assert.Equal(0, host.Submit(cmd));
            Bed.RunUntil(() => { host.PollCq(); return host.Responses.ContainsKey(cmd.Cid); }, $"response to CID {cmd.Cid}");
            Assert.True(host.Responses[cmd.Cid].Status.IsSuccess);
        }
    }

    private sealed class ReadDelay(long delayNs) : INvmfIoFaults
    {
        public NvmfIoFault OnIo(ushort cntlid, ushort qid, NvmeIoOpcode opcode, ulong slba) =>
            opcode == NvmeIoOpcode.Read ? new NvmfIoFault(NvmeStatus.Success, delayNs) : NvmfIoFault.None;
    }

    private sealed class ForwardingClock : IClock
    {
        public IClock? Inner { get; set; }

        public long NowNs => Inner?.NowNs ?? 0;
    }
}
