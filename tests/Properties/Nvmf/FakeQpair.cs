using Harness.Transport.Target;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// A qpair as the RDMA transport presents it to the generic layer. <see cref="Disconnect"/> behaves like the
/// transport's: the first call reports the qpair to the handler's <see cref="INvmfRequestHandler.OnQpairDisconnect"/>
/// (synchronously), later calls do nothing.
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

    public int EnableCalls { get; private set; }

    public int DisconnectCalls { get; private set; }

    public bool Enabled => EnableCalls > 0 && !Disconnected;

    public bool Disconnected { get; private set; }

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
    }

    public override string ToString() => $"fake qpair qid {Qid}";
}
