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
/// Threads are created once. Participants claim chunks of consecutive parts from one shared counter
/// (about sixteen chunks per participant, so kernels that cut a few coarse parts per thread have them claimed
/// one at a time), so a worker that the OS has not scheduled yet — common when
/// more threads than cores compete — costs nothing: the caller simply claims its chunks too, and it
/// waits only for chunks another thread has actually started. Between jobs a worker spins for a few
/// tens of microseconds (layers follow each other closely) and then sleeps on its own event, so an
/// idle session costs no CPU. A job is published as a pointer to the caller's body plus a function
/// pointer to a generic trampoline, so dispatch allocates nothing. Only one job runs at a time: a
/// nested or concurrent call runs serially on its own thread instead of waiting, which rules out deadlock.
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Math.Max(1, Stopwatch.Frequency / 20_000); // 50 µs

    // A claimed index of this value (≥ any count) marks a finished job: stale claims on it fail.
    private const uint Closed = uint.MaxValue;

    // Chunks per participant: a late or preempted participant holds up the job by at most one chunk.
    private const int ClaimsPerParticipant = 16;

    private readonly Worker[] _workers;
    private int _busy;            // 1 while a job owns the workers
    private bool _disposed;

    // (job number << 32) | next unclaimed part. Claims are compare-exchanges on the whole word, so a
    // claim succeeds only while that very job is open; job numbers only grow, so a word never repeats.
    private long _claim;
    private int _completed;       // parts of the current job finished (or failed)

    // The current job: written before its claim word is published, stable until all parts are completed.
    private void* _body;
    private delegate*<void*, int, int, void> _run;
    private int _count;
    private int _chunk;
    private Exception? _failure;
    private WorkerTrace? _jobTrace;

    public WorkerPool(int threads)
    {
        ThreadCount = Math.Max(1, threads);
        _claim = Closed;
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
    /// When set (by the profiler, between runs), each participant's span of work in each job is recorded
    /// per thread. Null, the default, costs one field read per job.
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
        long job = (Volatile.Read(ref _claim) >> 32) + 1;
        try
        {
            _body = Unsafe.AsPointer(ref local);
            _run = &Trampoline<TBody>.Run;
            _count = count;
            _chunk = Math.Max(1, count / (ClaimsPerParticipant * ThreadCount));
            _failure = null;
            _jobTrace = Trace;
            Volatile.Write(ref _completed, 0);
            Interlocked.Exchange(ref _claim, job << 32); // full fence: the job is visible before any wake-up
            foreach (var w in _workers)
                if (Volatile.Read(ref w.Sleeping) != 0) w.Wake.Set();

            Work(job, 0);

            // Every part is claimed now; wait only for chunks other threads are still running.
            var spinner = new SpinWait();
            while (Volatile.Read(ref _completed) < count) spinner.SpinOnce(sleep1Threshold: -1);
            body = local;
            if (_failure is { } failure)
            {
                _failure = null;
                throw new AggregateException("a parallel kernel part failed", failure);
            }
        }
        finally
        {
            // Close the job before its fields can change: a late worker's claim on it now fails.
            Volatile.Write(ref _claim, (job << 32) | Closed);
            _body = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Claims and runs chunks of job <paramref name="job"/> until none is left.</summary>
    private void Work(long job, int participant)
    {
        // Completions are added once, after the last chunk: until then this participant keeps the job
        // open, so its fields stay valid, and its trace span is recorded before the caller can finish.
        int done = 0;
        long first = 0;
        while (true)
        {
            long word = Volatile.Read(ref _claim);
            if (word >> 32 != job) break;
            uint next = (uint)word;
            // Read after the claim word: if the claim below succeeds the job was open all along, so these are its fields.
            int count = _count, chunk = _chunk;
            if (next >= (uint)count) break;
            int start = (int)next, end = Math.Min(count, start + chunk);
            if (Interlocked.CompareExchange(ref _claim, (job << 32) | (uint)end, word) != word) continue;
            if (done == 0 && _jobTrace != null) first = Stopwatch.GetTimestamp();
            try
            {
                _run(_body, start, end);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            done += end - start;
        }
        if (done == 0) return;
        _jobTrace?.Record(participant, first, Stopwatch.GetTimestamp());
        Interlocked.Add(ref _completed, done);
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
        long seen = Volatile.Read(ref _claim) >> 32;
        while (true)
        {
            long job = AwaitJob(self, seen);
            seen = job;
            if (Volatile.Read(ref _disposed)) return;
            Work(job, self.Index);
        }
    }

    /// <summary>Spins briefly for the next job, then sleeps until the caller wakes this worker.</summary>
    private long AwaitJob(Worker self, long seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        long job;
        while ((job = Volatile.Read(ref _claim) >> 32) == seen && !Volatile.Read(ref _disposed))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                self.Wake.Reset();
                Interlocked.Exchange(ref self.Sleeping, 1); // full fence: pairs with the caller's publication
                if ((job = Volatile.Read(ref _claim) >> 32) == seen && !Volatile.Read(ref _disposed)) self.Wake.Wait();
                Volatile.Write(ref self.Sleeping, 0);
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
                continue;
            }
            Thread.SpinWait(20);
        }
        return job;
    }

    /// <summary>Stops and joins the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Volatile.Write(ref _disposed, true);
        Interlocked.MemoryBarrier();
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
