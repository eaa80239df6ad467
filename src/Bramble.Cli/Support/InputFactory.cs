using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Cli.Support;

/// <summary>Synthetic inputs for quick checks and benchmarks: reproducible (fixed seed) and type-appropriate.</summary>
internal static class InputFactory
{
    public const int Seed = 20240601;

    /// <summary>
    /// Floats uniform in [-1, 1) (the range of most normalised image inputs); integers 0..9 so that index
    /// inputs stay in range for small tables; bools random.
    /// </summary>
    public static Tensor Random(ValueInfo input, int[] shape, Random random)
    {
        var type = input.Type == DataType.Undefined ? DataType.Float32 : input.Type;
        var t = Tensor.Allocate(type, shape);
        switch (type)
        {
            case DataType.Float32:
                var f = t.AsSpan<float>();
                for (int i = 0; i < f.Length; i++) f[i] = (float)(random.NextDouble() * 2 - 1);
                break;
            case DataType.Float64:
                var d = t.AsSpan<double>();
                for (int i = 0; i < d.Length; i++) d[i] = random.NextDouble() * 2 - 1;
                break;
            case DataType.Float16:
                var h = t.AsSpan<Half>();
                for (int i = 0; i < h.Length; i++) h[i] = (Half)(random.NextDouble() * 2 - 1);
                break;
            case DataType.Bool:
                var b = t.AsSpan<byte>();
                for (int i = 0; i < b.Length; i++) b[i] = (byte)random.Next(2);
                break;
            default:
                FillIntegers(t, random);
                break;
        }
        return t;
    }

    private static unsafe void FillIntegers(Tensor t, Random random)
    {
        int size = t.Type.Size();
        for (long i = 0; i < t.Length; i++)
        {
            long v = random.Next(10);
            // Little-endian: the low bytes of v are the value for every integer width.
            Buffer.MemoryCopy(&v, t.Data + i * size, size, size);
        }
    }
}
