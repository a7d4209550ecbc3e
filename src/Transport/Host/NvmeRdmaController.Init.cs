using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Transport.Host;

/// <summary>
/// Controller initialization over fabrics (a condensed nvme_ctrlr_process_init): admin Connect, CAP, CC.EN = 1,
/// CSTS.RDY (bounded by CAP.TO), Identify Controller and Namespace 1, Number of Queues. Runs on the admin thread
/// under the controller lock; each admin completion moves to the next step.
/// </summary>
public sealed partial class NvmeRdmaController
{
    private static readonly NvmeCompletionCallback CapRead = (c, in cpl) => ((NvmeRdmaController)c!).OnCapRead(cpl);
    private static readonly NvmeCompletionCallback CcWritten = (c, in cpl) => ((NvmeRdmaController)c!).OnCcWritten(cpl);
    private static readonly NvmeCompletionCallback CstsRead = (c, in cpl) => ((NvmeRdmaController)c!).OnCstsRead(cpl);
    private static readonly NvmeCompletionCallback ControllerIdentified = (c, in cpl) => ((NvmeRdmaController)c!).OnControllerIdentified(cpl);
    private static readonly NvmeCompletionCallback NamespaceIdentified = (c, in cpl) => ((NvmeRdmaController)c!).OnNamespaceIdentified(cpl);
    private static readonly NvmeCompletionCallback QueuesSet = (c, in cpl) => ((NvmeRdmaController)c!).OnNumberOfQueuesSet(cpl);
    private long _readyDeadlineNs;
    private long _nextCstsReadNs;
    private bool _cstsReadOutstanding;
    private bool _reconnectIoWhenReady;

    /// <summary>One step of the controller's own state machine (admin thread, controller lock held).</summary>
    private int StepController()
    {
        if (Volatile.Read(ref _deleteRequested) != 0 && _state < ControllerState.Deleting)
        {
            BeginDelete();
            return 1;
        }

        if (Volatile.Read(ref _resetRequested) != 0 && _state is ControllerState.Ready or ControllerState.Failed)
        {
            BeginReset();
            return 1;
        }

        switch (_state)
        {
            case ControllerState.Init:
                _state = ControllerState.ConnectAdminQpair;
                AdminQpair.RequestConnect();
                return 1;
            case ControllerState.ConnectAdminQpair:
                return StepConnectAdmin();
            case ControllerState.WaitForReady:
                return StepWaitForReady();
            case ControllerState.Ready:
                return StepAborts();
            case ControllerState.Resetting:
                return StepReset();
            case ControllerState.Deleting:
                return StepDelete();
            default:
                return 0; // waiting for an admin completion, or failed
        }
    }

    private int StepConnectAdmin()
    {
        if (AdminQpair.State == NvmeRdmaQpairState.Running)
        {
            _state = ControllerState.ReadCap;
            SubmitAdmin(new PropertyGetCommand { Size = PropertySize.EightBytes, Offset = NvmeProperty.Cap }.ToCommand(), 0, CapRead);
            return 1;
        }

        if (AdminQpair.State == NvmeRdmaQpairState.Exited && AdminQpair.FailureReason != QpairFailureReason.None)
        {
            EnterFailed($"admin qpair could not connect ({AdminQpair.FailureReason})");
            return 1;
        }

        return 0;
    }

    private void OnCapRead(in NvmeCompletion cpl)
    {
        if (!InitStepSucceeded(cpl, "Property Get CAP"))
        {
            return;
        }

        Capabilities = ControllerCapabilities.FromRaw(cpl.Value64);
        _state = ControllerState.EnableController;
        var cc = new ControllerConfiguration { Enable = true, Css = 0, Mps = 0, Iosqes = 6, Iocqes = 4 };
        SubmitAdmin(new PropertySetCommand { Size = PropertySize.FourBytes, Offset = NvmeProperty.Cc, Value = cc.ToRaw() }.ToCommand(), 0, CcWritten);
    }

    private void OnCcWritten(in NvmeCompletion cpl)
    {
        if (!InitStepSucceeded(cpl, "Property Set CC.EN"))
        {
            return;
        }

        _state = ControllerState.WaitForReady;
        _readyDeadlineNs = Clock.NowNs + (Math.Max(1, (int)Capabilities.Timeout) * 500_000_000L); // CAP.TO is in 500 ms units
        _nextCstsReadNs = Clock.NowNs;
    }

    private int StepWaitForReady()
    {
        if (_cstsReadOutstanding || Clock.NowNs < _nextCstsReadNs)
        {
            return 0;
        }

        if (Clock.NowNs >= _readyDeadlineNs)
        {
            EnterFailed("CSTS.RDY did not become 1 within CAP.TO");
            return 1;
        }

        _cstsReadOutstanding = true;
        SubmitAdmin(new PropertyGetCommand { Size = PropertySize.FourBytes, Offset = NvmeProperty.Csts }.ToCommand(), 0, CstsRead);
        return 1;
    }

