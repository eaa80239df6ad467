namespace Bramble.Kernels.Threading;

/// <summary>
/// Start and end timestamps (<see cref="System.Diagnostics.Stopwatch"/> ticks) of the parts each participant of a
/// <see cref="WorkerPool"/> ran, for the profiler's per-thread trace tracks. Buffers are allocated up front and
/// each participant writes only its own row, so recording takes two timestamps and no lock or allocation.
/// Parts beyond the capacity are counted but not kept.
/// </summary>
public sealed class WorkerTrace
{
    private readonly long[][] _starts;
    private readonly long[][] _ends;
    private readonly int[] _counts;

    public WorkerTrace(int threads, int capacityPerThread)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads));
        if (capacityPerThread < 1) throw new ArgumentOutOfRangeException(nameof(capacityPerThread));
        Capacity = capacityPerThread;
        _starts = new long[threads][];
        _ends = new long[threads][];
        _counts = new int[threads];
        for (int t = 0; t < threads; t++)
        {
            _starts[t] = new long[capacityPerThread];
            _ends[t] = new long[capacityPerThread];
        }
    }

    /// <summary>Participants: 0 is the caller, 1.. the pool's workers.</summary>
    public int Threads => _counts.Length;

    public int Capacity { get; }

    /// <summary>Parts kept for <paramref name="thread"/> since the last <see cref="Clear"/>.</summary>
    public int Count(int thread) => Math.Min(_counts[thread], Capacity);

    /// <summary>Parts that did not fit, over all threads.</summary>
    public long Dropped
    {
        get
        {
            long n = 0;
            foreach (int c in _counts) n += Math.Max(0, c - Capacity);
            return n;
        }
    }

    /// <summary>Part <paramref name="index"/> of <paramref name="thread"/>, in the order the thread ran them.</summary>
    public (long StartTicks, long EndTicks) Part(int thread, int index) => (_starts[thread][index], _ends[thread][index]);

    /// <summary>Forgets all parts; call only while no job runs.</summary>
    public void Clear() => Array.Clear(_counts);

    /// <summary>Called by the participant itself, so rows never race.</summary>
    internal void Record(int participant, long start, long end)
    {
        if ((uint)participant >= (uint)_counts.Length) return;
        int i = _counts[participant];
        if (i < Capacity)
        {
            _starts[participant][i] = start;
            _ends[participant][i] = end;
        }
        _counts[participant] = i + 1;
    }
}
