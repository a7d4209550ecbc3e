using Harness.Tests.Systematic.Specifications;
using Harness.Transport.Host;
using Harness.Transport.Threading;
using Microsoft.Coyote.Specifications;

namespace Harness.Tests.Systematic.Host;

/// <summary>
/// A poller after the host's own on a reactor (so it runs on the qpairs' thread, between rounds): reads each watched
/// qpair's new state transitions and tells <see cref="DisconnectsFinish"/> when a disconnect begins (EXITING) and when it
/// finishes (EXITED, or STALE_CONN: a stale connection's disconnect ends with its resources destroyed, waiting to reconnect).
/// </summary>
public sealed class QpairWatcher : IPoller
{
    private readonly List<(NvmeRdmaQpair Qpair, int Seen, bool Disconnecting)> _watched = new();

    public string Name => "qpair_watcher";

    public void Watch(NvmeRdmaQpair qpair) => _watched.Add((qpair, qpair.StateHistory.Count, false));

    public int Poll()
    {
        for (var i = 0; i < _watched.Count; i++)
        {
            var (qpair, seen, disconnecting) = _watched[i];
            var history = qpair.StateHistory;
            Specification.Assert(history.Count < NvmeRdmaQpair.StateHistoryMax, "{0}: state history full, the watcher would miss transitions", qpair.Name);
            for (var k = seen; k < history.Count; k++)
            {
                if (history[k] == NvmeRdmaQpairState.Exiting && !disconnecting)
                {
                    disconnecting = true;
                    Specification.Monitor<DisconnectsFinish>(new DisconnectsFinish.Began(qpair.Name));
                }
                else if (history[k] is (NvmeRdmaQpairState.Exited or NvmeRdmaQpairState.StaleConn) && disconnecting)
                {
                    disconnecting = false;
                    Specification.Monitor<DisconnectsFinish>(new DisconnectsFinish.Ended(qpair.Name));
                }
            }

            _watched[i] = (qpair, history.Count, disconnecting);
        }

        return 0; // watching is not work: it never keeps a thread awake
    }
}
