namespace Harness.Sim.Wire;

/// <summary>
/// The BTH opcodes the simulated fabric puts on the wire (InfiniBand Architecture Specification vol. 1, table 38): the
/// reliable-connected ones, and the unreliable-datagram SEND the CM's MADs travel in.
/// </summary>
public enum RoceOpcode : byte
{
    /// <summary>RC SEND First.</summary>
    SendFirst = 0x00,

    /// <summary>RC SEND Middle.</summary>
    SendMiddle = 0x01,

    /// <summary>RC SEND Last.</summary>
    SendLast = 0x02,

    /// <summary>RC SEND Last with Immediate.</summary>
    SendLastWithImmediate = 0x03,

    /// <summary>RC SEND Only.</summary>
    SendOnly = 0x04,

    /// <summary>RC SEND Only with Immediate.</summary>
    SendOnlyWithImmediate = 0x05,

    /// <summary>RC RDMA WRITE First (carries the RETH).</summary>
    RdmaWriteFirst = 0x06,

    /// <summary>RC RDMA WRITE Middle.</summary>
    RdmaWriteMiddle = 0x07,

    /// <summary>RC RDMA WRITE Last.</summary>
    RdmaWriteLast = 0x08,

    /// <summary>RC RDMA WRITE Last with Immediate.</summary>
    RdmaWriteLastWithImmediate = 0x09,

    /// <summary>RC RDMA WRITE Only (carries the RETH).</summary>
    RdmaWriteOnly = 0x0A,

    /// <summary>RC RDMA WRITE Only with Immediate.</summary>
    RdmaWriteOnlyWithImmediate = 0x0B,

    /// <summary>RC RDMA READ Request (carries the RETH; takes as many PSNs as its response has packets).</summary>
    RdmaReadRequest = 0x0C,

    /// <summary>RC RDMA READ Response First (carries the AETH).</summary>
    RdmaReadResponseFirst = 0x0D,

    /// <summary>RC RDMA READ Response Middle.</summary>
    RdmaReadResponseMiddle = 0x0E,

    /// <summary>RC RDMA READ Response Last (carries the AETH).</summary>
    RdmaReadResponseLast = 0x0F,

    /// <summary>RC RDMA READ Response Only (carries the AETH).</summary>
    RdmaReadResponseOnly = 0x10,

    /// <summary>RC Acknowledge (ACK or NAK, by the AETH's syndrome).</summary>
    Acknowledge = 0x11,

    /// <summary>RC SEND Last with Invalidate (carries the IETH).</summary>
    SendLastWithInvalidate = 0x16,

    /// <summary>RC SEND Only with Invalidate (carries the IETH).</summary>
    SendOnlyWithInvalidate = 0x17,

    /// <summary>UD SEND Only (carries the DETH): how the CM's MADs travel, to and from QP1.</summary>
    UdSendOnly = 0x64,
}

/// <summary>Which extension headers follow the BTH for an opcode (IBA vol. 1, 9.2 and table 38).</summary>
public static class RoceOpcodes
{
    /// <summary>True when the opcode carries an RDMA Extended Transport Header.</summary>
    public static bool HasReth(this RoceOpcode op) =>
        op is RoceOpcode.RdmaWriteFirst or RoceOpcode.RdmaWriteOnly or RoceOpcode.RdmaWriteOnlyWithImmediate or RoceOpcode.RdmaReadRequest;

    /// <summary>True when the opcode carries an ACK Extended Transport Header.</summary>
    public static bool HasAeth(this RoceOpcode op) =>
        op is RoceOpcode.RdmaReadResponseFirst or RoceOpcode.RdmaReadResponseLast or RoceOpcode.RdmaReadResponseOnly or RoceOpcode.Acknowledge;

    /// <summary>True when the opcode carries immediate data.</summary>
    public static bool HasImmediate(this RoceOpcode op) =>
        op is RoceOpcode.SendLastWithImmediate or RoceOpcode.SendOnlyWithImmediate or RoceOpcode.RdmaWriteLastWithImmediate
            or RoceOpcode.RdmaWriteOnlyWithImmediate;

    /// <summary>True when the opcode carries an Invalidate Extended Transport Header.</summary>
    public static bool HasIeth(this RoceOpcode op) => op is RoceOpcode.SendLastWithInvalidate or RoceOpcode.SendOnlyWithInvalidate;

    /// <summary>True when the opcode carries a Datagram Extended Transport Header.</summary>
    public static bool HasDeth(this RoceOpcode op) => op == RoceOpcode.UdSendOnly;
}
