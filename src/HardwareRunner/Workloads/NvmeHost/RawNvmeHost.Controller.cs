using System.Globalization;
using Harness.Transport.Nvme;
using NvmeConnectData = Harness.Transport.Nvme.ConnectData;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>The controller: enable, reconnect, reset after an admin failure, shutdown and release.</summary>
public sealed partial class RawNvmeHost
{
    /// <summary>CC.IOSQES / CC.IOCQES the target requires before I/O qpairs connect (64-byte SQEs, 16-byte CQEs).</summary>
    private const byte IoSqEntrySizeLog2 = 6;
    private const byte IoCqEntrySizeLog2 = 4;

    /// <summary>CC.SHN normal shutdown; CSTS.SHST shutdown complete.</summary>
    private const byte ShnNormal = 1;
    private const byte ShstComplete = 2;

    /// <summary>Interval between CSTS reads while waiting for RDY or SHST.</summary>
    private const long CstsPollIntervalNs = 1_000_000;

    private const ulong TagCcEnable = 1;
    private const ulong TagCstsReady = 2;
    private const ulong TagCcShutdown = 3;
    private const ulong TagCstsShutdown = 4;

    private long _cstsPollAtNs = -1;
    private ulong _cstsPollTag;
    private int _cstsPolls;
    private bool _shnSent;

    /// <inheritdoc/>
    public void Shutdown()
    {
        if (_phase is ControllerPhase.ShuttingDown or ControllerPhase.Releasing or ControllerPhase.Closed)
        {
            return;
        }

        if (_phase == ControllerPhase.Idle)
        {
            _phase = ControllerPhase.Closed;
            return;
        }

        _phase = ControllerPhase.ShuttingDown;
        _cstsPollAtNs = -1;
        foreach (var q in _io)
        {
            q.Fail(null);
        }
    }

    internal void OnQpairFailing(RawQpair qpair, string? reason)
    {
        if (reason != null)
        {
            Counters.QpairsFailed++;
            if (Counters.FailureReasons.Count < NvmeHostDriverOptions.FailureReasonsMax)
            {
                Counters.FailureReasons.Add(string.Create(CultureInfo.InvariantCulture, $"{qpair.Name} at {Stack.Clock.NowNs / 1e6:0.###} ms: {reason}"));
            }
        }

        if (qpair == _admin && _phase is ControllerPhase.ConnectingAdmin or ControllerPhase.Enabling or ControllerPhase.Ready)
        {
            BeginReset();
        }
    }

    internal void OnCmEventTimeout(RawQpair qpair, string what)
    {
        Counters.CmEventTimeouts++;
        if (Counters.FailureReasons.Count < NvmeHostDriverOptions.FailureReasonsMax)
        {
            Counters.FailureReasons.Add(string.Create(CultureInfo.InvariantCulture, $"{qpair.Name} at {Stack.Clock.NowNs / 1e6:0.###} ms: {what}"));
        }
    }

    internal void OnQpairRunning(RawQpair qpair)
    {
        Counters.QpairsConnected++;
        if (qpair != _admin)
        {
            qpair.ConsecutiveFailures = 0;
            return;
        }

        if (_phase == ControllerPhase.ConnectingAdmin)
        {
            _phase = ControllerPhase.Enabling;
            var cc = new ControllerConfiguration { Enable = true, Iosqes = IoSqEntrySizeLog2, Iocqes = IoCqEntrySizeLog2 };
            SubmitAdmin(new PropertySetCommand { Size = PropertySize.FourBytes, Offset = NvmeProperty.Cc, Value = cc.ToRaw() }.ToCommand(), TagCcEnable);
        }
    }

    internal void OnQpairClosed(RawQpair qpair)
    {
        if (qpair == _admin || qpair.GaveUp || _phase != ControllerPhase.Ready)
        {
            return; // the controller's step decides (reset, shutdown); a reset reconnects every qpair once enabled
        }

        qpair.ConsecutiveFailures++;
        if (qpair.ConsecutiveFailures > Options.ConsecutiveFailuresMax || qpair.Reconnects >= Options.ReconnectsMax)
        {
            qpair.GaveUp = true;
            return;
        }

        qpair.ReconnectAtNs = Stack.Clock.NowNs + Backoff(qpair.ConsecutiveFailures);
    }

