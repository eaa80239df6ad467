namespace Bramble.Benchmarks;

/// <summary>
/// Seconds of CPU time used by the calling thread (Linux), else wall time: the library's clock
/// (<see cref="Bramble.Runtime.Profiling.ThreadClock"/>) in seconds. On a shared machine the wall clock also counts
/// time the thread was preempted; thread CPU time does not, so single-thread GFLOP/s stay meaningful under load.
/// </summary>
public static class ThreadClock
{
    private static readonly bool CpuTime = Bramble.Runtime.Profiling.ThreadClock.IsCpuTime(1);

    public static double Now() => Bramble.Runtime.Profiling.ThreadClock.NowMs(CpuTime) / 1000;
}
