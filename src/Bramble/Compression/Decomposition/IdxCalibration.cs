using System.Buffers.Binary;
using System.IO.Compression;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Labelled image sets in the IDX format (MNIST, Fashion-MNIST; Debian's dataset-fashion-mnist installs
/// them gzip-compressed) as calibration/evaluation sets: [1, 1, H, W] float tensors, (pixel/255 − mean)/std.
/// </summary>
public static class IdxCalibration
{
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The first <paramref name="count"/> (train or test) images with their labels.</summary>
    public static CalibrationSet FashionMnist(string inputName, bool train, int count, float mean = 0, float std = 1, string? directory = null)
    {
        string dir = directory ?? FashionMnistDirectory;
        string prefix = train ? "train" : "t10k";
        var (images, dims) = Read(Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz"), count);
        var (labels, labelDims) = Read(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz"), count);
        if (dims.Length != 3 || labelDims.Length != 1 || labelDims[0] != dims[0])
            throw new ModelFormatException($"{dir}: expected [N, H, W] images and [N] labels");
        int n = dims[0], h = dims[1], w = dims[2];
        var tensors = new List<Tensor>(n);
        for (int i = 0; i < n; i++)
        {
            var t = Tensor.Allocate(DataType.Float32, 1, 1, h, w);
            var span = t.AsSpan<float>();
            for (int j = 0; j < h * w; j++) span[j] = (images[(long)i * h * w + j] / 255f - mean) / std;
            tensors.Add(t);
        }
        return new CalibrationSet(inputName, tensors, labels.Select(b => (int)b).ToArray());
    }

    /// <summary>Reads an IDX ubyte file, keeping at most <paramref name="limit"/> items of the first dimension.</summary>
    public static (byte[] Data, int[] Dims) Read(string path, int limit)
    {
        if (!File.Exists(path)) throw new BrambleException($"'{path}' not found (Fashion-MNIST comes with the dataset-fashion-mnist package)");
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4];
        stream.ReadExactly(header);
        if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] is 0 or > 4)
            throw new ModelFormatException($"{path}: not an IDX ubyte file (magic {header[0]:x2}{header[1]:x2}{header[2]:x2}{header[3]:x2})");
        var dims = new int[header[3]];
        Span<byte> dim = stackalloc byte[4];
        for (int i = 0; i < dims.Length; i++)
        {
            stream.ReadExactly(dim);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dim);
            if (dims[i] <= 0 || dims[i] > 10_000_000) throw new ModelFormatException($"{path}: dimension {i} is {dims[i]}");
        }
        long item = 1;
        for (int i = 1; i < dims.Length; i++) item *= dims[i];
        dims[0] = Math.Min(dims[0], limit);
        if (item * dims[0] > 1L << 30) throw new ModelFormatException($"{path}: {item * dims[0]} bytes requested");
        var data = new byte[item * dims[0]];
        stream.ReadExactly(data);
        return (data, dims);
    }
}
