using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Tensors;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Weights go from the file into native tensor memory without a managed copy, in both directions.</summary>
public class OnnxMemoryTests
{
    [Fact]
    public void LoadingAndSavingDoNotCopyWeightsThroughManagedMemory()
    {
        using var temp = new TempFolder();
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 1024));
        for (int i = 0; i < 4; i++)
        {
            var w = Tensor.Allocate(DataType.Float32, 1024, 1024); // 4 MiB each, 16 MiB in all
            w.AsSpan<float>().Fill(i + 0.5f);
            g.Initializers[$"w{i}"] = w;
            g.Nodes.Add(new Node("MatMul", [i == 0 ? "x" : $"h{i - 1}", $"w{i}"], [i == 3 ? "y" : $"h{i}"]));
        }
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 1024));
        using var model = new Model(g);
        string path = temp.File("weights.onnx");

        long before = GC.GetAllocatedBytesForCurrentThread();
        OnnxWriter.Save(model, path);
        long saving = GC.GetAllocatedBytesForCurrentThread() - before;

        before = GC.GetAllocatedBytesForCurrentThread();
        using var loaded = OnnxReader.Load(path);
        long loading = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(16L << 20, loaded.Graph.WeightBytes);
        Assert.Equal(3.5f, loaded.Graph.Initializers["w3"].AsSpan<float>()[1024 * 1024 - 1]);
        Assert.True(saving < 1 << 20, $"saving allocated {saving} managed bytes for 16 MiB of weights");
        Assert.True(loading < 1 << 20, $"loading allocated {loading} managed bytes for 16 MiB of weights");
    }
}
