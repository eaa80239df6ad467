using Bramble.Training.Autodiff;
using Bramble.Training.Hooks;
using Bramble.Training.Optimizers;

namespace Bramble.Tests.Training;

public class HookTests
{
    private static float[] RandomWeights(int count, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void FakeQuantizeUsesAtMostTheLevelsOfItsBitWidthPerChannel(int bits)
    {
        var w = RandomWeights(2 * 300, bits);
        var e = new float[w.Length];
        new FakeQuantize(bits).Apply(w, e, [2, 300]);
        int levels = (1 << bits) - 1; // symmetric: −qmax..qmax
        for (int row = 0; row < 2; row++)
        {
            var values = e.Skip(row * 300).Take(300).ToArray();
            Assert.True(values.Distinct().Count() <= levels);
            float max = w.Skip(row * 300).Take(300).Max(MathF.Abs);
            Assert.Equal(max, values.Max(MathF.Abs), 5);
            float step = max / ((1 << (bits - 1)) - 1);
            for (int i = 0; i < 300; i++) Assert.True(MathF.Abs(values[i] - w[row * 300 + i]) <= step / 2 + 1e-6f);
        }
        Assert.Throws<BrambleException>(() => new FakeQuantize(1));
        Assert.Throws<BrambleException>(() => new FakeQuantize(9));
    }

    [Fact]
    public void XnorBinarizeIsSignTimesMeanAbsolutePerFilter()
    {
        var w = RandomWeights(3 * 10, 1);
        var e = new float[w.Length];
        var t = new XnorBinarize();
        t.Apply(w, e, [3, 10]);
        for (int row = 0; row < 3; row++)
        {
            float alpha = w.Skip(row * 10).Take(10).Average(MathF.Abs);
            for (int i = 0; i < 10; i++) Assert.Equal(MathF.Sign(w[row * 10 + i]) * alpha, e[row * 10 + i], 5);
        }
        // The STE zeroes gradients of latent weights beyond ±1 (apart from the scale term).
        var latent = new float[] { 0.5f, 2f, -0.5f, -3f };
        var grad = new float[4];
        new XnorBinarize { UseScales = false }.Backward(latent, [1f, 1f, 1f, 1f], grad, [1, 4]);
        Assert.Equal([1f, 0f, 1f, 0f], grad);
    }

    [Fact]
    public void TransformedAndMaskedWeightsTrainAndStayConstrained()
    {
        var g = GradientCheck.Build([4, 6], [GradientCheck.Node("Gemm", ["x", "w"], "y", Bramble.Graph.Attribute.Of("transB", 1L))], ("w", [3, 6], null));
        var tg = new TrainingGraph(g);
        var w = tg.Parameter("w");
        var mask = Enumerable.Range(0, 18).Select(i => i % 3 == 0 ? 0f : 1f).ToArray();
        w.SetMask(mask);
        w.SetTransform(new FakeQuantize(3));
        using var ctx = new TrainContext(1);
        var opt = new Sgd { Momentum = 0.9f };
        var x = RandomWeights(24, 5);
        var before = (float[])w.Latent.Clone();
        for (int step = 0; step < 5; step++)
        {
            tg.Forward(x, 4, ctx);
            tg.Backward(RandomWeights(12, step), ctx);
            opt.Step(tg.Parameters, 0.1f);
        }
        Assert.NotEqual(before, w.Latent);
        for (int i = 0; i < 18; i += 3) Assert.Equal(0f, w.Latent[i]);
        // The exported (effective) weights are the 3-bit ones: at most 7 levels per row, pruned ones zero.
        using var model = tg.ExportModel();
        var exported = model.Graph.Initializers["w"].ToArray<float>();
        for (int row = 0; row < 3; row++) Assert.True(exported.Skip(row * 6).Take(6).Distinct().Count() <= 7);
        for (int i = 0; i < 18; i += 3) Assert.Equal(0f, exported[i]);
        Assert.Throws<ShapeException>(() => w.SetMask(new float[5]));
    }
}
