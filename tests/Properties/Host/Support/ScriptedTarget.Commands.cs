using Harness.Transport.Nvme;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Host.Support;

/// <summary>The scripted target's command handling.</summary>
public sealed partial class ScriptedTarget
{
    private void OnCompletion(in WorkCompletion wc)
    {
        var index = (int)(wc.WrId >> 32);
        var kind = (int)((wc.WrId >> 24) & 0xFF);
        var slot = (int)(wc.WrId & 0xFFFFFF);
        var conn = _connections[index];
        if (conn.Closed || wc.Status != WcStatus.Success)
        {
            return; // flushed after a disconnect
        }

        if (kind == ScriptedTargetConnection.KindRecv)
        {
            NvmeCommand.TryDecode(conn.Buffer.Span.Slice(conn.RecvOffset(slot), NvmeCommand.Size), out var cmd);
            OnCommand(conn, slot, cmd);
        }
        else if (kind == ScriptedTargetConnection.KindRead && conn.Pending[slot] is { } pending)
        {
            conn.Pending[slot] = null;
            Execute(conn, slot, pending, conn.Data(slot, (int)pending.Dptr.Length));
        }
    }

    private void OnCommand(ScriptedTargetConnection conn, int slot, NvmeCommand cmd)
    {
        Commands++;
        if (Drop?.Invoke(cmd, conn.Qid) == true)
        {
            Dropped++;
            conn.PostRecv(slot);
            return;
        }

        var inbound = cmd.IsFabrics ? cmd.FabricsType == FabricsCommandType.Connect : (cmd.Opcode & 0x3) == 1;
        if (inbound && !cmd.IsFabrics && conn.Qid != 0 && cmd.Dptr.Length > 0)
        {
            InCapsuleWrites += cmd.Dptr.IsInCapsuleData ? 1 : 0;
            KeyedWrites += cmd.Dptr.IsKeyedDataBlock ? 1 : 0;
        }

        if (inbound && cmd.Dptr.IsKeyedDataBlock && cmd.Dptr.Length > 0)
        {
            conn.Pending[slot] = cmd;
            conn.PostRead(slot, cmd.Dptr); // data first, then execute
            return;
        }

        var icd = inbound && cmd.Dptr.IsInCapsuleData
            ? conn.Buffer.Span.Slice(conn.RecvOffset(slot) + NvmeCommand.Size, (int)cmd.Dptr.Length)
            : Span<byte>.Empty;
        Execute(conn, slot, cmd, icd);
    }

    private void Execute(ScriptedTargetConnection conn, int slot, NvmeCommand cmd, ReadOnlySpan<byte> data)
    {
        var cpl = new NvmeCompletion { Cid = cmd.Cid };
        if (cmd.IsFabrics)
        {
            ExecuteFabrics(cmd, ref cpl);
        }
        else if (conn.Qid == 0)
        {
            ExecuteAdmin(conn, slot, cmd, ref cpl);
        }
        else
        {
            ExecuteIo(conn, slot, cmd, data, ref cpl);
        }

        if (Fail?.Invoke(cmd, conn.Qid) is { } status)
        {
            cpl.Status = status;
        }

        conn.Respond(slot, cpl);
    }

    private void ExecuteFabrics(NvmeCommand cmd, ref NvmeCompletion cpl)
    {
        switch (cmd.FabricsType)
        {
            case FabricsCommandType.Connect:
                cpl.Dw0 = ConnectResponse.SuccessDw0(ControllerId);
                break;
            case FabricsCommandType.PropertyGet:
                PropertyGetCommand.TryFrom(cmd, out var get);
                cpl.Value64 = get.Offset switch
                {
                    NvmeProperty.Cap => new ControllerCapabilities { Mqes = MaxQueueDepth - 1, Timeout = 1, Css = 1 }.ToRaw(),
                    NvmeProperty.Cc => _cc,
                    NvmeProperty.Csts => new ControllerStatus { Ready = (_cc & 1) != 0 && ++_cstsReads > ReadyAfterCstsReads }.ToRaw(),
                    NvmeProperty.Vs => NvmeVersion.V1_3.ToRaw(),
                    _ => 0,
                };
                break;
            case FabricsCommandType.PropertySet:
                PropertySetCommand.TryFrom(cmd, out var set);
                if (set.Offset == NvmeProperty.Cc)
                {
                    _cc = (uint)set.Value;
                    _cstsReads = 0;
                }

                break;
            default:
                cpl.Status = NvmeStatus.InvalidOpcode;
                break;
        }
    }

    private void ExecuteAdmin(ScriptedTargetConnection conn, int slot, NvmeCommand cmd, ref NvmeCompletion cpl)
    {
        switch ((NvmeAdminOpcode)cmd.Opcode)
        {
            case NvmeAdminOpcode.Identify:
                var data = conn.Data(slot, IdentifyCommand.DataSize);
                if ((IdentifyCns)(byte)cmd.Cdw10 == IdentifyCns.Controller)
                {
                    new IdentifyControllerData
                    {
                        Cntlid = ControllerId,
                        Nn = 1,
                        Mdts = 3,
                        Kas = 1,
                        Maxcmd = MaxQueueDepth,
                        Sqes = 0x66,
                        Cqes = 0x44,
                        Ioccsz = (NvmeCommand.Size + InCapsuleBytes) / 16,
                        Iorcsz = 1,
                        Icdoff = 0,
                        Msdbd = 1,
                        Version = NvmeVersion.V1_3,
                    }.Encode(data);
                }
                else
                {
                    var blocks = (ulong)(Namespace.Length / BlockBytes);
                    new IdentifyNamespaceData { Nsze = blocks, Ncap = blocks, Nuse = blocks, ActiveLbaFormat = new LbaFormat { Lbads = 9 } }.Encode(data);
                }

                conn.PostWrite(slot, cmd.Dptr, IdentifyCommand.DataSize);
                break;
            case NvmeAdminOpcode.SetFeatures:
                var wanted = NumberOfQueues.FromDword(cmd.Cdw11);
                cpl.Dw0 = new NumberOfQueues(Math.Min(wanted.SubmissionQueues, (ushort)15), Math.Min(wanted.CompletionQueues, (ushort)15)).ToDword();
                break;
            case NvmeAdminOpcode.KeepAlive:
                KeepAlives++;
                break;
            default:
                cpl.Status = NvmeStatus.InvalidOpcode;
                break;
        }
    }

    private void ExecuteIo(ScriptedTargetConnection conn, int slot, NvmeCommand cmd, ReadOnlySpan<byte> data, ref NvmeCompletion cpl)
    {
        ReadWriteCommand.TryFrom(cmd, out var rw);
        var offset = (long)rw.Slba * BlockBytes;
        var length = rw.BlockCount * BlockBytes;
        switch ((NvmeIoOpcode)cmd.Opcode)
        {
            case NvmeIoOpcode.Flush:
                break;
            case NvmeIoOpcode.Read or NvmeIoOpcode.Write when offset + length > Namespace.Length || length > DataSlotBytes || length != cmd.Dptr.Length:
                cpl.Status = NvmeStatus.LbaOutOfRange;
                break;
            case NvmeIoOpcode.Write:
                data.CopyTo(Namespace.AsSpan((int)offset, length));
                break;
            case NvmeIoOpcode.Read:
                Namespace.AsSpan((int)offset, length).CopyTo(conn.Data(slot, length));
                conn.PostWrite(slot, cmd.Dptr, length);
                break;
            default:
                cpl.Status = NvmeStatus.InvalidOpcode;
                break;
        }
    }
}
