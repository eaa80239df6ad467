using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Import.Onnx;

namespace Bramble.Tests.Ops.Shaping;

/// <summary>
/// ONNX's backend node tests (Debian libonnx-testdata) for the shaping operators: every test model made only
/// of these ops is imported, run on test_data_set_0 and compared with the expected outputs.
/// </summary>
public class ShapingConformanceTests
{
    private static readonly HashSet<string> Ops =
    [
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Transpose", "Slice", "Concat", "Split",
        "Shape", "Size", "Gather", "GatherElements", "GatherND", "ScatterND", "ScatterElements", "Scatter", "Expand",
        "Tile", "Constant", "ConstantOfShape", "Range", "OneHot", "TopK", "CumSum", "Trilu", "NonZero",
    ];

    /// <summary>Training-mode Dropout with a non-zero ratio draws random numbers: it must be refused, not faked.</summary>
    private static bool IsRandomDropout(string test) =>
        test.StartsWith("test_training_dropout") && !test.StartsWith("test_training_dropout_zero_ratio");

    [Fact]
    public void NodeTestsOfShapingOpsPass()
    {
        if (!OnnxTestData.Available()) return;
        var failures = new List<string>();
        int passed = 0, refused = 0;
        foreach (var path in OnnxTestData.Models("node"))
        {
            string dir = Path.GetDirectoryName(path)!;
            string test = Path.GetFileName(dir);
            using var model = OnnxReader.Load(path);
            if (model.Graph.Nodes.Count == 0 || !model.Graph.Nodes.All(n => Ops.Contains(n.OpType))) continue;
            // Sequence and optional values (test_identity_sequence, test_identity_opt) are not tensors.
            if (model.Graph.Inputs.Concat(model.Graph.Outputs).Any(v => v.Type.Size() == 0)) continue;
            try
            {
                if (IsRandomDropout(test))
                {
                    var e = Assert.Throws<UnsupportedOperatorException>(() => RunAndCompare(model, dir));
                    Assert.Contains("training-mode", e.Message);
                    refused++;
                    continue;
                }
                string? problem = RunAndCompare(model, dir);
                if (problem == null) passed++;
                else failures.Add($"{test}: {problem}");
            }
            catch (Exception e)
            {
                failures.Add($"{test}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(passed >= 140, $"only {passed} conformance tests ran");
        Assert.Equal(4, refused);
    }

    private static string? RunAndCompare(Bramble.Graph.Model model, string dir)
    {
        string set = Path.Combine(dir, "test_data_set_0");
        var inputs = model.Graph.RealInputs.ToList();
        var feeds = new Dictionary<string, Tensor>();
        try
        {
            for (int i = 0; i < inputs.Count; i++) feeds[inputs[i].Name] = OnnxReader.ReadTensor(Path.Combine(set, $"input_{i}.pb"));
            using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
            var results = session.Run(feeds);
            try
            {
                for (int o = 0; o < model.Graph.Outputs.Count; o++)
                {
                    string file = Path.Combine(set, $"output_{o}.pb");
                    if (!File.Exists(file)) continue;
                    using var expected = OnnxReader.ReadTensor(file);
                    if (Compare(results[model.Graph.Outputs[o].Name], expected) is { } problem)
                        return $"output {o}: {problem}";
                }
            }
            finally
            {
                foreach (var t in results.Values) t.Dispose();
            }
            return null;
        }
        finally
        {
            foreach (var t in feeds.Values) t.Dispose();
        }
    }

    private static string? Compare(Tensor actual, Tensor expected)
    {
        if (actual.Type != expected.Type) return $"type {actual.Type.Name()}, expected {expected.Type.Name()}";
        if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape))
            return $"shape {ShapeUtil.Format(actual.Shape)}, expected {ShapeUtil.Format(expected.Shape)}";
        for (long i = 0; i < expected.Length; i++)
        {
            double a = actual.GetDouble(i), e = expected.GetDouble(i);
            // Shaping ops copy values exactly; only CumSum and Range compute, hence a tiny tolerance.
            if (!(Math.Abs(a - e) <= 1e-6 + 1e-6 * Math.Abs(e)) && !(double.IsNaN(a) && double.IsNaN(e)))
                return $"element {i} is {a}, expected {e}";
        }
        return null;
    }
}
