using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Conformance;

/// <summary>
/// One test of ONNX's own conformance suite (Debian's libonnx-testdata): a model.onnx and
/// test_data_set_*/{input,output}_N.pb TensorProtos. Runs each data set and compares every output.
/// </summary>
public sealed record ConformanceCase(string Suite, string Name, string Directory)
{
    public const string Root = "/usr/share/libonnx-testdata/data";
    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public string Id => $"{Suite}/{Name}";

    public override string ToString() => Id;

    public static IEnumerable<ConformanceCase> All()
    {
        foreach (var suite in Suites)
        {
            var dir = Path.Combine(Root, suite);
            if (!System.IO.Directory.Exists(dir)) continue;
            foreach (var test in System.IO.Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
                if (File.Exists(Path.Combine(test, "model.onnx")))
                    yield return new ConformanceCase(suite, Path.GetFileName(test), test);
        }
    }

    /// <summary>The op types the model uses, or null if the model does not even load.</summary>
    public IReadOnlyList<string>? OpTypes()
    {
        try
        {
            using var model = OnnxReader.Load(Path.Combine(Directory, "model.onnx"));
            return model.Graph.Nodes.Select(n => (n.Domain is "" or "ai.onnx" ? "" : n.Domain + ".") + n.OpType).Distinct().ToList();
        }
        catch (BrambleException)
        {
            return null;
        }
    }

    /// <summary>Runs every data set; returns null on success or a one-line description of the first mismatch.</summary>
    public string? Run(SessionOptions options)
    {
        using var session = new InferenceSession(Path.Combine(Directory, "model.onnx"), options);
        var dataSets = System.IO.Directory.GetDirectories(Directory, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        foreach (var set in dataSets)
        {
            var inputs = new Dictionary<string, Tensor>();
            try
            {
                var inputFiles = System.IO.Directory.GetFiles(set, "input_*.pb").OrderBy(f => Index(f)).ToList();
                var declared = session.InputMetadata;
                for (int i = 0; i < inputFiles.Count; i++)
                {
                    var t = OnnxReader.ReadTensor(inputFiles[i], out string name);
                    if (string.IsNullOrEmpty(name) || declared.All(d => d.Name != name)) name = declared[i].Name;
                    inputs[name] = t;
                }
                var outputs = session.Run(inputs);
                try
                {
                    var outputFiles = System.IO.Directory.GetFiles(set, "output_*.pb").OrderBy(f => Index(f)).ToList();
                    for (int i = 0; i < outputFiles.Count; i++)
                    {
                        using var expected = OnnxReader.ReadTensor(outputFiles[i], out string name);
                        if (string.IsNullOrEmpty(name) || !outputs.ContainsKey(name)) name = session.OutputMetadata[i].Name;
                        string? problem = Compare(expected, outputs[name]);
                        if (problem != null) return $"{Path.GetFileName(set)} output '{name}': {problem}";
                    }
                }
                finally
                {
                    foreach (var t in outputs.Values) t.Dispose();
                }
            }
            finally
            {
                foreach (var t in inputs.Values) t.Dispose();
            }
        }
        return null;
    }

    private static int Index(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        return int.Parse(stem[(stem.IndexOf('_') + 1)..]);
    }

    /// <summary>ONNX's backend-test tolerance: |actual − expected| ≤ atol + rtol·|expected|, exact for integers.</summary>
    public static string? Compare(Tensor expected, Tensor actual, double rtol = 1e-4, double atol = 1e-5)
    {
        if (expected.Type != actual.Type) return $"type {actual.Type.Name()}, expected {expected.Type.Name()}";
        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape))
            return $"shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}";
        bool isFloat = expected.Type is DataType.Float32 or DataType.Float64 or DataType.Float16;
        for (long i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (isFloat)
            {
                if (double.IsNaN(e) && double.IsNaN(a)) continue;
                if (double.IsInfinity(e) && e == a) continue;
                if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                    return $"element {i} is {a}, expected {e}";
            }
            else if (expected.GetInt64(i) != actual.GetInt64(i))
            {
                return $"element {i} is {actual.GetInt64(i)}, expected {expected.GetInt64(i)}";
            }
        }
        return null;
    }
}
