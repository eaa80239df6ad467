using System.Diagnostics;

namespace Bramble.Training.Autodiff;

/// <summary>
/// Wall time spent in each op of a training graph, forward and backward separately, summed over the steps
/// run while it is attached to a <see cref="TrainContext"/>: shows where a training step's time goes.
/// </summary>
public sealed class TrainingProfile
{
    private long[] _forward = [], _backward = [];

    internal void Add(int op, bool backward, long startTimestamp)
    {
        long elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        ref long[] slots = ref backward ? ref _backward : ref _forward;
        if (slots.Length <= op) Array.Resize(ref slots, Math.Max(op + 1, slots.Length * 2));
        slots[op] += elapsed;
    }

    /// <summary>One row per op of <paramref name="graph"/> (in tape order): node, operator, forward and backward milliseconds.</summary>
    public IReadOnlyList<(string Node, string OpType, double ForwardMs, double BackwardMs)> Rows(TrainingGraph graph)
    {
        var rows = new List<(string, string, double, double)>();
        for (int i = 0; i < graph.Ops.Count; i++)
        {
            var node = graph.Ops[i].Node;
            rows.Add((node.Name.Length > 0 ? node.Name : node.Outputs[0], node.OpType, Milliseconds(_forward, i), Milliseconds(_backward, i)));
        }
        return rows;
    }

    private static double Milliseconds(long[] slots, int op) => op < slots.Length ? slots[op] * 1000.0 / Stopwatch.Frequency : 0;
}
