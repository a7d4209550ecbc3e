using System.Net;
using Harness.HardwareRunner.Workloads.Nvmf;
using Harness.Sim.Core;
using Harness.Sim.Fabric;
using Harness.Sim.Tracing;
using Harness.Transport.Host;
using Harness.Transport.Nvme;
using Harness.Transport.Nvmf;
using Harness.Transport.Target;
using Harness.Transport.Threading;
using Harness.Transport.Verbs;

namespace Harness.Tests.Properties.Support;

/// <summary>
/// The whole simulated I/O path in steady state, for benchmarks (bench/) and the zero-allocation tests: the target
/// transport (<see cref="NvmfRdmaTransport"/> with the <see cref="NvmfTarget"/> controller layer, on the reactors
/// <c>harness run</c> gives it) and the host transport (<see cref="NvmeRdmaController"/>, one poll group and one host
/// thread per I/O qpair) on one simulated fabric, with a closed-loop submitter per qpair that keeps
/// <see cref="LoadSettings.QueueDepth"/> commands in flight, alternating Writes and Reads over a fixed LBA window (so
/// the namespace stops growing after the first pass). <see cref="RunIos"/> runs until that many more commands
/// completed. With <see cref="LoadSettings.Oracle"/> the target's invariants are checked after the polls of the target's
/// reactors as <c>harness run</c> does (the full walk after every poll with <see cref="LoadSettings.OracleEveryPoll"/>); without it only the
/// transport's own always-on checks run.
/// </summary>
public sealed class TransportLoadBed : IDisposable
{
    /// <summary>Virtual time the connect may take at most.</summary>
    public const long ConnectLimitNs = 1_000_000_000;

    /// <summary>Virtual time one <see cref="RunIos"/> may take per I/O at most (a stall guard, far above any real cost).</summary>
    public const long RunLimitNsPerIo = 10_000_000;

    private const uint Nsid = 1;
    private readonly LoadSettings _settings;
    private readonly QpairLoad[] _loads;
    private readonly Trace _trace;
    private readonly Func<bool> _targetReached;
    private long _target;

    /// <summary>Builds both stacks, connects the controller and the I/O qpairs, and starts the submitters.</summary>
    public TransportLoadBed(LoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        _trace = new Trace(settings.TraceJson ? Stream.Null : null);
        Fabric = new SimFabric(new SimOptions { Seed = settings.Seed }, _trace);
        var targetMachine = Fabric.AddHost("target", IPAddress.Parse("192.0.2.1"));
        var hostMachine = Fabric.AddHost("host", IPAddress.Parse("192.0.2.2"));
        var targetOptions = new TargetOptions
        {
            // As harness run: one 4 KiB buffer (SGE) per block; a keyed SGL is one RDMA READ/WRITE of at most 16 SGEs
            // (SPDK HEAD), so larger I/Os take larger buffers (HEAD refuses max_io_size above 16 buffers at creation).
            IoUnitSize = Math.Max(4096, settings.IoBytes / NvmfRdmaTransport.SglEntriesMax),
            MaxQueueDepth = Math.Max(TargetQueueDepthDefault, settings.QueueDepth + 1),
            MaxQpairsPerCtrlr = Math.Max(TargetQpairsPerCtrlrDefault, settings.Qpairs + 1), // admin included; raised as max_qpairs_per_ctrlr is for a wide host
            MaxIoSize = 131_072,
            NumSharedBuffers = Math.Max(4095, settings.Qpairs * settings.QueueDepth * (settings.IoBytes / 4096)),
            DataWrPoolSize = Math.Max(4095, settings.Qpairs * settings.QueueDepth * (settings.IoBytes / 4096)),
        };
        Nvmf = new NvmfTarget(NvmfTargetOptions.ForTransport(targetOptions), targetMachine.Clock);
        Transport = new NvmfRdmaTransport(targetMachine, targetOptions, Nvmf);
        Action afterPoll = settings.Oracle ? new TargetOracle(Transport, settings.OracleEveryPoll).AfterPoll : static () => { };
        Transport.Start(new TargetReactorRuntime(Fabric.Reactors, afterPoll), Math.Min(settings.Qpairs, NvmfWorkload.PollGroupsMax),
            new IPEndPoint(targetMachine.Address, 4420));

        var hostOptions = new HostOptions { PollGroupCqEntries = Math.Max(4096, 2 * (settings.QueueDepth + 1)), IoQueuesRequested = Math.Max(64, settings.Qpairs) };
        Controller = new NvmeRdmaController(hostMachine, Fabric.Reactors.CreateReactor("host.admin"), new IPEndPoint(targetMachine.Address, 4420), hostOptions);
        Controller.Start();
        RunUntil(() => Controller.State is ControllerState.Ready or ControllerState.Failed, ConnectLimitNs, "controller ready");
        Require(Controller.State == ControllerState.Ready, $"controller did not become ready ({Controller.State})");
        _loads = new QpairLoad[settings.Qpairs];
        for (var i = 0; i < settings.Qpairs; i++)
        {
            var reactor = Fabric.Reactors.CreateReactor($"host.q{i + 1}");
            var group = new NvmeRdmaPollGroup(reactor, hostOptions);
            var qpair = Controller.CreateIoQpair(group, settings.QueueDepth + 1);
            var buffer = hostMachine.Memory.Allocate(settings.QueueDepth * settings.IoBytes);
            _loads[i] = new QpairLoad(this, i, qpair, buffer);
            reactor.AddPoller(_loads[i]);
        }

        RunUntil(() => Array.TrueForAll(_loads, l => l.Qpair.State == NvmeRdmaQpairState.Running), ConnectLimitNs, "I/O qpairs running");
        _targetReached = () => Completed >= _target;
    }

