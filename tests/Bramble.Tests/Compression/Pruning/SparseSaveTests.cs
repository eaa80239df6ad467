using Bramble.Compression.Pruning;
using Bramble.Import.Onnx;
using Bramble.Tensors;

namespace Bramble.Tests.Compression.Pruning;

public class SparseSaveTests
{
    [Fact]
    public void PrunedModelSavedSparseIsSmallerAndLoadsBackIdentical()
    {
        using var model = PruningModels.Chain(21, deadFilters: false);
        MagnitudePruning.Apply(model, new MagnitudePruningOptions { Sparsity = 0.9, ExemptFirst = false, ExemptLast = false });
        using var x = PruningModels.Random(new Random(2), 1, 3, 8, 8);
        var expected = PruningModels.Run(model, x);
        string dir = Path.Combine(Path.GetTempPath(), "bramble-sparse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string dense = Path.Combine(dir, "dense.onnx"), sparse = Path.Combine(dir, "sparse.onnx");
            OnnxWriter.Save(model, dense);
            OnnxWriter.Save(model, sparse, new OnnxWriteOptions { SparseInitializers = true });
            Assert.True(new FileInfo(sparse).Length < new FileInfo(dense).Length * 0.6,
                $"sparse {new FileInfo(sparse).Length} B vs dense {new FileInfo(dense).Length} B");
            foreach (var path in new[] { dense, sparse })
            {
                using var loaded = OnnxReader.Load(path);
                Assert.Equal(expected, PruningModels.Run(loaded, x));
                foreach (var (name, t) in model.Graph.Initializers)
                    Assert.True(t.AsReadOnlySpan<float>().SequenceEqual(loaded.Graph.Initializers[name].AsReadOnlySpan<float>()), name);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DenseInitializersStayDenseEvenWhenSparseIsAllowed()
    {
        using var model = PruningModels.Chain(22, deadFilters: false);
        string path = Path.Combine(Path.GetTempPath(), "bramble-dense-" + Guid.NewGuid().ToString("N") + ".onnx");
        try
        {
            OnnxWriter.Save(model, path, new OnnxWriteOptions { SparseInitializers = true });
            long sparseAllowed = new FileInfo(path).Length;
            OnnxWriter.Save(model, path);
            Assert.Equal(new FileInfo(path).Length, sparseAllowed);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
