using System.Diagnostics;
using Bramble.Runtime.Profiling;
using Bramble.Tensors;

namespace Bramble.Runtime;

public sealed partial class InferenceSession
{
    /// <summary>
    /// Runs the model <paramref name="iterations"/> times after <paramref name="warmup"/> unrecorded runs and
    /// reports per-node timings, MACs, bytes and the memory summary. Timing costs two timestamps per node, and
    /// only in these runs: ordinary runs record nothing.
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
        var spans = new List<TraceSpan>();
        try
        {
            for (int i = 0; i < warmup; i++) state.Run(ordered);
            var times = new long[2 * steps.Length];
            state.StepTimes = times;
            for (int it = 0; it < iterations; it++)
            {
                long start = Stopwatch.GetTimestamp();
                state.Run(ordered);
                long end = Stopwatch.GetTimestamp();
                runMs[it] = Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
                spans.Add(new TraceSpan("run", "session", 0, start, end, it));
                for (int s = 0; s < steps.Length; s++)
                {
                    if (steps[s].Op.IsView) continue;
                    nodeMs[s][it] = Stopwatch.GetElapsedTime(times[2 * s], times[2 * s + 1]).TotalMilliseconds;
                    spans.Add(new TraceSpan(steps[s].Op.Node.DisplayName, steps[s].Op.Node.OpType, 0, times[2 * s], times[2 * s + 1], it));
                }
            }
        }
        finally
        {
            state.StepTimes = null;
            Return(entry, state);
        }

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
                OpCategory.Of(step.Op.Node, inputShapes), inputShapes, outputShape, step.Macs, weightBytes, outputBytes, nodeMs[s]));
        }
        var memory = new MemorySummary(
            _model.Graph.WeightBytes, plan.ArenaBytes, plan.TheoreticalMinimumBytes,
            ProcessMemory.PeakResidentBytes(), ProcessMemory.ManagedHeapBytes());
        return new ProfileReport
        {
            Nodes = nodes, RunMilliseconds = runMs, Memory = memory, Spans = spans,
            Threads = _pool.ThreadCount, Isa = Options.EffectiveIsa.ToString(),
        };
    }
}
