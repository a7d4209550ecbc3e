namespace Harness.HardwareRunner.Hardware;

/// <summary>The counters of one port at one moment (<see cref="Native.NicCounters.Read"/>); empty when sysfs has none.</summary>
public sealed record NicPortCounters(string Device, int Port, IReadOnlyDictionary<string, long> Values);

/// <summary>How one port's counters moved during a run: how many were read, and every counter that changed (after − before).</summary>
public sealed record NicPortDelta(string Device, int Port, int Read, IReadOnlyDictionary<string, long> Changed);
