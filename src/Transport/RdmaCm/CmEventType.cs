namespace Harness.Transport.RdmaCm;

/// <summary>RDMA CM event type, numerically identical to librdmacm's <c>enum rdma_cm_event_type</c>.</summary>
public enum CmEventType
{
    AddrResolved = 0,
    AddrError = 1,
    RouteResolved = 2,
    RouteError = 3,
    ConnectRequest = 4,
    ConnectResponse = 5,
    ConnectError = 6,
    Unreachable = 7,
    Rejected = 8,
    Established = 9,
    Disconnected = 10,
    DeviceRemoval = 11,
    MulticastJoin = 12,
    MulticastError = 13,
    AddrChange = 14,
    TimewaitExit = 15,
}

/// <summary>Text for <see cref="CmEventType"/>.</summary>
public static class CmEventText
{
    /// <summary>The text <c>rdma_event_str</c> prints (<c>RDMA_CM_EVENT_DISCONNECTED</c>).</summary>
    public static string ToVerbsString(this CmEventType type) => type switch
    {
        CmEventType.AddrResolved => "RDMA_CM_EVENT_ADDR_RESOLVED",
        CmEventType.AddrError => "RDMA_CM_EVENT_ADDR_ERROR",
        CmEventType.RouteResolved => "RDMA_CM_EVENT_ROUTE_RESOLVED",
        CmEventType.RouteError => "RDMA_CM_EVENT_ROUTE_ERROR",
        CmEventType.ConnectRequest => "RDMA_CM_EVENT_CONNECT_REQUEST",
        CmEventType.ConnectResponse => "RDMA_CM_EVENT_CONNECT_RESPONSE",
        CmEventType.ConnectError => "RDMA_CM_EVENT_CONNECT_ERROR",
        CmEventType.Unreachable => "RDMA_CM_EVENT_UNREACHABLE",
        CmEventType.Rejected => "RDMA_CM_EVENT_REJECTED",
        CmEventType.Established => "RDMA_CM_EVENT_ESTABLISHED",
        CmEventType.Disconnected => "RDMA_CM_EVENT_DISCONNECTED",
        CmEventType.DeviceRemoval => "RDMA_CM_EVENT_DEVICE_REMOVAL",
        CmEventType.MulticastJoin => "RDMA_CM_EVENT_MULTICAST_JOIN",
        CmEventType.MulticastError => "RDMA_CM_EVENT_MULTICAST_ERROR",
        CmEventType.AddrChange => "RDMA_CM_EVENT_ADDR_CHANGE",
        CmEventType.TimewaitExit => "RDMA_CM_EVENT_TIMEWAIT_EXIT",
        _ => "UNKNOWN EVENT",
    };

    /// <summary>Short name without the <c>RDMA_CM_EVENT_</c> prefix (<c>DISCONNECTED</c>).</summary>
    public static string ToName(this CmEventType type) => type.ToVerbsString().Replace("RDMA_CM_EVENT_", string.Empty, StringComparison.Ordinal);

    /// <summary>Parses <c>RDMA_CM_EVENT_X</c> or <c>X</c>.</summary>
    public static bool TryParse(string text, out CmEventType type)
    {
        for (var t = CmEventType.AddrResolved; t <= CmEventType.TimewaitExit; t++)
        {
            if (string.Equals(text, t.ToVerbsString(), StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, t.ToName(), StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }
}
