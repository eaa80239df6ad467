using System.IO.Compression;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// Reads IDX files (MNIST / Fashion-MNIST format, optionally gzip-compressed): a big-endian header
/// (magic 0x0000 08 NN for unsigned bytes with NN dimensions, then NN int32 sizes) and raw bytes.
/// </summary>
public static class IdxReader
{
    /// <summary>The standard install location of Debian's dataset-fashion-mnist package.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Reads at most <paramref name="limit"/> items of an IDX ubyte file as a uint8 tensor [items, dims...].</summary>
    public static Tensor Read(string path, int limit = int.MaxValue)
    {
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4];
        s.ReadExactly(header);
        if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] is 0 or > 4)
            throw new ModelFormatException($"{path}: not an IDX ubyte file (magic {header[0]:x2}{header[1]:x2}{header[2]:x2}{header[3]:x2} at offset 0)");
        int rank = header[3];
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            s.ReadExactly(header);
            long d = (long)header[0] << 24 | (long)header[1] << 16 | (long)header[2] << 8 | header[3];
            if (d <= 0 || d > 100_000_000) throw new ModelFormatException($"{path}: dimension {i} is {d} at offset {4 + 4 * i}");
            shape[i] = (int)d;
        }
        shape[0] = Math.Min(shape[0], Math.Max(1, limit));
        if (ShapeUtil.ElementCount(shape) > int.MaxValue) throw new ModelFormatException($"{path}: IDX data too large ({ShapeUtil.Format(shape)})");
        var t = Tensor.Allocate(DataType.UInt8, shape);
        try
        {
            s.ReadExactly(t.AsSpan<byte>());
        }
        catch (EndOfStreamException)
        {
            t.Dispose();
            throw new ModelFormatException($"{path}: truncated IDX data (expected {ShapeUtil.Format(shape)} bytes)");
        }
        return t;
    }
}