    internal void OnAdminCompleted(ulong tag, in NvmeCompletion cpl)
    {
        if (cpl.Status.HasSameCode(NvmeStatus.AbortedSqDeletion) || _admin.State != RawQpairState.Running)
        {
            return; // the admin qpair died: the reset or the shutdown carries on without this answer
        }

        var fabrics = NvmeCommand.FabricsOpcode;
        switch (tag)
        {
            case TagCcEnable when cpl.Status.IsError:
                _admin.Fail($"Property Set CC.EN = 1 refused: {cpl.Status.ToString(fabrics)}");
                break;
            case TagCcShutdown when cpl.Status.IsError:
            case TagCstsShutdown when cpl.Status.IsError:
                Violation(NvmeHostInvariants.Protocol, $"host: the shutdown notification failed: {cpl.Status.ToString(fabrics)}");
                DisconnectAdmin();
                break;
            case TagCstsReady when cpl.Status.IsError:
                _admin.Fail($"Property Get CSTS failed: {cpl.Status.ToString(fabrics)}");
                break;
            case TagCcEnable:
            case TagCcShutdown:
                _cstsPolls = 0;
                ScheduleCstsPoll(tag == TagCcEnable ? TagCstsReady : TagCstsShutdown, 0);
                break;
            default:
                OnCsts(tag, ControllerStatus.FromRaw(cpl.Dw0));
                break;
        }
    }

    private void OnCsts(ulong tag, ControllerStatus csts)
    {
        var done = tag == TagCstsReady ? csts.Ready : csts.Shst == ShstComplete;
        if (done && tag == TagCstsReady)
        {
            _phase = ControllerPhase.Ready;
            _admin.ConsecutiveFailures = 0;
            foreach (var q in _io)
            {
                q.ReconnectAtNs = 0; // connect every I/O qpair now
            }
        }
        else if (done || ++_cstsPolls > Options.ShutdownPollsMax)
        {
            if (tag == TagCstsReady)
            {
                _admin.Fail($"CSTS.RDY still 0 after {_cstsPolls} reads");
            }
            else
            {
                DisconnectAdmin(); // shutdown complete, or the target never said so: disconnect anyway
            }
        }
        else
        {
            ScheduleCstsPoll(tag, CstsPollIntervalNs);
        }
    }

    private void ScheduleCstsPoll(ulong tag, long delayNs)
    {
        _cstsPollTag = tag;
        _cstsPollAtNs = Stack.Clock.NowNs + delayNs;
    }

    private int StepController(long now)
    {
        if (_cstsPollAtNs >= 0 && now >= _cstsPollAtNs && _admin.State == RawQpairState.Running)
        {
            _cstsPollAtNs = -1;
            SubmitAdmin(new PropertyGetCommand { Size = PropertySize.FourBytes, Offset = NvmeProperty.Csts }.ToCommand(), _cstsPollTag);
            return 1;
        }

        return _phase switch
        {
            ControllerPhase.Ready => ReconnectIoQpairs(now),
            ControllerPhase.Resetting => StepReset(now),
            ControllerPhase.ShuttingDown => StepShutdown(),
            ControllerPhase.Releasing when _admin.State == RawQpairState.Closed => Release(),
            _ => 0,
        };
    }

    private int ReconnectIoQpairs(long now)
    {
        var work = 0;
        foreach (var q in _io)
        {
            if (q.State == RawQpairState.Closed && !q.GaveUp && now >= q.ReconnectAtNs)
            {
                ConnectQpair(q, _admin.Cntlid);
                work++;
            }
        }

        return work;
    }

    private void BeginReset()
    {
        _phase = ControllerPhase.Resetting;
        _cstsPollAtNs = -1;
        _admin.ReconnectAtNs = -1;
        _admin.ConsecutiveFailures++;
        Counters.ControllerResets++;
        foreach (var q in _io)
        {
            q.Fail("controller reset: the admin qpair failed");
        }
    }

