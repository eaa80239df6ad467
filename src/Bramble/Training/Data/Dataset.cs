namespace Bramble.Training.Data;

/// <summary>
/// An in-memory labelled image set: pixels as bytes [count, channels, height, width] (planar) and one
/// class index per image. Networks see pixel/255 in [0, 1] (see <see cref="Normalize"/>).
/// </summary>
public sealed class Dataset
{
    public Dataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        long per = (long)channels * height * width;
        if (per <= 0 || pixels.LongLength != per * labels.Length)
            throw new ShapeException($"dataset: {pixels.LongLength} pixel bytes do not hold {labels.Length} images of {channels}x{height}x{width}");
        foreach (int l in labels)
            if ((uint)l >= (uint)classNames.Count) throw new BrambleException($"dataset: label {l} is outside 0..{classNames.Count - 1}");
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
    }

    public byte[] Pixels { get; }
    public int[] Labels { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => Labels.Length;
    public int SampleSize => Channels * Height * Width;
    public int[] SampleShape => [Channels, Height, Width];

    /// <summary>The scale applied to bytes: the models' input contract (input = pixel / 255).</summary>
    public const float Normalize = 1f / 255f;

    /// <summary>The first <paramref name="count"/> images (tests, quick runs).</summary>
    public Dataset Take(int count)
    {
        count = Math.Clamp(count, 0, Count);
        return new Dataset(Pixels.AsSpan(0, count * SampleSize).ToArray(), Labels.AsSpan(0, count).ToArray(), Channels, Height, Width, ClassNames);
    }

    /// <summary>Images [<paramref name="start"/>, start + count) (clamped to the set): one chunk of a schedule that walks through the data.</summary>
    public Dataset Slice(int start, int count)
    {
        start = Math.Clamp(start, 0, Count);
        count = Math.Clamp(count, 0, Count - start);
        return new Dataset(Pixels.AsSpan(start * SampleSize, count * SampleSize).ToArray(), Labels.AsSpan(start, count).ToArray(), Channels, Height, Width, ClassNames);
    }

    /// <summary>Writes image <paramref name="index"/> as floats in [0, 1].</summary>
    public void CopySample(int index, Span<float> destination)
    {
        var src = Pixels.AsSpan(index * SampleSize, SampleSize);
        for (int i = 0; i < src.Length; i++) destination[i] = src[i] * Normalize;
    }
}
