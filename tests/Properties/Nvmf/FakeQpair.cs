using Harness.Transport.Target;
using Harness.Transport.Threading;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// A qpair as the RDMA transport presents it to the generic layer. <see cref="Disconnect"/> behaves like the
/// transport's: the first call reports the qpair to the handler's <see cref="INvmfRequestHandler.OnQpairDisconnect"/>
/// (synchronously) and then, unless <see cref="HoldFini"/> keeps the qpair draining, its fini
/// (<see cref="INvmfRequestHandler.OnQpairFiniComplete"/>, see <see cref="CompleteFini"/>); later calls do nothing.
/// </summary>
public sealed class FakeQpair : INvmfQpair
{
    public FakeQpair(ushort qid, int maxQueueDepth = 128, INvmfRequestHandler? handler = null)
    {
        Qid = qid;
        MaxQueueDepth = maxQueueDepth;
        Handler = handler;
    }

    public ushort Qid { get; }

    public int MaxQueueDepth { get; }

    public object? Controller { get; set; }

    public ushort SqSize { get; set; }

    public INvmfRequest? FirstFusedReq { get; set; }

    public INvmfRequestHandler? Handler { get; set; }

    /// <summary>The thread the qpair runs on (null: none, the controller's timers run from the target's Poll).</summary>
    public IReactor? Thread { get; set; }

    public int EnableCalls { get; private set; }

    public int DisconnectCalls { get; private set; }

    public bool Enabled => EnableCalls > 0 && !Disconnected;

    public bool Disconnected { get; private set; }

    /// <summary>The qpair drains after its disconnect (outstanding commands): its fini waits for <see cref="CompleteFini"/>.</summary>
    public bool HoldFini { get; set; }

    /// <summary>The transport's fini of this qpair completed (the controller was told).</summary>
    public bool FiniCompleted { get; private set; }

    /// <summary>The qpair's drain ended: the transport's fini completes and the controller is told.</summary>
    public void CompleteFini()
    {
        if (FiniCompleted)
        {
            return;
        }

        FiniCompleted = true;
        Handler?.OnQpairFiniComplete(this);
    }

    public void Enable() => EnableCalls++;

    public void Disconnect()
    {
        DisconnectCalls++;
        if (Disconnected)
        {
            return;
        }

        Disconnected = true;
        Handler?.OnQpairDisconnect(this);
        if (!HoldFini)
        {
            CompleteFini();
        }
    }

    public override string ToString() => $"fake qpair qid {Qid}";
}
