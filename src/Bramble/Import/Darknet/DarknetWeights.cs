using System.Runtime.InteropServices;
using Bramble.Tensors;

namespace Bramble.Import.Darknet;

/// <summary>
/// The contents of a Darknet .weights file for a given network: the header and, per layer, the float
/// arrays in <see cref="DarknetLayer.WeightArrays"/> order as owned tensors. Disposing frees tensors not
/// handed over to a graph.
/// </summary>
public sealed class DarknetWeights : IDisposable
{
    private DarknetWeights(int major, int minor, int revision, long seen, List<Dictionary<string, Tensor>> layers)
    {
        Major = major;
        Minor = minor;
        Revision = revision;
        Seen = seen;
        Layers = layers;
    }

    public int Major { get; }
    public int Minor { get; }
    public int Revision { get; }

    /// <summary>Images seen in training (int64 from format 0.2 on, int32 before).</summary>
    public long Seen { get; }

    /// <summary>Per layer: array name ("biases", "scales", "rolling_mean", "rolling_variance", "weights") → tensor.</summary>
    public IReadOnlyList<Dictionary<string, Tensor>> Layers { get; }

    /// <summary>Header bytes: major, minor, revision (int32 each), then seen as int64 when major·10+minor ≥ 2, else int32.</summary>
    public static int HeaderSize(int major, int minor) => 12 + (major * 10 + minor >= 2 ? 8 : 4);

    /// <summary>Reads <paramref name="path"/> for <paramref name="network"/>; the file size must match the network exactly.</summary>
    public static DarknetWeights Read(string path, DarknetNetwork network)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, Path.GetFileName(path), network);
    }

    /// <summary>Reads a .weights stream (seekable, for its length); <paramref name="name"/> is used in errors.</summary>
    public static DarknetWeights Read(Stream stream, string name, DarknetNetwork network)
    {
        long length = stream.Length - stream.Position;
        Span<int> head = stackalloc int[3];
        if (length < 16) throw new ModelFormatException($"{name}: too short: the header needs at least 16 bytes, file has {length}");
        stream.ReadExactly(MemoryMarshal.AsBytes(head));
        int major = head[0], minor = head[1], revision = head[2];
        int headerSize = HeaderSize(major, minor);
        if (length < headerSize) throw new ModelFormatException($"{name}: too short: the header needs {headerSize} bytes, file has {length}");
        long seen;
        if (headerSize == 20)
        {
            long s = 0;
            stream.ReadExactly(MemoryMarshal.AsBytes(new Span<long>(ref s)));
            seen = s;
        }
        else
        {
            uint s = 0;
            stream.ReadExactly(MemoryMarshal.AsBytes(new Span<uint>(ref s)));
            seen = s;
        }
        // Darknet: connected-layer weights were saved transposed by very old versions (major or minor > 1000).
        bool transpose = major > 1000 || minor > 1000;

        long remaining = length - headerSize;
        var layers = new List<Dictionary<string, Tensor>>(network.Layers.Count);
        try
        {
            int lastWeighted = -1;
            foreach (var layer in network.Layers)
            {
                var arrays = new Dictionary<string, Tensor>();
                layers.Add(arrays);
                long needed = layer.WeightCount * sizeof(float);
                if (needed == 0) continue;
                lastWeighted = layer.Index;
                if (needed > remaining)
                    throw new ModelFormatException($"{name}: too short: {layer.Describe()} needs {needed} more bytes, file has {remaining}");
                foreach (var array in layer.WeightArrays)
                {
                    var t = Tensor.Allocate(DataType.Float32, array.Shape);
                    arrays[array.Name] = t;
                    stream.ReadExactly(t.AsSpan<byte>());
                    if (!BitConverter.IsLittleEndian) SwapBytes(t.AsSpan<int>());
                }
                remaining -= needed;
                FixLayout(layer, arrays, transpose);
            }
            if (remaining > 0)
            {
                string after = lastWeighted >= 0 ? network.Layers[lastWeighted].Describe() : "the header (the network has no weights)";
                throw new ModelFormatException($"{name}: too long: {remaining} bytes left over after {after}");
            }
        }
        catch
        {
            foreach (var arrays in layers) foreach (var t in arrays.Values) t.Dispose();
            throw;
        }
        return new DarknetWeights(major, minor, revision, seen, layers);
    }

    /// <summary>
    /// Weights for <paramref name="network"/> without a file, for benchmarking: fixed-seed random values
    /// (He-uniform weights, small biases, batch-norm scales and variances in 0.5..1.5) or zeros (with unit
    /// variances and scales, so batch normalisation stays finite).
    /// </summary>
    public static DarknetWeights Generate(DarknetNetwork network, bool random, int seed = 1)
    {
        var rng = new Random(seed);
        var layers = new List<Dictionary<string, Tensor>>(network.Layers.Count);
        foreach (var layer in network.Layers)
        {
            var arrays = new Dictionary<string, Tensor>();
            layers.Add(arrays);
            foreach (var array in layer.WeightArrays)
            {
                var t = Tensor.Allocate(DataType.Float32, array.Shape);
                arrays[array.Name] = t;
                FillSynthetic(array, t.AsSpan<float>(), random ? rng : null);
            }
        }
        return new DarknetWeights(0, 2, 0, 0, layers);
    }

    /// <summary>The values a synthetic weights array gets (shared with test writers of .weights files).</summary>
    public static void FillSynthetic(WeightArray array, Span<float> values, Random? rng)
    {
        if (rng == null)
        {
            values.Fill(array.Name is "scales" or "rolling_variance" ? 1f : 0f);
            return;
        }
        float lo, hi;
        switch (array.Name)
        {
            case "scales":
            case "rolling_variance":
                lo = 0.5f; hi = 1.5f;
                break;
            case "weights":
                int fanIn = array.Count / array.Shape[0];
                hi = MathF.Sqrt(6f / Math.Max(1, fanIn));
                lo = -hi;
                break;
            default:
                lo = -0.1f; hi = 0.1f;
                break;
        }
        for (int i = 0; i < values.Length; i++) values[i] = lo + (hi - lo) * (float)rng.NextDouble();
    }

    private static void FixLayout(DarknetLayer layer, Dictionary<string, Tensor> arrays, bool transposeConnected)
    {
        // Darknet's transpose_matrix(a, rows, cols): the file holds a [rows][cols] matrix that becomes [cols][rows].
        if (layer.Kind == DarknetLayerKind.Convolutional && layer.Flipped)
            TransposeInPlace(arrays["weights"], rows: layer.InC / layer.Groups * layer.Size * layer.Size, cols: layer.Filters);
        if (layer.Kind == DarknetLayerKind.Connected && transposeConnected)
            TransposeInPlace(arrays["weights"], rows: layer.ConnectedInputs, cols: layer.OutC);
    }

    private static void TransposeInPlace(Tensor t, int rows, int cols)
    {
        var data = t.AsSpan<float>();
        var copy = data.ToArray();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                data[c * rows + r] = copy[r * cols + c];
    }

    private static void SwapBytes(Span<int> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(values[i]);
    }

    /// <summary>Removes and returns a layer's tensor; the caller then owns it.</summary>
    internal Tensor Take(int layer, string name)
    {
        var arrays = Layers[layer];
        var t = arrays[name];
        arrays.Remove(name);
        return t;
    }

    public void Dispose()
    {
        foreach (var arrays in Layers)
        {
            foreach (var t in arrays.Values) t.Dispose();
            arrays.Clear();
        }
    }
}
