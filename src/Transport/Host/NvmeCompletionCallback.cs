using Harness.Transport.Nvme;

namespace Harness.Transport.Host;

/// <summary>
/// Called exactly once per submitted command, on the thread that polls its qpair: with the target's completion, or
/// with ABORTED - SQ DELETION when the qpair died first. Cache the delegate: submitting does not allocate.
/// </summary>
public delegate void NvmeCompletionCallback(object? context, in NvmeCompletion completion);
