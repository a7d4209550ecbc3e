using System.Runtime.InteropServices;
using Harness.Transport.Nvme;
using Harness.Transport.Target;

namespace Harness.Tests.Properties.Target.Support;

/// <summary>
/// A minimal controller behind the transport for transport-level tests: Fabrics Connect enables the qpair; Write
/// stores data by LBA, Read returns it (zeroes when never written); anything else succeeds without data. The real
/// controller layer has its own tests; this keeps the transport tests about the transport.
/// </summary>
public sealed class MemoryController : INvmfRequestHandler
{
    public const int BlockBytes = 4096;

    private readonly Dictionary<ulong, byte[]> _blocks = new();
    private readonly byte[] _scratch = new byte[BlockBytes];

    public int Executed { get; private set; }

    public void Execute(INvmfRequest request)
    {
        Executed++;
        var status = NvmeCommand.TryDecode(request.Command, out var cmd);
        if (status.IsError)
        {
            request.Complete(status, 0);
            return;
        }

        if (cmd.IsFabrics)
        {
            request.Qpair.OnConnectReceived(); // as SPDK's ctrlr.c, once the CONNECT's SQSIZE is checked
            request.Qpair.Enable();
            request.Complete(NvmeStatus.Success, 1);
            return;
        }

        var slba = cmd.Cdw10 | ((ulong)cmd.Cdw11 << 32);
        var blocks = (int)(request.Length / BlockBytes);
        for (var i = 0; i < blocks; i++)
        {
            if (cmd.Opcode == (byte)NvmeIoOpcode.Write)
            {
                // A block written before keeps its array: rewriting an LBA allocates nothing (bench/'s target benchmark).
                ref var data = ref CollectionsMarshal.GetValueRefOrAddDefault(_blocks, slba + (ulong)i, out _);
                data ??= new byte[BlockBytes];
                request.CopyFromData(i * BlockBytes, data);
            }
            else if (cmd.Opcode == (byte)NvmeIoOpcode.Read)
            {
                var data = _blocks.GetValueOrDefault(slba + (ulong)i) ?? Array.Empty<byte>();
                Array.Clear(_scratch);
                data.CopyTo(_scratch, 0);
                request.CopyToData(i * BlockBytes, _scratch);
            }
        }

        request.Complete(NvmeStatus.Success, 0);
    }

    public void OnQpairDisconnect(INvmfQpair qpair)
    {
    }

    public int Poll(long nowNs) => 0;
}
