using Bramble.Compression.Decomposition;
using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Runtime;
using Bramble.Tensors;
using Xunit;

namespace Bramble.Tests.Compression.Decomposition;

public class DecomposerTests
{
    private static readonly SessionOptions Session = new() { Threads = 1 };

    private static CalibrationSet Calibration(int count = 8) => CalibrationSet.Random("x", [1, 3, 12, 12], count, seed: 3);

    private static DecompositionResult Decompose(Model model, DecompositionOptions options, CalibrationSet? calibration = null) =>
        Decomposer.Run(model, options with { Session = Session, KeepUnprofitable = options.KeepUnprofitable }, calibration);

    [Theory]
    [InlineData(DecompositionMethod.Spatial, "conv1", 9)]   // min(c·k, k·d) = min(9, 24)
    [InlineData(DecompositionMethod.Spatial, "conv2", 24)]  // min(24, 48)
    [InlineData(DecompositionMethod.Pca, "conv2", 16)]
    [InlineData(DecompositionMethod.Svd, "fc", 10)]
    public void Full_rank_reproduces_the_layer(DecompositionMethod method, string layer, int fullRank)
    {
        using var model = SmallModels.Cnn();
        using var calibration = Calibration(16);
        using var result = Decompose(model, new DecompositionOptions
        {
            Method = method, Rank = 1000, KeepUnprofitable = true, Layers = new HashSet<string> { layer },
        }, calibration);
        var report = Assert.Single(result.Layers);
        Assert.Equal(fullRank, report.Rank);
        Assert.True(report.Replacement.Count >= 2);
        Assert.DoesNotContain(result.Model.Graph.Nodes, n => n.Name == layer);
        using var x = SmallModels.Input(42);
        string value = report.Output;
        double diff = SmallModels.MaxRelativeDiff(SmallModels.Run(model, x, value), SmallModels.Run(result.Model, x, value));
        Assert.True(diff < 1e-4, $"{method} full rank differs by {diff}");
    }

    [Fact]
    public void Flatten_per_filter_rank_one_is_exact_for_separable_filters()
    {
        // Every conv2 filter is a(c)·b(y)·g(x): Jin et al.'s flattened layer represents it exactly.
        float[] Separable(int d, int c, int kh, int kw)
        {
            var random = new Random(5);
            var w = new float[d * c * kh * kw];
            for (int f = 0; f < d; f++)
            {
                var a = SmallModels.Randoms(random, c, 1);
                var b = SmallModels.Randoms(random, kh, 1);
                var g = SmallModels.Randoms(random, kw, 1);
                for (int ci = 0; ci < c; ci++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++) w[((f * c + ci) * kh + y) * kw + x] = a[ci] * b[y] * g[x];
            }
            return w;
        }
        using var model = SmallModels.Cnn(conv2Weights: Separable);
        using var result = Decompose(model, new DecompositionOptions
        {
            Method = DecompositionMethod.Flatten, Flatten = FlattenMode.PerFilter, Rank = 1, Layers = new HashSet<string> { "conv2" },
        });
        var report = Assert.Single(result.Layers);
        Assert.Equal(1, report.Rank);
        Assert.Equal(3, report.Replacement.Count); // lateral, vertical, horizontal (bias on the last)
        Assert.True(report.EnergyKept > 1 - 1e-8, $"energy kept {report.EnergyKept}");
        using var x = SmallModels.Input(1);
        double diff = SmallModels.MaxRelativeDiff(SmallModels.Run(model, x, "c2"), SmallModels.Run(result.Model, x, "c2"));
        Assert.True(diff < 1e-4, $"flattened output differs by {diff}");
    }

    [Theory]
    [InlineData(FlattenMode.Cp)]
    [InlineData(FlattenMode.PerFilter)]
    public void Flatten_error_falls_with_rank(FlattenMode mode)
    {
        using var model = SmallModels.Cnn();
        using var x = SmallModels.Input(2);
        var exact = SmallModels.Run(model, x, "c2");
        double Error(int rank)
        {
            using var result = Decompose(model, new DecompositionOptions
            {
                Method = DecompositionMethod.Flatten, Flatten = mode, Rank = rank, KeepUnprofitable = true, Layers = new HashSet<string> { "conv2" },
            });
            return SmallModels.MaxRelativeDiff(exact, SmallModels.Run(result.Model, x, "c2"));
        }
        double low = Error(1), high = Error(mode == FlattenMode.Cp ? 48 : 3);
        Assert.True(high < low, $"rank-{mode} error did not fall: {low} -> {high}");
    }

