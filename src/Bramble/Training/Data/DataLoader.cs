namespace Bramble.Training.Data;

/// <summary>Augmentations applied independently to each training image.</summary>
public sealed record Augmentation
{
    /// <summary>Pad by this many zero pixels on each side and crop a random window of the original size (0 = off).</summary>
    public int CropPadding { get; init; }

    /// <summary>Mirror left-right with probability 1/2.</summary>
    public bool HorizontalFlip { get; init; }

    public static Augmentation None { get; } = new();
    public bool IsNone => CropPadding == 0 && !HorizontalFlip;
}

/// <summary>
/// Mini-batches of a dataset as float [batch, C, H, W] plus labels. Each epoch draws a new order from a
/// generator seeded with (seed, epoch), and augmentation draws from the same stream, so a run is
/// reproducible and independent of timing.
/// </summary>
public sealed class DataLoader
{
    private readonly Dataset _data;
    private readonly int[] _order;
    private readonly float[] _batch;
    private readonly int[] _labels;
    private readonly float[] _scratch;
    private Random _random = new(0);

    public DataLoader(Dataset data, int batchSize, bool shuffle, Augmentation? augmentation = null, int seed = 1)
    {
        if (batchSize < 1) throw new BrambleException($"batch size must be positive, got {batchSize}");
        _data = data;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Augment = augmentation ?? Augmentation.None;
        Seed = seed;
        _order = new int[data.Count];
        _batch = new float[batchSize * data.SampleSize];
        _labels = new int[batchSize];
        _scratch = new float[data.SampleSize];
    }

    public int BatchSize { get; }
    public bool Shuffle { get; }
    public Augmentation Augment { get; }
    public int Seed { get; }
    public int BatchCount => (_data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Starts epoch <paramref name="epoch"/>: a fresh (seeded) order.</summary>
    public void StartEpoch(int epoch)
    {
        _random = new Random(unchecked(Seed * 1_000_003 + epoch * 7919) & int.MaxValue);
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffle)
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = _random.Next(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
    }

    /// <summary>Fills batch <paramref name="index"/> of the current epoch; returns its size. The spans stay valid until the next call.</summary>
    public int GetBatch(int index, out ReadOnlySpan<float> samples, out ReadOnlySpan<int> labels)
    {
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, _data.Count - start);
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(index), $"batch {index} is past the end of the data");
        int size = _data.SampleSize;
        for (int b = 0; b < count; b++)
        {
            int sample = _order[start + b];
            var dst = _batch.AsSpan(b * size, size);
            if (Augment.IsNone) _data.CopySample(sample, dst);
            else
            {
                _data.CopySample(sample, _scratch);
                Transform(_scratch, dst);
            }
            _labels[b] = _data.Labels[sample];
        }
        samples = _batch.AsSpan(0, count * size);
        labels = _labels.AsSpan(0, count);
        return count;
    }

    private void Transform(ReadOnlySpan<float> src, Span<float> dst)
    {
        int c = _data.Channels, h = _data.Height, w = _data.Width;
        int pad = Augment.CropPadding;
        int dy = pad > 0 ? _random.Next(2 * pad + 1) - pad : 0;
        int dx = pad > 0 ? _random.Next(2 * pad + 1) - pad : 0;
        bool flip = Augment.HorizontalFlip && _random.Next(2) == 1;
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
            {
                int sy = y + dy;
                for (int x = 0; x < w; x++)
                {
                    int sx = (flip ? w - 1 - x : x) + dx;
                    dst[(ch * h + y) * w + x] = (uint)sy < (uint)h && (uint)sx < (uint)w ? src[(ch * h + sy) * w + sx] : 0f;
                }
            }
    }
}
