using System.Runtime.InteropServices;
using Harness.HardwareRunner.Native;
using Harness.HardwareRunner.Native.Handles;
using Harness.HardwareRunner.Native.Interop;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Native;

/// <summary>
/// A pretend verbs provider in native memory: an <c>ibv_context</c> whose ops table points at C#
/// <see cref="UnmanagedCallersOnlyAttribute"/> functions, and <c>ibv_pd</c>/<c>ibv_cq</c>/<c>ibv_qp</c>/<c>ibv_srq</c>
/// structs that point at it. The backend's wrappers run on it unchanged (with borrowed handles, so nothing is
/// "destroyed" natively), which exercises the data path exactly as a real provider would see it: the ops-table call,
/// the linked native WR chain, <c>bad_wr</c>, and the <c>ibv_wc</c> array, all without an RDMA device.
/// </summary>
internal sealed unsafe class FakeProvider : IDisposable
{
    public const uint QpNum = 0x1a2b;
    public const int CqEntries = 256;

    [ThreadStatic]
    private static FakeProvider? _current;

    private readonly byte* _memory;

    public FakeProvider(uint maxSendSge = 4, uint maxRecvSge = 4, bool srq = false)
    {
        _memory = (byte*)NativeMemory.AllocZeroed(4096);
        Context = (IbvContext*)_memory;
        Pd = (IbvPd*)(_memory + 1024);
        Cq = (IbvCq*)(_memory + 1280);
        Qp = (IbvQp*)(_memory + 1536);
        SrqNative = (IbvSrq*)(_memory + 2048);
        Context->AsyncFd = -1;
        Context->PollCq = &PollCqFake;
        Context->ReqNotifyCq = &ReqNotifyFake;
        Context->PostSend = &PostSendFake;
        Context->PostRecv = &PostRecvFake;
        Context->PostSrqRecv = &PostSrqRecvFake;
        Pd->Context = Context;
        Cq->Context = Context;
        Cq->Cqe = CqEntries;
        Qp->Context = Context;
        Qp->QpNum = QpNum;
        SrqNative->Context = Context;
        _current = this;

        Tracker = new NativeResourceTracker();
        var verbs = new NativeVerbs(Tracker);
        ContextWrapper = new NativeContext(verbs, new NativeDevice(verbs, 0, "fake0", 0x1122334455667788), new SafeIbvContextHandle((nint)Context, owns: false), shared: false);
        PdWrapper = new NativePd(ContextWrapper, new SafeIbvPdHandle((nint)Pd, owns: false));
        CqWrapper = new NativeCq(ContextWrapper, new SafeIbvCqHandle((nint)Cq, owns: false), null, "cq context");
        if (srq)
        {
            SrqWrapper = new NativeSrq(PdWrapper, new SafeIbvSrqHandle((nint)SrqNative, owns: false), "srq context", new IbvSrqAttr { MaxWr = 64, MaxSge = maxRecvSge });
            PdWrapper.AddUser(); // as NativePd.CreateSrq does
        }

        var init = new QpInitAttr
        {
            QpContext = "qp context",
            SendCq = CqWrapper,
            RecvCq = CqWrapper,
            Srq = SrqWrapper,
            QpType = QpType.Rc,
            Cap = new QpCap { MaxSendWr = 128, MaxRecvWr = 128, MaxSendSge = maxSendSge, MaxRecvSge = maxRecvSge },
        };
        QpWrapper = NativeQp.Wrap(PdWrapper, new SafeIbvQpHandle((nint)Qp, owns: false), init, VerbsMarshalCap(init.Cap));
    }

    public IbvContext* Context { get; }

    public IbvPd* Pd { get; }

    public IbvCq* Cq { get; }

    public IbvQp* Qp { get; }

    public IbvSrq* SrqNative { get; }

    public NativeResourceTracker Tracker { get; }

    public NativeContext ContextWrapper { get; }

    public NativePd PdWrapper { get; }

    public NativeCq CqWrapper { get; }

    public NativeSrq? SrqWrapper { get; }

    public NativeQp QpWrapper { get; }

    /// <summary>Every send WR the provider saw, in order (when <see cref="Record"/>).</summary>
    public List<SendWorkRequest> Sends { get; } = new();

    /// <summary>Every receive WR the provider saw (QP and SRQ), in order, tagged with where it went.</summary>
    public List<(string Queue, RecvWorkRequest Wr)> Recvs { get; } = new();

    /// <summary>False: the fake only counts (the allocation test must not allocate in the fake either).</summary>
    public bool Record { get; set; } = true;

