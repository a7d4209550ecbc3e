namespace Harness.Transport.Host;

/// <summary>
/// What the host does when an I/O command times out: bdev_nvme's <c>action_on_timeout</c>
/// (module/bdev/nvme/bdev_nvme.c:<c>timeout_cb</c>).
/// </summary>
public enum NvmeTimeoutAction
{
    /// <summary>The command's qpair is failed (every command on it completes aborted) and the driver reconnects it.</summary>
    Reset,

    /// <summary>
    /// An Abort naming the command (SQID, CID) goes to the controller (<c>spdk_nvme_ctrlr_cmd_abort</c>); an Abort that
    /// cannot be sent, completes with an error or answers "not aborted" falls back to <see cref="Reset"/> (bdev_nvme's
    /// <c>nvme_abort_cpl</c>); one that times out fails the admin queue, and with it the controller.
    /// </summary>
    Abort,
}
