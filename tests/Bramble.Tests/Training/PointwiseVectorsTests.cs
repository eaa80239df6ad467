using Bramble.Training.Gradients;

namespace Bramble.Tests.Training;

/// <summary>The training ops' vector loops against plain scalar formulas, on lengths around the vector width.</summary>
public class PointwiseVectorsTests
{
    private static float[] Random(Random r, int n) => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();

    public static TheoryData<int> Lengths => new() { 0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ElementwiseLoopsMatchScalarFormulasExactly(int n)
    {
        var r = new Random(n + 1);
        float[] x = Random(r, n), dy = Random(r, n), acc = Random(r, n);
        if (n > 2) { x[1] = 0f; x[2] = 1f; }   // the boundaries of Relu and Clip

        float[] got = (float[])acc.Clone();
        PointwiseVectors.AddWherePositive(x, dy, got);
        Assert.Equal(acc.Select((a, i) => x[i] > 0 ? a + dy[i] : a), got);

        got = (float[])acc.Clone();
        PointwiseVectors.AddWhereInRange(x, dy, got, -0.5f, 1f);
        Assert.Equal(acc.Select((a, i) => x[i] >= -0.5f && x[i] <= 1f ? a + dy[i] : a), got);

        got = (float[])acc.Clone();
        PointwiseVectors.AddLeakyRelu(x, dy, got, 0.1f);
        Assert.Equal(acc.Select((a, i) => a + (x[i] >= 0 ? dy[i] : 0.1f * dy[i])), got);

        got = new float[n];
        PointwiseVectors.LeakyRelu(x, got, 0.1f);
        Assert.Equal(x.Select(v => v >= 0 ? v : 0.1f * v), got);

        PointwiseVectors.Clamp(x, got, 0f, float.PositiveInfinity);
        Assert.Equal(x.Select(v => v > 0 ? v : 0f), got);
        PointwiseVectors.Clamp(x, got, -1f, 0.5f);
        Assert.Equal(x.Select(v => Math.Min(Math.Max(v, -1f), 0.5f)), got);

        PointwiseVectors.Affine(x, got, 1.5f, -0.25f);
        Assert.Equal(x.Select(v => v * 1.5f + -0.25f), got);

        got = (float[])acc.Clone();
        PointwiseVectors.AddScaled(x, 0.75f, got);
        Assert.Equal(acc.Select((a, i) => a + 0.75f * x[i]), got);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ReductionsMatchDoublePrecisionSums(int n)
    {
        var r = new Random(n + 100);
        float[] x = Random(r, n), y = Random(r, n), acc = Random(r, n);
        Assert.Equal(x.Sum(v => (double)v), PointwiseVectors.Sum(x), 1e-4);
        Assert.Equal(x.Select((v, i) => (double)v * y[i]).Sum(), PointwiseVectors.Dot(x, y), 1e-4);
        double mean = n > 0 ? x.Average() : 0;
        Assert.Equal(x.Sum(v => (v - (float)mean) * (double)(v - (float)mean)), PointwiseVectors.SumSquaredDeviation(x, (float)mean), 1e-4);

        float[] got = (float[])acc.Clone();
        PointwiseVectors.AddAffine2(x, y, got, 0.5f, -2f, 0.125f);
        for (int i = 0; i < n; i++) Assert.Equal(acc[i] + 0.5 * x[i] - 2.0 * y[i] + 0.125, got[i], 1e-5);
    }
}