    /// <summary>The target's default <c>max_queue_depth</c> (SPDK's and this transport's): deeper queues raise it.</summary>
    public const int TargetQueueDepthDefault = 128;

    /// <summary>The target's default <c>max_qpairs_per_ctrlr</c> (SPDK's and this transport's, admin included): more I/O qpairs raise it.</summary>
    public const int TargetQpairsPerCtrlrDefault = 128;

    /// <summary>I/O qpairs a bed may have (each on its own host thread, all under one controller).</summary>
    public const int QpairsMax = 256;

    public SimFabric Fabric { get; }

    public NvmfRdmaTransport Transport { get; }

    public NvmfTarget Nvmf { get; }

    public NvmeRdmaController Controller { get; }

    /// <summary>Commands completed successfully since the bed was built.</summary>
    public long Completed { get; private set; }

    /// <summary>Trace records written so far (all hashed; JSON too with <see cref="LoadSettings.TraceJson"/>).</summary>
    public long TraceRecords => _trace.Count;

    /// <summary>Hash of the trace so far (determinism checks).</summary>
    public string TraceHash => _trace.HashHex;

    /// <summary>Runs the world until <paramref name="ios"/> more commands completed; returns the events it took.</summary>
    public long RunIos(int ios)
    {
        var events = Fabric.World.EventsProcessed;
        _target = Completed + ios;
        var outcome = Fabric.Run(Fabric.World.NowNs + (ios * RunLimitNsPerIo), _targetReached);
        if (outcome != RunOutcome.Stopped)
        {
            throw new InvalidOperationException($"the load stalled ({outcome}) at {Completed} of {_target} completions");
        }

        return Fabric.World.EventsProcessed - events;
    }

    public void Dispose() => Fabric.Dispose();

