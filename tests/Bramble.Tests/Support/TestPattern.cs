using Bramble.Tensors;

namespace Bramble.Tests.Support;

/// <summary>
/// The deterministic input pattern shared with the peer scripts (bench/ort/npy.js pattern()): integer
/// hashing gives bit-identical float32 values in [-1, 1) on both sides, so golden inputs need no files.
/// </summary>
public static class TestPattern
{
    public static Tensor Create(int seed, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var data = t.AsSpan<float>();
        for (int i = 0; i < data.Length; i++)
        {
            uint u = unchecked((uint)(i + seed * 7919) * 2654435761u);
            data[i] = (u >> 8) / 16777216f * 2 - 1;
        }
        return t;
    }
}