    /// <summary>Provider calls made (post_send, post_recv, post_srq_recv, poll_cq, req_notify_cq).</summary>
    public int Calls { get; private set; }

    public long SentCount { get; private set; }

    /// <summary>When ≥ 0: the WR with this overall index is refused with <see cref="FailResult"/> (<c>bad_wr</c> set to it).</summary>
    public long FailAtWr { get; set; } = -1;

    public int FailResult { get; set; } = Errno.ENOMEM;

    /// <summary>Completions poll_cq hands out, in order.</summary>
    public Queue<IbvWc> Completions { get; } = new();

    /// <summary>When set, poll_cq returns this (negative) instead of completions.</summary>
    public int? PollFailure { get; set; }

    /// <summary>When true, poll_cq invents completions (wr_id = a counter) instead of using <see cref="Completions"/>.</summary>
    public bool EndlessCompletions { get; set; }

    public int LastNotifySolicited { get; private set; } = -1;

    public void Dispose()
    {
        _current = null;
        Tracker.DisposeAll();
        NativeMemory.Free(_memory);
    }

    private static IbvQpCap VerbsMarshalCap(in QpCap c) => new()
    {
        MaxSendWr = c.MaxSendWr,
        MaxRecvWr = c.MaxRecvWr,
        MaxSendSge = c.MaxSendSge,
        MaxRecvSge = c.MaxRecvSge,
    };

    [UnmanagedCallersOnly]
    private static int PostSendFake(IbvQp* qp, IbvSendWr* wr, IbvSendWr** bad)
    {
        var f = _current!;
        f.Calls++;
        for (var w = wr; w != null; w = w->Next)
        {
            if (f.SentCount == f.FailAtWr)
            {
                *bad = w;
                return f.FailResult;
            }

            if (f.Record)
            {
                f.Sends.Add(ToManaged(w));
            }

            f.SentCount++;
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static int PostRecvFake(IbvQp* qp, IbvRecvWr* wr, IbvRecvWr** bad) => _current!.TakeRecvs("qp", wr, bad);

    [UnmanagedCallersOnly]
    private static int PostSrqRecvFake(IbvSrq* srq, IbvRecvWr* wr, IbvRecvWr** bad) => _current!.TakeRecvs("srq", wr, bad);

    [UnmanagedCallersOnly]
    private static int PollCqFake(IbvCq* cq, int n, IbvWc* wc)
    {
        var f = _current!;
        f.Calls++;
        if (f.PollFailure is int failure)
        {
            return failure;
        }

        var i = 0;
        for (; i < n && (f.EndlessCompletions || f.Completions.Count > 0); i++)
        {
            wc[i] = f.EndlessCompletions ? new IbvWc { WrId = (ulong)f.SentCount++, QpNum = QpNum, ByteLen = 64 } : f.Completions.Dequeue();
        }

        return i;
    }

    [UnmanagedCallersOnly]
    private static int ReqNotifyFake(IbvCq* cq, int solicitedOnly)
    {
        _current!.LastNotifySolicited = solicitedOnly;
        _current.Calls++;
        return 0;
    }

    private static SendWorkRequest ToManaged(IbvSendWr* w)
    {
        var wr = new SendWorkRequest
        {
            WrId = w->WrId,
            Opcode = (WrOpcode)w->Opcode,
            Flags = (SendFlags)w->SendFlags,
            NumSge = w->NumSge,
            RemoteAddr = w->RemoteAddr,
            Rkey = w->Rkey,
            InvalidateRkeyOrImm = w->InvalidateRkey,
        };
        for (var j = 0; j < w->NumSge; j++)
        {
            wr.SgList[j] = new Sge(w->SgList[j].Addr, w->SgList[j].Length, w->SgList[j].Lkey);
        }

        return wr;
    }

    private int TakeRecvs(string queue, IbvRecvWr* wr, IbvRecvWr** bad)
    {
        Calls++;
        for (var w = wr; w != null; w = w->Next)
        {
            if (SentCount == FailAtWr)
            {
                *bad = w;
                return FailResult;
            }

            var r = new RecvWorkRequest { WrId = w->WrId, NumSge = w->NumSge };
            for (var j = 0; j < w->NumSge; j++)
            {
                r.SgList[j] = new Sge(w->SgList[j].Addr, w->SgList[j].Length, w->SgList[j].Lkey);
            }

            if (Record)
            {
                Recvs.Add((queue, r));
            }

            SentCount++;
        }

        return 0;
    }
}