    private void RunUntil(Func<bool> done, long limitNs, string what)
    {
        var outcome = Fabric.Run(Fabric.World.NowNs + limitNs, done);
        Require(outcome == RunOutcome.Stopped, $"{what}: not reached within {limitNs} ns of virtual time ({outcome})");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw Failure(message);
        }
    }

    private static InvalidOperationException Failure(string message) => new($"transport load bed: {message}");

    private void OnCompleted(QpairLoad load, IoSlot slot, in NvmeCompletion completion)
    {
        if (!completion.Status.IsSuccess)
        {
            throw Failure($"qpair {load.Index + 1}: command failed: {completion}"); // formatted only when it happens
        }

        Completed++;
        load.Free(slot);
    }

    /// <summary>One command slot: its data window in the qpair's buffer and its LBA; also the submission's context.</summary>
    private sealed class IoSlot(int index)
    {
        public int Index { get; } = index;

        public bool Write { get; set; } = true;
    }

    /// <summary>The submitter of one I/O qpair: a poller on the qpair's host thread, next to its poll group.</summary>
    private sealed class QpairLoad : IPoller
    {
        private readonly TransportLoadBed _bed;
        private readonly IoSlot[] _free;
        private readonly NvmeCompletionCallback _callback;
        private readonly int _blocks;
        private int _freeCount;

        public QpairLoad(TransportLoadBed bed, int index, NvmeRdmaQpair qpair, DmaBuffer buffer)
        {
            _bed = bed;
            Index = index;
            Qpair = qpair;
            Buffer = buffer;
            _blocks = bed._settings.IoBytes / 4096;
            _free = new IoSlot[bed._settings.QueueDepth];
            for (var i = 0; i < _free.Length; i++)
            {
                _free[i] = new IoSlot(_free.Length - 1 - i);
            }

            _freeCount = _free.Length;
            _callback = (context, in completion) => _bed.OnCompleted(this, (IoSlot)context!, completion);
        }

        public string Name => $"bench.submit.q{Index + 1}";

        public int Index { get; }

        public NvmeRdmaQpair Qpair { get; }

        public DmaBuffer Buffer { get; }

        public int Poll()
        {
            var work = 0;
            while (_freeCount > 0 && Qpair.State == NvmeRdmaQpairState.Running)
            {
                var slot = _free[_freeCount - 1];
                var offset = slot.Index * _bed._settings.IoBytes;
                var lba = (ulong)(((Index * _free.Length) + slot.Index) * _blocks);
                var rc = slot.Write
                    ? Qpair.SubmitWrite(Nsid, lba, _blocks, Buffer, offset, _callback, slot)
                    : Qpair.SubmitRead(Nsid, lba, _blocks, Buffer, offset, _callback, slot);
                if (rc == Errno.EAGAIN)
                {
                    break;
                }

                if (rc != Errno.Ok)
                {
                    throw Failure($"qpair {Index + 1}: submit failed: {Errno.Name(rc)}");
                }

                slot.Write = !slot.Write;
                _freeCount--;
                work++;
            }

            return work;
        }

        public void Free(IoSlot slot) => _free[_freeCount++] = slot;
    }
}

/// <summary>What a <see cref="TransportLoadBed"/> runs.</summary>
public sealed record LoadSettings
{
    /// <summary>I/O qpairs, each on its own host thread (the target has at most two poll groups, as in <c>harness run</c>).</summary>
    public int Qpairs { get; init; } = 1;

    /// <summary>Commands each qpair keeps in flight.</summary>
    public int QueueDepth { get; init; } = 1;

    /// <summary>Bytes per command (a multiple of 4 KiB, at most 128 KiB).</summary>
    public int IoBytes { get; init; } = 4096;

    /// <summary>Check the target's invariants after the polls of the target's reactors, as <c>harness run</c> does (<see cref="TargetOracle"/>).</summary>
    public bool Oracle { get; init; }

    /// <summary>With <see cref="Oracle"/>: the full walk after every poll, not the checks of what changed (<c>harness run --paranoid</c>).</summary>
    public bool OracleEveryPoll { get; init; }

    /// <summary>Also format every trace record as JSON (to a null stream); the hash is always computed.</summary>
    public bool TraceJson { get; init; }

    public ulong Seed { get; init; } = 1;

    internal void Validate()
    {
        if (Qpairs is < 1 or > TransportLoadBed.QpairsMax || QueueDepth is < 1 or > 4096 || IoBytes % 4096 != 0 || IoBytes is < 4096 or > 131_072)
        {
            throw new ArgumentException($"load settings out of range: {this}");
        }
    }
}
