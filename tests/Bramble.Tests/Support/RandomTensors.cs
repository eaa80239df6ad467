using Bramble.Tensors;

namespace Bramble.Tests.Support;

/// <summary>Seeded random weights for the small synthetic models tests build.</summary>
internal static class RandomTensors
{
    /// <summary>A float32 tensor of <paramref name="shape"/> with values uniform in [−scale, scale).</summary>
    public static Tensor Uniform(Random rng, float scale, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return t;
    }
}
