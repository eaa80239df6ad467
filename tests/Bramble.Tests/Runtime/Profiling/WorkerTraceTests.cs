using Bramble.Kernels.Threading;

namespace Bramble.Tests.Runtime.Profiling;

public class WorkerTraceTests
{
    /// <summary>
    /// Parts take 0.1 ms; part 0 also waits until some other part has started. Parts are claimed in index
    /// order, so part 0 starts first and another thread must run a part meanwhile: every job then has
    /// work on both participants, however late the OS schedules the worker.
    /// </summary>
    private sealed class Spin
    {
        public int OtherStarted;
    }

    private struct SpinBody : IParallelBody
    {
        public Spin State;

        public void Invoke(int index)
        {
            if (index == 0)
            {
                long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 30 * System.Diagnostics.Stopwatch.Frequency;
                while (Volatile.Read(ref State.OtherStarted) == 0)
                    if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline) throw new TimeoutException("no worker joined the job");
            }
            else
            {
                Volatile.Write(ref State.OtherStarted, 1);
            }
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 10_000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until) { }
        }
    }

    private static void Job(WorkerPool pool, int parts)
    {
        var body = new SpinBody { State = new Spin() };
        pool.For(parts, ref body);
    }

    [Fact]
    public void RecordsOnePartPerParticipantAndJobOnlyWhileSet()
    {
        using var pool = new WorkerPool(2);
        var trace = new WorkerTrace(2, 4);
        Job(pool, 8); // not traced
        pool.Trace = trace;
        Job(pool, 8);
        Job(pool, 8);
        pool.Trace = null;
        Job(pool, 8);
        Assert.Equal(2, trace.Count(0));
        Assert.Equal(2, trace.Count(1));
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 2; i++)
            {
                var (start, end) = trace.Part(t, i);
                Assert.True(end > start);
                if (i > 0) Assert.True(start >= trace.Part(t, i - 1).EndTicks);
            }
        Assert.Equal(0, trace.Dropped);
    }

    [Fact]
    public void CountsPartsBeyondTheCapacityAsDropped()
    {
        using var pool = new WorkerPool(2);
        var trace = new WorkerTrace(2, 1);
        pool.Trace = trace;
        for (int i = 0; i < 3; i++) Job(pool, 4);
        Assert.Equal(1, trace.Count(0));
        Assert.Equal(4, trace.Dropped);
        trace.Clear();
        Assert.Equal(0, trace.Count(1));
    }
}
