namespace Harness.Transport.Host;

/// <summary>Lifecycle of an <see cref="NvmeRdmaController"/> (a condensed <c>nvme_ctrlr_state</c> for fabrics).</summary>
public enum ControllerState
{
    /// <summary>Created, not started.</summary>
    Init,

    /// <summary>Admin qpair connecting (CM, Fabrics Connect).</summary>
    ConnectAdminQpair,

    /// <summary>Property Get CAP.</summary>
    ReadCap,

    /// <summary>Property Set CC.EN = 1.</summary>
    EnableController,

    /// <summary>Property Get CSTS until RDY = 1 (bounded by CAP.TO).</summary>
    WaitForReady,

    /// <summary>Identify Controller.</summary>
    IdentifyController,

    /// <summary>Identify Namespace 1.</summary>
    IdentifyNamespace,

    /// <summary>Set Features, Number of Queues.</summary>
    SetNumberOfQueues,

    /// <summary>Ready: I/O qpairs can be created, keep-alive runs.</summary>
    Ready,

    /// <summary>Reset: every qpair disconnects, then the controller is connected and enabled again.</summary>
    Resetting,

    /// <summary>Failed: the admin qpair failed or initialization failed; reset or delete it.</summary>
    Failed,

    /// <summary>Deleting: I/O qpairs freed, admin qpair disconnected, resources released.</summary>
    Deleting,

    /// <summary>Deleted: nothing is left.</summary>
    Deleted,
}
