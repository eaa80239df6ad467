using Bramble.Kernels.Threading;

namespace Bramble.Tests.Kernels;

public class WorkerPoolTests
{
    private struct CountBody : IParallelBody
    {
        public int[] Hits;
        public void Invoke(int index) => Interlocked.Increment(ref Hits[index]);
    }

    private struct NestedBody : IParallelBody
    {
        public WorkerPool Pool;
        public int[] Hits;
        public void Invoke(int index)
        {
            var inner = new CountBody { Hits = Hits };
            Pool.For(Hits.Length, ref inner);
        }
    }

    private unsafe struct SumBody : IParallelBody
    {
        public long* Sums;
        public void Invoke(int index) => Sums[index] = (long)index * index;
    }

    private struct ThrowingBody : IParallelBody
    {
        public void Invoke(int index)
        {
            if (index == 5) throw new InvalidOperationException("part five");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void RunsEveryIndexExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        Assert.Equal(threads, pool.ThreadCount);
        foreach (int count in new[] { 0, 1, 2, 3, 7, 64, 1001 })
        {
            for (int rep = 0; rep < 20; rep++)
            {
                var body = new CountBody { Hits = new int[count] };
                pool.For(count, ref body);
                Assert.All(body.Hits, h => Assert.Equal(1, h));
            }
        }
    }

    [Fact]
    public void BackToBackJobsOfChangingSizeNeverRunAStaleOrDoubleClaim()
    {
        // Late workers race the next job's publication: a claim on a finished job must fail, never run
        // the next job's parts with the old counts or run any part twice.
        using var pool = new WorkerPool(4);
        int[] counts = [3, 1000, 2, 17, 5, 64, 1, 9];
        var hits = new int[1000];
        for (int rep = 0; rep < 3000; rep++)
        {
            int count = counts[rep % counts.Length];
            Array.Clear(hits);
            var body = new CountBody { Hits = hits };
            pool.For(count, ref body);
            for (int i = 0; i < hits.Length; i++)
                if (hits[i] != (i < count ? 1 : 0)) Assert.Fail($"job {rep} (count {count}): index {i} ran {hits[i]} times");
        }
    }

    [Fact]
    public void NestedCallsRunSeriallyInsteadOfDeadlocking()
    {
        using var pool = new WorkerPool(2);
        var hits = new int[10];
        var body = new NestedBody { Pool = pool, Hits = hits };
        pool.For(4, ref body);
        Assert.All(hits, h => Assert.Equal(4, h));
    }

    [Fact]
    public async Task ConcurrentCallersAllFinishCorrectly()
    {
        using var pool = new WorkerPool(2);
        var tasks = new Task[3];
        for (int t = 0; t < tasks.Length; t++)
        {
            tasks[t] = Task.Run(() =>
            {
                for (int rep = 0; rep < 300; rep++)
                {
                    var body = new CountBody { Hits = new int[17] };
                    pool.For(17, ref body);
                    foreach (int h in body.Hits) if (h != 1) throw new Exception("index ran " + h + " times");
                }
            });
        }
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public unsafe void ForAllocatesNothingAfterWarmUp()
    {
        using var pool = new WorkerPool(2);
        long* sums = stackalloc long[64];
        var body = new SumBody { Sums = sums };
        for (int i = 0; i < 100; i++) pool.For(64, ref body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++) pool.For(64, ref body);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        for (int i = 0; i < 64; i++) Assert.Equal((long)i * i, sums[i]);
    }

    [Fact]
    public void WorkersSleepAndWakeAfterIdle()
    {
        using var pool = new WorkerPool(3);
        Thread.Sleep(50); // well past the spin window: every worker is blocked on its event
        var body = new CountBody { Hits = new int[9] };
        pool.For(9, ref body);
        Assert.All(body.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void ExceptionInAPartReachesTheCaller()
    {
        using var pool = new WorkerPool(2);
        var body = new ThrowingBody();
        var e = Assert.Throws<AggregateException>(() => pool.For(8, ref body));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var ok = new CountBody { Hits = new int[8] };
        pool.For(8, ref ok); // the pool still works afterwards
        Assert.All(ok.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task DisposeJoinsWorkers()
    {
        var pool = new WorkerPool(3);
        var body = new CountBody { Hits = new int[6] };
        pool.For(6, ref body);
        var done = Task.Run(pool.Dispose);
        await done.WaitAsync(TimeSpan.FromSeconds(10));
        // After disposal calls still complete, serially.
        var after = new CountBody { Hits = new int[6] };
        pool.For(6, ref after);
        Assert.All(after.Hits, h => Assert.Equal(1, h));
    }
}
