namespace Harness.HardwareRunner.Workloads.NvmeHost;

/// <summary>Where the <see cref="RawNvmeHost"/> controller is (SPDK's controller init states, coarsely).</summary>
internal enum ControllerPhase
{
    /// <summary>Not started.</summary>
    Idle,

    /// <summary>The admin qpair is connecting (first connect or after a reset).</summary>
    ConnectingAdmin,

    /// <summary>Property Set CC.EN = 1 sent; then CSTS is read until RDY = 1.</summary>
    Enabling,

    /// <summary>Enabled: I/O qpairs connect and run.</summary>
    Ready,

    /// <summary>The admin qpair failed: every qpair is torn down, then the controller is connected again.</summary>
    Resetting,

    /// <summary>The controller could not be brought back: every qpair gave up; waiting for <c>Shutdown</c>.</summary>
    Failed,

    /// <summary>Shutdown asked: I/O qpairs disconnect, then CC.SHN = normal and CSTS.SHST is awaited.</summary>
    ShuttingDown,

    /// <summary>The admin qpair disconnects; then everything is released.</summary>
    Releasing,

    /// <summary>Everything released.</summary>
    Closed,
}
