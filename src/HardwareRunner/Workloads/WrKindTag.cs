namespace Harness.HardwareRunner.Workloads;

/// <summary>What a work request of the workload is, as carried in the top byte of its wr_id.</summary>
internal enum WrKindTag : byte
{
    None = 0,
    HostWrite = 1,
    HostSend = 2,
    HostRead = 3,
    HostRecv = 4,
    TargetRecv = 5,
    TargetSend = 6,
}
