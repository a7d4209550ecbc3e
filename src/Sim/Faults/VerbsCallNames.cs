using Harness.Transport.Verbs;

namespace Harness.Sim.Faults;

/// <summary>The rdma-core names of the <see cref="VerbsCall"/>s and the errno each returns when it fails in the field.</summary>
public static class VerbsCallNames
{
    private static readonly string[] Names =
        ["rdma_resolve_addr", "rdma_resolve_route", "rdma_create_qp", "rdma_connect", "rdma_accept", "ibv_create_cq", "ibv_reg_mr"];

    /// <summary>Every call, in enum order.</summary>
    public static IReadOnlyList<VerbsCall> All { get; } = Enum.GetValues<VerbsCall>();

    /// <summary>The name as rdma-core spells it (<c>rdma_accept</c>).</summary>
    public static string Format(VerbsCall call) => Names[(int)call];

    /// <summary>The call named <paramref name="text"/>; throws naming the accepted names otherwise.</summary>
    public static VerbsCall Parse(string text)
    {
        var i = Array.IndexOf(Names, text);
        return i >= 0 ? (VerbsCall)i : throw new ArgumentException($"unknown verbs call '{text}' ({string.Join(", ", Names)})", nameof(text));
    }

    /// <summary>
    /// The errno a swarm failure of <paramref name="call"/> returns: what the field sees when the call fails at run time.
    /// Resolution fails with ENODEV when the address maps to no RDMA device (or it went away); the creation and
    /// registration calls with ENOMEM (the device's or the kernel's resources are used up, as mlx5 and ib_umem report
    /// it); rdma_connect and rdma_accept with ENOMEM (the IB CM could not allocate its MAD).
    /// </summary>
    public static int SwarmErrno(VerbsCall call) => call switch
    {
        VerbsCall.ResolveAddr or VerbsCall.ResolveRoute => Errno.ENODEV,
        _ => Errno.ENOMEM,
    };

    /// <summary>The errnos a scripted failure may return (the loader rejects any other).</summary>
    public static int ParseErrno(string text) => text switch
    {
        "ENOMEM" => Errno.ENOMEM,
        "EINVAL" => Errno.EINVAL,
        "ENODEV" => Errno.ENODEV,
        "EADDRNOTAVAIL" => Errno.EADDRNOTAVAIL,
        "ETIMEDOUT" => Errno.ETIMEDOUT,
        "EAGAIN" => Errno.EAGAIN,
        "EFAULT" => Errno.EFAULT,
        _ => throw new ArgumentException($"'{text}' is not an errno a verbs call fails with here (ENOMEM, EINVAL, ENODEV, EADDRNOTAVAIL, ETIMEDOUT, EAGAIN, EFAULT)", nameof(text)),
    };
}
