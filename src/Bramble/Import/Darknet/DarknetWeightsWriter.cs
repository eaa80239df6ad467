using System.Runtime.InteropServices;

namespace Bramble.Import.Darknet;

/// <summary>
/// Writes .weights files in Darknet's layout filled with fixed-seed synthetic values, so that Bramble and
/// Darknet itself can be compared (and benchmarked) on the same network when no trained weights exist.
/// </summary>
public static class DarknetWeightsWriter
{
    /// <summary>
    /// Header (major, minor, revision 0, then <paramref name="seen"/> as int64 when major·10+minor ≥ 2, else int32),
    /// then every layer's arrays in file order with <see cref="DarknetWeights.FillSynthetic"/>'s values drawn from
    /// one <see cref="Random"/> seeded with <paramref name="seed"/>. The same seed gives the same bytes.
    /// </summary>
    public static void Write(Stream stream, DarknetNetwork network, int seed, int major = 0, int minor = 2, long seen = 123456)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(major);
        w.Write(minor);
        w.Write(0);
        if (major * 10 + minor >= 2) w.Write(seen); else w.Write((int)seen);
        var rng = new Random(seed);
        float[] values = [];
        foreach (var layer in network.Layers)
            foreach (var array in layer.WeightArrays)
            {
                // Reused across arrays: yolov3's largest array is 4.7 M floats, the whole file 248 MB.
                if (values.Length < array.Count) values = new float[array.Count];
                var span = values.AsSpan(0, array.Count);
                DarknetWeights.FillSynthetic(array, span, rng);
                w.Write(MemoryMarshal.AsBytes(span));
            }
    }

    /// <summary>Writes the synthetic weights of <paramref name="network"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, DarknetNetwork network, int seed, int major = 0, int minor = 2, long seen = 123456)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            Write(file, network, seed, major, minor, seen);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrambleException($"{path}: cannot write weights: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }
}
