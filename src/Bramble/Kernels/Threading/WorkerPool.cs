using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Threading;

/// <summary>A unit of parallel work: a struct so that dispatch needs no closure or allocation.</summary>
public interface IParallelBody
{
    /// <summary>Runs part <paramref name="index"/> of <c>count</c> parts.</summary>
    void Invoke(int index);
}

/// <summary>
/// The session's workers. Kernels split work into parts and call <see cref="For{TBody}"/>; the pool
/// runs the parts on its threads and the caller's. With one thread there is no pool at all.
/// </summary>
/// <remarks>
/// Threads are created once. Parts are split statically into one contiguous range per participant
/// (the caller takes range 0), which suits kernels that cut work into equal pieces and avoids any
/// shared queue. Between jobs a worker spins for a few tens of microseconds (layers follow each other
/// closely) and then sleeps on its own event, so an idle session costs no CPU. A job is published as
/// a pointer to the caller's body plus a function pointer to a generic trampoline, so dispatch
/// allocates nothing. Only one job runs at a time: a nested or concurrent call runs serially on its
/// own thread instead of waiting, which rules out deadlock.
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Math.Max(1, Stopwatch.Frequency / 20_000); // 50 µs

    private readonly Worker[] _workers;
    private int _busy;            // 1 while a job owns the workers
    private int _generation;      // bumped to publish a job (or shutdown)
    private int _remaining;       // workers still running the current job
    private bool _disposed;

    // The current job: read by workers after they observe a new generation.
    private void* _body;
    private delegate*<void*, int, int, void> _run;
    private int _count;
    private int _participants;
    private Exception? _failure;
    private WorkerTrace? _jobTrace;

    public WorkerPool(int threads)
    {
        ThreadCount = Math.Max(1, threads);
        _workers = new Worker[ThreadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var w = new Worker(this, i + 1);
            _workers[i] = w;
            w.Thread.Start();
        }
    }

    /// <summary>Participants in a job: the caller plus the pool's threads.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// When set (by the profiler, between runs), every parallel part's start and end are recorded per thread.
    /// Null, the default, costs one field read per job.
    /// </summary>
    public WorkerTrace? Trace { get; set; }

    /// <summary>Runs <paramref name="body"/> for every index in [0, count) and returns when all are done.</summary>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0) return;
        int participants = Math.Min(count, ThreadCount);
        if (participants <= 1 || _disposed || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // Serial: one thread, a single part, or the workers are taken (nested or concurrent call).
            for (int i = 0; i < count; i++) body.Invoke(i);
            return;
        }

        // The body is copied to this stack frame so its address cannot move under the workers.
        TBody local = body;
        try
        {
            _body = Unsafe.AsPointer(ref local);
            _run = &Trampoline<TBody>.Run;
            _count = count;
            _participants = participants;
            _failure = null;
            _jobTrace = Trace;
            // Every worker acknowledges every job (idle ones with an empty range), so no worker can
            // still be reading this job's fields when the next job overwrites them.
            Volatile.Write(ref _remaining, _workers.Length);
            Interlocked.Increment(ref _generation); // full fence: the job is visible before any wake-up
            foreach (var w in _workers)
                if (Volatile.Read(ref w.Sleeping) != 0) w.Wake.Set();

            try
            {
                RunRange(_body, _run, 0);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }

            var spinner = new SpinWait();
            while (Volatile.Read(ref _remaining) != 0) spinner.SpinOnce(sleep1Threshold: -1);
            body = local;
            if (_failure is { } failure)
            {
                _failure = null;
                throw new AggregateException("a parallel kernel part failed", failure);
            }
        }
        finally
        {
            _body = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private void RunRange(void* body, delegate*<void*, int, int, void> run, int participant)
    {
        long count = _count;
        int start = (int)(participant * count / _participants);
        int end = (int)((participant + 1) * count / _participants);
        if (start >= end) return;
        var trace = _jobTrace;
        if (trace == null)
        {
            run(body, start, end);
            return;
        }
        long t = Stopwatch.GetTimestamp();
        run(body, start, end);
        trace.Record(participant, t, Stopwatch.GetTimestamp());
    }

    private static class Trampoline<TBody> where TBody : struct, IParallelBody
    {
        public static void Run(void* body, int start, int end)
        {
            ref TBody b = ref Unsafe.AsRef<TBody>(body);
            for (int i = start; i < end; i++) b.Invoke(i);
        }
    }

    private void WorkerLoop(Worker self)
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            int generation = AwaitJob(self, seen);
            seen = generation;
            if (_disposed) return;
            if (self.Index < _participants)
            {
                try
                {
                    RunRange(_body, _run, self.Index);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
            }
            Interlocked.Decrement(ref _remaining);
        }
    }

    /// <summary>Spins briefly for the next generation, then sleeps until the caller wakes this worker.</summary>
    private int AwaitJob(Worker self, int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        int g;
        while ((g = Volatile.Read(ref _generation)) == seen)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                self.Wake.Reset();
                Interlocked.Exchange(ref self.Sleeping, 1); // full fence: pairs with the caller's increment
                if ((g = Volatile.Read(ref _generation)) == seen) self.Wake.Wait();
                Volatile.Write(ref self.Sleeping, 0);
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
                continue;
            }
            Thread.SpinWait(20);
        }
        return g;
    }

    /// <summary>Stops and joins the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Increment(ref _generation);
        foreach (var w in _workers) w.Wake.Set();
        foreach (var w in _workers) w.Thread.Join();
        foreach (var w in _workers) w.Wake.Dispose();
    }

    private sealed class Worker
    {
        public readonly int Index;
        public readonly Thread Thread;
        public readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
        public int Sleeping;

        public Worker(WorkerPool pool, int index)
        {
            Index = index;
            Thread = new Thread(() => pool.WorkerLoop(this))
            {
                IsBackground = true,
                Name = $"Bramble worker {index}",
            };
        }
    }
}