    [Fact]
    public void Pca_recovers_exactly_low_rank_responses()
    {
        // conv2's filters span a 4-dimensional space, so its responses do too: rank 4 must be exact.
        float[] LowRank(int d, int c, int kh, int kw)
        {
            var random = new Random(8);
            var basis = SmallModels.Randoms(random, 4 * c * kh * kw, 0.3f);
            var mix = SmallModels.Randoms(random, d * 4, 1f);
            var w = new float[d * c * kh * kw];
            for (int f = 0; f < d; f++)
                for (int k = 0; k < c * kh * kw; k++)
                    for (int r = 0; r < 4; r++) w[f * c * kh * kw + k] += mix[f * 4 + r] * basis[r * c * kh * kw + k];
            return w;
        }
        using var model = SmallModels.Cnn(conv2Weights: LowRank);
        using var calibration = Calibration(8);
        using var result = Decompose(model, new DecompositionOptions { Method = DecompositionMethod.Pca, Rank = 4, Layers = new HashSet<string> { "conv2" } }, calibration);
        var report = Assert.Single(result.Layers);
        Assert.Equal(4, report.Rank);
        Assert.True(report.EnergyKept > 1 - 1e-6, $"energy kept {report.EnergyKept}");
        using var x = SmallModels.Input(77); // not a calibration input
        double diff = SmallModels.MaxRelativeDiff(SmallModels.Run(model, x, "c2"), SmallModels.Run(result.Model, x, "c2"));
        Assert.True(diff < 1e-4, $"rank-4 PCA of rank-4 responses differs by {diff}");
    }

