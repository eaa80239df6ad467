using System.Text.Json;
using Bramble.IO;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;

namespace Bramble.Tests.RealModels;

/// <summary>
/// Real models against ONNX Runtime 1.30: outputs recorded by bench/ort/record-goldens.js on the shared
/// TestPattern input must be matched within max-abs 1e-4 of the output's scale, with the reference
/// kernels and with the fast ones at every ISA level.
/// </summary>
public class OrtGoldenTests
{
    private static readonly string GoldenDir = Path.Combine(AppContext.BaseDirectory, "Goldens");

    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, "goldens.json")));
        foreach (var m in doc.RootElement.GetProperty("models").EnumerateArray())
            foreach (var mode in new[] { "reference", "fast", "vector128", "scalar" })
                yield return [m.GetProperty("name").GetString()!, mode];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOnnxRuntime(string name, string mode)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenDir, "goldens.json")));
        var entry = doc.RootElement.GetProperty("models").EnumerateArray().First(m => m.GetProperty("name").GetString() == name);
        var modelPath = TestResources.Require(Path.Combine(TestResources.CacheDir, "models", entry.GetProperty("model").GetString()!));
        if (modelPath == null) return;

        var options = mode switch
        {
            "reference" => new SessionOptions { Threads = 1, ReferenceKernels = true },
            "vector128" => new SessionOptions { Threads = 2, MaxIsa = Bramble.Kernels.Isa.Vector128 },
            "scalar" => new SessionOptions { Threads = 1, MaxIsa = Bramble.Kernels.Isa.Scalar },
            _ => new SessionOptions { Threads = 2 },
        };
        var inputs = new Dictionary<string, Tensor>();
        foreach (var i in entry.GetProperty("inputs").EnumerateArray())
            inputs[i.GetProperty("name").GetString()!] = TestPattern.Create(i.GetProperty("seed").GetInt32(),
                i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        using var session = new InferenceSession(modelPath, options);
        var outputs = session.Run(inputs);
        try
        {
            foreach (var output in session.OutputMetadata)
            {
                string file = Path.Combine(GoldenDir, name, Sanitize(output.Name) + ".npy");
                using var expected = Npy.Read(file);
                var actual = outputs[output.Name];
                Assert.Equal(expected.Shape, actual.Shape);
                double scale = Math.Max(1e-6, MaxAbs(expected));
                double error = MaxAbsDifference(expected, actual);
                Assert.True(error <= 1e-4 * Math.Max(1, scale),
                    $"{name} [{mode}] output '{output.Name}': max-abs error {error:g4} (output scale {scale:g4})");
            }
        }
        finally
        {
            foreach (var t in outputs.Values) t.Dispose();
            foreach (var t in inputs.Values) t.Dispose();
        }
    }

    /// <summary>The file name bench/ort/ort-run.js gives an output.</summary>
    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_'));

    private static double MaxAbs(Tensor t)
    {
        double m = 0;
        for (long i = 0; i < t.Length; i++) m = Math.Max(m, Math.Abs(t.GetDouble(i)));
        return m;
    }

    private static double MaxAbsDifference(Tensor a, Tensor b)
    {
        double m = 0;
        for (long i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a.GetDouble(i) - b.GetDouble(i)));
        return m;
    }
}