    private int StepReset(long now)
    {
        if (_admin.State != RawQpairState.Closed || Array.Exists(_io, q => q.State != RawQpairState.Closed))
        {
            return 0;
        }

        if (_admin.ConsecutiveFailures > Options.ConsecutiveFailuresMax || _admin.Reconnects >= Options.ReconnectsMax)
        {
            Violation(NvmeHostInvariants.NoProgress, string.Create(CultureInfo.InvariantCulture,
                $"host: the controller could not be reconnected ({_admin.ConsecutiveFailures} failures in a row, {_admin.Reconnects} resets)"));
            GiveUpAll();
            return 1;
        }

        if (_admin.ReconnectAtNs < 0)
        {
            _admin.ReconnectAtNs = now + Backoff(_admin.ConsecutiveFailures);
        }

        if (now < _admin.ReconnectAtNs)
        {
            return 0;
        }

        _admin.ReconnectAtNs = -1;
        _phase = ControllerPhase.ConnectingAdmin;
        ConnectQpair(_admin, NvmeConnectData.DynamicControllerId);
        return 1;
    }

    private int StepShutdown()
    {
        if (Array.Exists(_io, q => q.State != RawQpairState.Closed))
        {
            return 0;
        }

        switch (_admin.State)
        {
            case RawQpairState.Closed:
                return Release();
            case RawQpairState.Running when !_shnSent:
                _shnSent = true;
                var cc = new ControllerConfiguration { Enable = true, Iosqes = IoSqEntrySizeLog2, Iocqes = IoCqEntrySizeLog2, Shn = ShnNormal };
                SubmitAdmin(new PropertySetCommand { Size = PropertySize.FourBytes, Offset = NvmeProperty.Cc, Value = cc.ToRaw() }.ToCommand(), TagCcShutdown);
                return 1;
            case RawQpairState.Running:
                return 0; // waiting for the shutdown notification's answers
            default:
                DisconnectAdmin(); // never got (back) to running: just disconnect
                return 1;
        }
    }

    private void DisconnectAdmin()
    {
        _cstsPollAtNs = -1;
        _phase = ControllerPhase.Releasing;
        _admin.Fail(null);
    }

    private void ConnectQpair(RawQpair qpair, ushort cntlid)
    {
        if (qpair.Connects > 0)
        {
            qpair.Reconnects++;
            Counters.Reconnects++;
        }

        qpair.Connects++;
        qpair.Connect(_channel!, _pd!, cntlid);
    }

    private void SubmitAdmin(NvmeCommand cmd, ulong tag)
    {
        var rc = _admin.Submit(cmd, CommandKind.Admin, tag);
        if (rc != Errno.Ok && _admin.State == RawQpairState.Running)
        {
            _admin.Fail($"admin command could not be sent: {Errno.Name(rc)}");
        }
    }

    private void GiveUpAll()
    {
        _phase = ControllerPhase.Failed;
        foreach (var q in _io)
        {
            q.GaveUp = true;
        }
    }

    private long Backoff(int failures) =>
        Math.Min(Options.ReconnectDelayNsMax, Options.ReconnectDelayNs << Math.Clamp(failures - 1, 0, 30));

    /// <summary>Deregisters the application's memory, deallocates the PD, destroys the channel, closes the device.</summary>
    private int Release()
    {
        foreach (var mr in _registered.Values)
        {
            Released(mr.Dereg(), "ibv_dereg_mr");
        }

        _registered.Clear();
        if (_pd != null)
        {
            Released(_pd.Dealloc(), "ibv_dealloc_pd");
        }

        if (_channel != null)
        {
            Released(_channel.Destroy(), "rdma_destroy_event_channel");
        }

        if (_context != null)
        {
            Released(_context.Close(), "ibv_close_device");
        }

        _phase = ControllerPhase.Closed;
        return 1;
    }

    private void Released(int rc, string call)
    {
        if (rc != Errno.Ok)
        {
            Violation(NvmeHostInvariants.ResourceLeak, $"host: {call} failed: {Errno.Name(rc)} (something still uses it)");
        }
    }
}
