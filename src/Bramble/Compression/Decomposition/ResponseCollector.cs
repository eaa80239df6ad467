using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Captures intermediate values on calibration inputs without touching the runtime: a structural copy of the
/// model declares the wanted values as its outputs and drops every node they do not depend on, and an
/// ordinary <see cref="InferenceSession"/> runs it. Only sampled positions are kept (d-vectors, one per
/// sampled output pixel), so memory is d × samples per layer, not whole feature maps.
/// </summary>
public static class ResponseCollector
{
    /// <summary>
    /// For each value in <paramref name="values"/>: a d×n matrix of response vectors sampled at up to
    /// <paramref name="samplesPerInput"/> positions per calibration input. Positions depend only on the value
    /// name, the input index and the value's shape, so two models sharing a value name are sampled alike.
    /// </summary>
    public static Dictionary<string, DenseMatrix> Collect(Model model, IReadOnlyList<string> values, CalibrationSet calibration,
        int samplesPerInput, SessionOptions options)
    {
        var columns = new Dictionary<string, List<double[]>>();
        foreach (var v in values) columns[v] = new List<double[]>();
        using var probe = Probe(model, values);
        using var session = new InferenceSession(probe, options);
        for (int index = 0; index < calibration.Count; index++)
        {
            var outputs = session.Run(new Dictionary<string, Tensor> { [calibration.InputName] = calibration.Inputs[index] });
            try
            {
                foreach (var v in values) Sample(outputs[v], v, index, samplesPerInput, columns[v]);
            }
            finally
            {
                foreach (var t in outputs.Values) t.Dispose();
            }
        }
        var result = new Dictionary<string, DenseMatrix>();
        foreach (var (name, list) in columns)
        {
            int d = list.Count > 0 ? list[0].Length : 0;
            var m = new DenseMatrix(d, list.Count);
            for (int j = 0; j < list.Count; j++)
                for (int i = 0; i < d; i++) m[i, j] = list[j][i];
            result[name] = m;
        }
        return result;
    }

    /// <summary>The model's first output for every calibration input (flattened), for end-to-end comparisons.</summary>
    public static List<float[]> FinalOutputs(Model model, CalibrationSet calibration, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        string name = model.Graph.Outputs[0].Name;
        var list = new List<float[]>();
        foreach (var input in calibration.Inputs)
        {
            var outputs = session.Run(new Dictionary<string, Tensor> { [calibration.InputName] = input });
            list.Add(outputs[name].ToArray<float>());
            foreach (var t in outputs.Values) t.Dispose();
        }
        return list;
    }

    /// <summary>A structural copy that outputs <paramref name="values"/> and keeps only the nodes they need.</summary>
    public static Model Probe(Model model, IReadOnlyList<string> values)
    {
        var probe = model.CloneStructure();
        var graph = probe.Graph;
        GraphValidator.ValidateAndSort(graph);
        graph.Outputs.Clear();
        foreach (var v in values) graph.Outputs.Add(new ValueInfo(v, DataType.Float32, null));
        var needed = new HashSet<string>(values);
        var keep = new List<Node>();
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (!node.Outputs.Any(needed.Contains)) continue;
            keep.Add(node);
            foreach (var input in node.Inputs)
                if (input.Length > 0) needed.Add(input);
        }
        keep.Reverse();
        graph.Nodes.Clear();
        graph.Nodes.AddRange(keep);
        return probe;
    }

    private static void Sample(Tensor t, string name, int index, int count, List<double[]> into)
    {
        if (t.Type != DataType.Float32 || t.Rank < 2) throw new ShapeException($"response '{name}' must be float32 [N, C, ...], got {t.Type.Name()}{string.Join("x", t.Shape)}");
        int n = t.Shape[0], c = t.Shape[1];
        int spatial = (int)(t.Length / ((long)n * c));
        int positions = n * spatial;
        var data = t.AsReadOnlySpan<float>();
        var random = new Random(unchecked((int)(StableHash(name) ^ (uint)(index * 0x9E3779B1))));
        int take = Math.Min(count, positions);
        for (int s = 0; s < take; s++)
        {
            int p = take == positions ? s : random.Next(positions);
            int b = p / spatial, q = p % spatial;
            var v = new double[c];
            long baseOffset = (long)b * c * spatial + q;
            for (int ch = 0; ch < c; ch++) v[ch] = data[(int)(baseOffset + (long)ch * spatial)];
            into.Add(v);
        }
    }

    /// <summary>FNV-1a: string.GetHashCode is randomised per process, and samples must be reproducible.</summary>
    private static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char ch in s) h = (h ^ ch) * 16777619;
        return h;
    }
}
