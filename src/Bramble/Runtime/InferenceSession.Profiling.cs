using System.Diagnostics;
using Bramble.Kernels.Threading;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Runtime;

public sealed partial class InferenceSession
{
    /// <summary>Parallel parts kept per thread and run for the trace (yolov3 runs a few thousand).</summary>
    private const int TracePartsPerThread = 1 << 15;

    /// <summary>
    /// Runs the model <paramref name="iterations"/> times after <paramref name="warmup"/> unrecorded runs and
    /// reports per-node timings, MACs, bytes, the memory summary and a trace (node spans on the calling thread,
    /// each worker thread's parallel parts on its own track). Each profiled run is paired with an unprofiled
    /// one, alternating, so the report can compare the two under the same machine load. Timing costs two
    /// timestamps per node and per parallel part, and only in profiled runs: ordinary runs record nothing.
    /// Whatever a run spends outside node spans is reported per run as the runtime's time between nodes.
    /// </summary>
    public ProfileReport Profile(IReadOnlyDictionary<string, Tensor> inputs, int iterations = 10, int warmup = 1)
    {
        if (iterations < 1) throw new BrambleException("profiling needs at least one iteration");
        var ordered = OrderInputs(inputs);
        var entry = GetPlan(ordered);
        var plan = entry.Plan ?? throw new BrambleException(
            "this model's shapes depend on run-time values, so it cannot be planned and profiled per node");
        var state = Take(entry);
        var steps = plan.Steps;
        var nodeMs = new double[steps.Length][];
        for (int s = 0; s < steps.Length; s++) nodeMs[s] = new double[iterations];
        var runMs = new double[iterations];
        var plainMs = new double[iterations];
        var betweenMs = new double[iterations];
        var spans = new List<TraceSpan>();
        var trace = _pool.ThreadCount > 1 ? new WorkerTrace(_pool.ThreadCount, TracePartsPerThread) : null;
        long droppedParts = 0;
        try
        {
            for (int i = 0; i < warmup; i++) state.Run(ordered);
            var times = new long[2 * steps.Length];
            for (int it = 0; it < iterations; it++)
            {
                long plainStart = Stopwatch.GetTimestamp();
                state.Run(ordered);
                plainMs[it] = Milliseconds(Stopwatch.GetTimestamp() - plainStart);

                state.StepTimes = times;
                trace?.Clear();
                _pool.Trace = trace;
                long start = Stopwatch.GetTimestamp();
                try
                {
                    state.Run(ordered);
                }
                finally
                {
                    _pool.Trace = null;
                    state.StepTimes = null;
                }
                long end = Stopwatch.GetTimestamp();
                runMs[it] = Milliseconds(end - start);
                spans.Add(new TraceSpan("run", "session", 0, start, end, it));
                long insideNodes = 0;
                for (int s = 0; s < steps.Length; s++)
                {
                    if (steps[s].Op.IsView) continue;
                    insideNodes += times[2 * s + 1] - times[2 * s];
                    nodeMs[s][it] = Milliseconds(times[2 * s + 1] - times[2 * s]);
                    spans.Add(new TraceSpan(steps[s].Op.Node.DisplayName, steps[s].Op.Node.OpType, 0, times[2 * s], times[2 * s + 1], it));
                }
                betweenMs[it] = Milliseconds(end - start - insideNodes);
                if (trace != null)
                {
                    AddPartSpans(trace, steps, times, it, spans);
                    droppedParts += trace.Dropped;
                }
            }
        }
        finally
        {
            Return(entry, state);
        }

        var typical = Statistics.MiddleHalf(runMs);
        var nodes = new List<NodeProfile>();
        for (int s = 0; s < steps.Length; s++)
        {
            var step = steps[s];
            if (step.Op.IsView) continue;
            var inputShapes = step.Inputs.Select(i => i < 0 ? Array.Empty<int>() : plan.Values[i].Shape).ToArray();
            long weightBytes = step.Inputs.Where(i => i >= 0 && plan.Values[i].Constant != null).Sum(i => plan.Values[i].Bytes);
            long outputBytes = step.Outputs.Where(o => o >= 0).Sum(o => plan.Values[o].Bytes);
            int[] outputShape = step.Outputs.Length > 0 && step.Outputs[0] >= 0 ? plan.Values[step.Outputs[0]].Shape : [];
            nodes.Add(new NodeProfile(s, step.Op.Node.DisplayName, step.Op.Node.OpType, step.Op.KernelName,
                OpCategory.Of(step.Op.Node, inputShapes), inputShapes, outputShape, step.Macs, weightBytes, outputBytes, nodeMs[s])
            {
                TypicalMs = Statistics.MeanAt(nodeMs[s], typical),
                InputNames = step.Op.Node.Inputs.ToArray(),
                OutputNames = step.Op.Node.Outputs.ToArray(),
            });
        }
        var memory = new MemorySummary(
            _model.Graph.WeightBytes, plan.ArenaBytes, plan.TheoreticalMinimumBytes,
            ProcessMemory.PeakResidentBytes(), ProcessMemory.ManagedHeapBytes());
        return new ProfileReport
        {
            Nodes = nodes, RunMilliseconds = runMs, BetweenNodesMilliseconds = betweenMs, UnprofiledRunMilliseconds = plainMs, Memory = memory, Spans = spans,
            Threads = _pool.ThreadCount, Isa = Options.EffectiveIsa.ToString(), DroppedParts = droppedParts,
        };
    }

    /// <summary>Exact tick arithmetic (TimeSpan would round each figure to 0.1 µs and break the sums).</summary>
    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// Turns the pool's recorded parts into trace spans named after the node running at the time (the step
    /// whose [start, end] holds the part's start; steps run one after another).
    /// </summary>
    private static void AddPartSpans(WorkerTrace trace, ExecutionPlan.Step[] steps, long[] times, int run, List<TraceSpan> spans)
    {
        for (int thread = 0; thread < trace.Threads; thread++)
        {
            int s = 0;
            for (int p = 0; p < trace.Count(thread); p++)
            {
                var (start, end) = trace.Part(thread, p);
                // Parts of one thread are in time order, so the step index only moves forward.
                while (s < steps.Length && (steps[s].Op.IsView || times[2 * s + 1] < start)) s++;
                if (s == steps.Length) break;
                spans.Add(new TraceSpan(steps[s].Op.Node.DisplayName, "part", thread, start, end, run));
            }
        }
    }
}