    private void OnCstsRead(in NvmeCompletion cpl)
    {
        _cstsReadOutstanding = false;
        if (!InitStepSucceeded(cpl, "Property Get CSTS"))
        {
            return;
        }

        var csts = ControllerStatus.FromRaw(cpl.Dw0);
        if (csts.Cfs)
        {
            EnterFailed("CSTS.CFS is set");
        }
        else if (!csts.Ready)
        {
            _nextCstsReadNs = Clock.NowNs + Options.ReadyPollIntervalNs;
        }
        else
        {
            _state = ControllerState.IdentifyController;
            var cmd = new IdentifyCommand { Cns = IdentifyCns.Controller }.ToCommand();
            SubmitAdmin(cmd, IdentifyControllerData.Size, ControllerIdentified);
        }
    }

    private void OnControllerIdentified(in NvmeCompletion cpl)
    {
        if (!InitStepSucceeded(cpl, "Identify Controller"))
        {
            return;
        }

        IdentifyControllerData.TryDecode(_adminData.Span[..IdentifyControllerData.Size], out var cdata);
        if (Options.KeepAliveTimeoutMs != 0)
        {
            EnableKeepAlive(); // where HEAD's init sets the keep-alive timeout (after Identify and Configure AER)
        }

        ControllerData = cdata;
        InCapsuleDataBytes = cdata.InCapsuleDataSize;
        if (cdata.Nn >= 1)
        {
            _state = ControllerState.IdentifyNamespace;
            SubmitAdmin(new IdentifyCommand { Cns = IdentifyCns.Namespace, Nsid = 1 }.ToCommand(), IdentifyNamespaceData.Size, NamespaceIdentified);
        }
        else
        {
            SetNumberOfQueues();
        }
    }

    private void OnNamespaceIdentified(in NvmeCompletion cpl)
    {
        if (InitStepSucceeded(cpl, "Identify Namespace"))
        {
            IdentifyNamespaceData.TryDecode(_adminData.Span[..IdentifyNamespaceData.Size], out var ns);
            NamespaceData = ns;
            SetNumberOfQueues();
        }
    }

    private void SetNumberOfQueues()
    {
        _state = ControllerState.SetNumberOfQueues;
        var wanted = (ushort)Math.Clamp(Options.IoQueuesRequested - 1, 0, ushort.MaxValue - 1);
        SubmitAdmin(FeaturesCommand.SetNumberOfQueues(0, new NumberOfQueues(wanted, wanted)).ToCommand(), 0, QueuesSet);
    }

    private void OnNumberOfQueuesSet(in NvmeCompletion cpl)
    {
        if (!InitStepSucceeded(cpl, "Set Features Number of Queues"))
        {
            return;
        }

        var granted = NumberOfQueues.FromDword(cpl.Dw0);
        IoQueuesAllocated = Math.Min(Math.Min(granted.SubmissionQueues, granted.CompletionQueues) + 1, Options.IoQueuesRequested);
        _state = ControllerState.Ready;
        Log($"ctrlr {Name}: ready, cntlid {Cntlid}, {IoQueuesAllocated} I/O queues");
        if (_reconnectIoWhenReady)
        {
            _reconnectIoWhenReady = false;
            foreach (var qpair in IoQpairs)
            {
                qpair.Reconnect();
            }
        }
    }

    private bool InitStepSucceeded(in NvmeCompletion cpl, string what)
    {
        if (cpl.Status.IsSuccess)
        {
            return true;
        }

        EnterFailed($"{what} failed: {cpl}");
        return false;
    }

    private void SubmitAdmin(in NvmeCommand cmd, int dataLength, NvmeCompletionCallback callback)
    {
        var data = dataLength > 0 ? AdminData(dataLength) : default;
        var rc = AdminQpair.SubmitInternal(cmd, data, callback, this);
        if (rc != 0)
        {
            EnterFailed($"admin command 0x{cmd.Opcode:x2} could not be submitted: {Errno.Name(rc)}");
        }
    }

    private void EnterFailed(string why)
    {
        if (_state is ControllerState.Resetting or ControllerState.Failed or ControllerState.Deleting or ControllerState.Deleted)
        {
            return; // e.g. an admin command aborted because a reset or delete disconnected the admin qpair
        }

        Log($"ctrlr {Name}: *ERROR* {why}");
        _state = ControllerState.Failed;
        _cstsReadOutstanding = false;
        AdminQpair.Disconnect();
    }
}