    [Fact]
    public void Pca_of_synthetic_low_rank_samples_is_exact()
    {
        var random = new Random(4);
        int d = 12, r = 3, n = 200;
        var basis = new DenseMatrix(d, r);
        for (int i = 0; i < basis.Data.Length; i++) basis.Data[i] = random.NextDouble() - 0.5;
        var coefficients = new DenseMatrix(r, n);
        for (int i = 0; i < coefficients.Data.Length; i++) coefficients.Data[i] = random.NextDouble() * 4 - 2;
        var y = DenseMatrix.Multiply(basis, coefficients);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < n; j++) y[i, j] += i * 0.25; // a mean the bias must restore
        var map = ResponseFit.Pca(y, r);
        var fitted = ResponseFit.Apply(map, y);
        for (int i = 0; i < y.Data.Length; i++) Assert.Equal(y.Data[i], fitted.Data[i], 9);
        // Regression of the data on itself is the same reconstruction.
        var regressed = ResponseFit.Apply(ResponseFit.Regress(y, y, r), y);
        for (int i = 0; i < y.Data.Length; i++) Assert.True(Math.Abs(y.Data[i] - regressed.Data[i]) < 1e-6, $"regression differs at {i}");
    }

    [Fact]
    public void Energy_kept_is_monotonic_in_rank()
    {
        var random = new Random(6);
        var y = new DenseMatrix(10, 300);
        for (int i = 0; i < y.Data.Length; i++) y.Data[i] = random.NextDouble() * (1 + i % 10);
        var spectrum = ResponseFit.Spectrum(y).Values;
        var candidate = new RankCandidate { OriginalCost = 100, Options = [], Spectrum = spectrum };
        double previous = 0;
        for (int r = 1; r <= 10; r++)
        {
            double e = candidate.EnergyAt(r);
            Assert.True(e >= previous - 1e-15, $"energy fell at rank {r}");
            previous = e;
        }
        Assert.Equal(1.0, previous, 12);
        Assert.True(candidate.EnergyAt(1) < 1);
    }

    [Fact]
    public void Nonlinear_fit_never_loses_to_the_linear_one_on_relu_outputs()
    {
        var random = new Random(12);
        int d = 8, n = 400;
        var y = new DenseMatrix(d, n);
        for (int i = 0; i < y.Data.Length; i++) y.Data[i] = random.NextDouble() * 2 - 1.2;
        double Loss(ResponseMap map)
        {
            var f = ResponseFit.Apply(map, y);
            double s = 0;
            for (int i = 0; i < f.Data.Length; i++) s += Math.Pow(Math.Max(y.Data[i], 0) - Math.Max(f.Data[i], 0), 2);
            return s;
        }
        double linear = Loss(ResponseFit.Pca(y, 3));
        double nonlinear = Loss(ResponseFit.Nonlinear(y, y, 3, iterations: 6, symmetric: true));
        Assert.True(nonlinear <= linear + 1e-9, $"nonlinear {nonlinear} > linear {linear}");
        Assert.True(nonlinear < linear * 0.999, "the alternating solver should improve on plain PCA for ReLU targets");
    }

    [Theory]
    [InlineData(0.3, -0.5, 1.0, 0.0)]  // u < 0, r > 0: compare z = u... best of both branches
    [InlineData(0.0, -2.0, 1.0, -2.0)] // r = 0, u < 0: z = u costs nothing
    [InlineData(2.0, 2.0, 0.5, 2.0)]   // r = u > 0: z = u
    public void Zhang_z_step_minimises_the_penalised_loss(double r, double u, double lambda, double expected)
    {
        double z = ResponseFit.SolveZ(r, u, lambda);
        double Cost(double v) => Math.Pow(r - Math.Max(v, 0), 2) + lambda * (v - u) * (v - u);
        // No point on a fine grid does better.
        for (double v = -4; v <= 4; v += 0.001) Assert.True(Cost(z) <= Cost(v) + 1e-9, $"z={z} beaten by {v}");
        if (expected != 0) Assert.Equal(expected, z, 9);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Pca_variants_keep_the_model_close_and_save_as_onnx(bool nonlinear, bool asymmetric)
    {
        using var model = SmallModels.Cnn();
        using var calibration = Calibration(16);
        using var result = Decompose(model, new DecompositionOptions
        {
            Method = DecompositionMethod.Pca, Rank = 12, KeepUnprofitable = true, Nonlinear = nonlinear, Asymmetric = asymmetric, NonlinearIterations = 4,
        }, calibration);
        Assert.Equal(2, result.Layers.Count(l => l.Decomposed));
        Assert.All(result.Model.Graph.Nodes, n => Assert.True(n.OpType is "Conv" or "Relu" or "GlobalAveragePool" or "Flatten" or "Gemm"));
        using var x = SmallModels.Input(5);
        var exact = SmallModels.Run(model, x);
        var approx = SmallModels.Run(result.Model, x);
        double cosine = DecompositionEvaluator.Cosine(exact, approx);
        Assert.True(cosine > 0.9, $"cosine {cosine}"); // random weights: flat spectrum, 12 of 16 directions kept

        string path = Path.Combine(Path.GetTempPath(), $"bramble-decomp-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxWriter.Save(result.Model, path);
            using var loaded = OnnxReader.Load(path);
            Assert.Equal(approx, SmallModels.Run(loaded, x));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(DecompositionMethod.Spatial)]
    [InlineData(DecompositionMethod.Flatten)]
    [InlineData(DecompositionMethod.Svd)]
    public void Data_free_decompositions_save_and_load_with_identical_outputs(DecompositionMethod method)
    {
        using var model = SmallModels.Cnn();
        using var result = Decompose(model, new DecompositionOptions { Method = method, Rank = 2, KeepUnprofitable = true });
        Assert.Contains(result.Layers, l => l.Decomposed);
        using var x = SmallModels.Input(6);
        var approx = SmallModels.Run(result.Model, x);
        string path = Path.Combine(Path.GetTempPath(), $"bramble-decomp-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxWriter.Save(result.Model, path);
            using var loaded = OnnxReader.Load(path);
            Assert.Equal(approx, SmallModels.Run(loaded, x));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Speedup_target_is_met_on_macs_and_unprofitable_layers_are_left_alone()
    {
        using var model = SmallModels.Cnn();
        using var calibration = Calibration(8);
        using var result = Decompose(model, new DecompositionOptions { Method = DecompositionMethod.Pca, Speedup = 1.5 }, calibration);
        // conv1 has 3·9 = 27 inputs per output and 8 filters: r·(27 + 8) < 8·27/1.25 only for r ≤ 4.
        long before = result.Layers.Sum(l => l.MacsBefore), after = result.Layers.Sum(l => l.MacsAfter);
        Assert.True(after <= before / 1.5, $"MACs {before} -> {after}");
        Assert.All(result.Layers.Where(l => l.Decomposed), l => Assert.True(l.MacsAfter * 1.25 <= l.MacsBefore));
    }

    [Fact]
    public void Budgeted_selection_prefers_the_layer_with_the_flatter_loss()
    {
        // Layer A's energy is concentrated (cheap to cut), layer B's is flat: the budget should come from A.
        var byMacs = Enumerable.Range(1, 8).Select(r => new RankOption(r, 100.0 * r)).ToList();
        var a = new RankCandidate { OriginalCost = 1000, Options = byMacs, Spectrum = [100, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
        var b = new RankCandidate { OriginalCost = 1000, Options = byMacs, Spectrum = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] };
        var ranks = RankSelection.ForBudget([a, b], 1000);
        Assert.True(100L * ranks[0] + 100L * ranks[1] <= 1000);
        Assert.True(ranks[0] < ranks[1], $"ranks {ranks[0]}, {ranks[1]}");
        Assert.Equal(1, RankSelection.ForEnergy(a, 0.9));  // 100/109 = 0.917
        Assert.Equal(5, RankSelection.ForEnergy(a, 0.95)); // 103/109 = 0.945 < 0.95 <= 104/109
        Assert.Equal(0, RankSelection.ForEnergy(b, 1.0));  // full rank (10) is not on offer (useful up to 8)
    }

    [Fact]
    public void Pca_without_calibration_is_an_error()
    {
        using var model = SmallModels.Cnn();
        var e = Assert.Throws<BrambleException>(() => Decompose(model, new DecompositionOptions { Method = DecompositionMethod.Pca, Rank = 2 }));
        Assert.Contains("calibration", e.Message);
    }

    [Fact]
    public void Original_model_is_unchanged()
    {
        using var model = SmallModels.Cnn();
        int nodes = model.Graph.Nodes.Count;
        var w = model.Graph.Initializers["w2"].ToArray<float>();
        using (Decompose(model, new DecompositionOptions { Method = DecompositionMethod.Spatial, Rank = 2, KeepUnprofitable = true })) { }
        Assert.Equal(nodes, model.Graph.Nodes.Count);
        Assert.Equal(w, model.Graph.Initializers["w2"].ToArray<float>());
    }
}
