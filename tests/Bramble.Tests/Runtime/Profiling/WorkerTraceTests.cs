using Bramble.Kernels.Threading;

namespace Bramble.Tests.Runtime.Profiling;

public class WorkerTraceTests
{
    private struct Spin : IParallelBody
    {
        public void Invoke(int index)
        {
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 10_000;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until) { }
        }
    }

    [Fact]
    public void RecordsOnePartPerParticipantAndJobOnlyWhileSet()
    {
        using var pool = new WorkerPool(2);
        var trace = new WorkerTrace(2, 4);
        var body = new Spin();
        pool.For(8, ref body); // not traced
        pool.Trace = trace;
        pool.For(8, ref body);
        pool.For(8, ref body);
        pool.Trace = null;
        pool.For(8, ref body);
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
        var body = new Spin();
        for (int i = 0; i < 3; i++) pool.For(4, ref body);
        Assert.Equal(1, trace.Count(0));
        Assert.Equal(4, trace.Dropped);
        trace.Clear();
        Assert.Equal(0, trace.Count(1));
    }
}
