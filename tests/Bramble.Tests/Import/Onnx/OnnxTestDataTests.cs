using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Tensors;

namespace Bramble.Tests.Import.Onnx;

/// <summary>
/// Every model and test tensor of ONNX's backend test data (Debian libonnx-testdata). Rule for test data
/// files: an input_N.pb / output_N.pb is read as a tensor when the model declares that value as a tensor
/// of a type Bramble holds; string tensors must fail with a one-line UnsupportedOperatorException; values
/// declared as sequences, maps or optionals (SequenceProto / OptionalProto files) are not tensors and are skipped.
/// </summary>
public class OnnxTestDataTests
{
    [Fact]
    public void EveryTestModelLoads()
    {
        if (!OnnxTestData.Available()) return;
        var models = OnnxTestData.Models(OnnxTestData.Suites);
        Assert.True(models.Count > 1000, $"only {models.Count} models found");
        var failures = new List<string>();
        foreach (var path in models)
        {
            try
            {
                using var model = OnnxReader.Load(path);
                Assert.True(model.Graph.Nodes.Count > 0 || model.Graph.Outputs.Count > 0, $"{path}: empty graph");
            }
            catch (BrambleException e)
            {
                failures.Add(e.Message);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TestDataTensorsMatchTheirModelsDeclarations()
    {
        if (!OnnxTestData.Available()) return;
        int read = 0, strings = 0;
        foreach (var path in OnnxTestData.Models(OnnxTestData.Suites))
        {
            string dir = Path.GetDirectoryName(path)!;
            using var model = OnnxReader.Load(path);
            var inputs = model.Graph.RealInputs.ToList();
            foreach (var set in Directory.EnumerateDirectories(dir, "test_data_set_*"))
            {
                foreach (var pb in Directory.EnumerateFiles(set, "*.pb"))
                {
                    string file = Path.GetFileNameWithoutExtension(pb);
                    int index = int.Parse(file[(file.IndexOf('_') + 1)..]);
                    var declared = file.StartsWith("input") ? inputs[index] : model.Graph.Outputs[index];
                    if (declared.Type == DataType.String)
                    {
                        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxReader.ReadTensor(pb));
                        Assert.Contains("string", e.Message);
                        Assert.DoesNotContain('\n', e.Message);
                        strings++;
                        continue;
                    }
                    if (declared.Type.Size() == 0) continue; // sequence, map, optional, or a type Bramble cannot hold
                    using var tensor = OnnxReader.ReadTensor(pb, out _);
                    Assert.True(tensor.Type == declared.Type, $"{pb}: {tensor.Type} but the model declares {declared}");
                    // CastLike only reads the type of its 'like' input; ONNX's BFLOAT16 CastLike data (plain and
                    // expanded) stores one element there although the model declares [3x4].
                    bool shapeMatters = !(declared.Name == "like" && dir.Contains("test_castlike_"));
                    if (shapeMatters && declared.StaticShape is int[] shape)
                        Assert.True(shape.SequenceEqual(tensor.Shape), $"{pb}: shape {ShapeUtil.Format(tensor.Shape)} but the model declares {declared}");
                    read++;
                }
            }
        }
        Assert.True(read > 2500, $"only {read} tensors read");
        Assert.True(strings > 10, $"only {strings} string tensors met");
    }

    [Fact]
    public void EveryTestModelSurvivesSaveAndLoad()
    {
        if (!OnnxTestData.Available()) return;
        using var temp = new TempFolder();
        int n = 0;
        foreach (var path in OnnxTestData.Models(OnnxTestData.Suites))
        {
            using var original = OnnxReader.Load(path);
            string copy = Path.Combine(temp.Path, $"m{n++}.onnx");
            OnnxWriter.Save(original, copy);
            using var reloaded = OnnxReader.Load(copy);
            try
            {
                ModelAssert.Equal(original, reloaded);
            }
            catch (Exception e)
            {
                Assert.Fail($"{path}: {e.Message}");
            }
        }
    }
}

/// <summary>A temporary folder deleted with its contents on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bramble-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
