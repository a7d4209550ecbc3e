namespace Harness.HardwareRunner.Workloads;

/// <summary>What the target says about a request.</summary>
internal enum ResponseStatus : ushort
{
    /// <summary>The written bytes are there.</summary>
    Ok = 0,

    /// <summary>The bytes in the block do not match the request's checksum.</summary>
    ChecksumMismatch = 1,

    /// <summary>The request named a block or length outside the qpair's region.</summary>
    BadRequest = 2,
}
