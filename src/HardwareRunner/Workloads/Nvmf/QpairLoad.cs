using Harness.Transport.Verbs;

namespace Harness.HardwareRunner.Workloads.Nvmf;

/// <summary>
/// What the workload does on one I/O qpair: its share of the I/Os, the commands in flight (one data slot each, in one
/// registered buffer) and whether the qpair's unissued share was written off because the driver gave it up.
/// </summary>
internal sealed class QpairLoad
{
    private readonly int[] _free;
    private int _freeCount;

    public QpairLoad(int index, int quota, int slots, int slotBytes, DmaBuffer data)
    {
        Index = index;
        Quota = quota;
        SlotBytes = slotBytes;
        Data = data;
        Ios = new InFlightIo[slots];
        _free = new int[slots];
        for (var i = 0; i < slots; i++)
        {
            _free[i] = slots - 1 - i;
        }

        _freeCount = slots;
    }

    public int Index { get; }

    /// <summary>I/Os this qpair performs.</summary>
    public int Quota { get; }

    public int SlotBytes { get; }

    /// <summary>The data slots (registered with the driver).</summary>
    public DmaBuffer Data { get; }

    public InFlightIo[] Ios { get; }

    public int Issued { get; set; }

    public int InFlight => Ios.Length - _freeCount;

    /// <summary>Compare-and-write pairs in flight (each takes two of the driver's requests).</summary>
    public int PairsInFlight { get; set; }

    /// <summary>The driver's requests this qpair's commands take.</summary>
    public int RequestsInUse => InFlight + PairsInFlight;

    /// <summary>The driver gave the qpair up and its unissued I/Os were counted as not issued.</summary>
    public bool WrittenOff { get; set; }

    /// <summary>Nothing in flight and nothing more to issue.</summary>
    public bool Done => InFlight == 0 && (Issued == Quota || WrittenOff);

    public bool HasFreeSlot => _freeCount > 0;

    public int TakeSlot() => _free[--_freeCount];

    public void ReturnSlot(int slot)
    {
        Ios[slot] = default;
        _free[_freeCount++] = slot;
    }

    public Span<byte> SlotSpan(int slot, int length) => Data.Range(slot * SlotBytes, length);

    /// <summary>Offset in <see cref="Data"/> of the Compare data of a compare-and-write in <paramref name="slot"/>.</summary>
    public int CompareOffset(int slot) => (Ios.Length + slot) * SlotBytes;

    /// <summary>The Compare data of a compare-and-write in <paramref name="slot"/>.</summary>
    public Span<byte> CompareSpan(int slot, int length) => Data.Range(CompareOffset(slot), length);
}
