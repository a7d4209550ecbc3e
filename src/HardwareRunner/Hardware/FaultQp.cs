using Harness.Transport.RdmaCm;
using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Hardware;

/// <summary>A live connection a fault action can act on: its name for the report, its QP and its CM id.</summary>
public readonly record struct FaultQp(string Name, IQueuePair Qp, ICmId CmId);

/// <summary>Whether the QP a fault action names can be acted on now.</summary>
public enum FaultQpLookup
{
    /// <summary>Live and carrying I/O: act now.</summary>
    Found,

    /// <summary>Not connected yet (or between connections): wait.</summary>
    NotYet,

    /// <summary>Destroyed before the fault's point, or one that never exists: the action cannot happen.</summary>
    Gone,
}
