using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Nvmf;

/// <summary>
/// A command as the RDMA transport hands it to <see cref="INvmfRequestHandler.Execute"/>: the SQE and a data buffer
/// (host-to-controller data already there, or room for controller-to-host data). Records every completion, so a test
/// can check "exactly once". Reusable (<see cref="Reset"/>) so steady-state loops do not allocate.
/// </summary>
public sealed class FakeNvmfRequest : INvmfRequest
{
    private byte[] _sqe;

    public FakeNvmfRequest(INvmfQpair qpair, byte[] sqe, NvmeDataTransfer xfer, byte[] data)
    {
        Qpair = qpair;
        _sqe = sqe;
        Xfer = xfer;
        Data = data;
    }

    public ReadOnlySpan<byte> Command => _sqe;

    public NvmeDataTransfer Xfer { get; private set; }

    public uint Length => (uint)Data.Length;

    public INvmfQpair Qpair { get; private set; }

    /// <summary>The data buffer (its length is <see cref="Length"/>).</summary>
    public byte[] Data { get; private set; }

    public int Completions { get; private set; }

    public NvmeStatus Status { get; private set; }

    public uint Dw0 { get; private set; }

    public uint Dw1 { get; private set; }

    /// <summary>The 8-byte value of a Property Get.</summary>
    public ulong Value64 => Dw0 | ((ulong)Dw1 << 32);

    public int CopyFromData(int offset, Span<byte> destination)
    {
        if (offset < 0 || offset >= Data.Length)
        {
            return 0;
        }

        var n = Math.Min(Data.Length - offset, destination.Length);
        Data.AsSpan(offset, n).CopyTo(destination);
        return n;
    }

    public int CopyToData(int offset, ReadOnlySpan<byte> source)
    {
        if (offset < 0 || offset >= Data.Length)
        {
            return 0;
        }

        var n = Math.Min(Data.Length - offset, source.Length);
        source[..n].CopyTo(Data.AsSpan(offset, n));
        return n;
    }

    public void Complete(NvmeStatus status, uint dw0, uint dw1 = 0)
    {
        Completions++;
        Status = status;
        Dw0 = dw0;
        Dw1 = dw1;
    }

    /// <summary>Reuses this request for another command (no allocation).</summary>
    public void Reset(INvmfQpair qpair, byte[] sqe, NvmeDataTransfer xfer, byte[] data)
    {
        Qpair = qpair;
        _sqe = sqe;
        Xfer = xfer;
        Data = data;
        Completions = 0;
        Status = default;
        Dw0 = 0;
        Dw1 = 0;
    }

    public override string ToString() => $"request {Convert.ToHexString(_sqe)} xfer {Xfer} length {Length}: {Completions} completion(s), {Status} dw0 {Dw0:x8}";
}
