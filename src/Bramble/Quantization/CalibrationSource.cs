using Bramble.Graph;
using Bramble.IO;
using Bramble.Tensors;
using Bramble.Vision.Imaging;

namespace Bramble.Quantization;

/// <summary>
/// Where calibration (and study) samples come from: .npy tensors, images (decoded and preprocessed to the
/// model's input shape and layout), or a named dataset. Each sample is one tensor for the model's single
/// real input, batch 1.
/// </summary>
public sealed class CalibrationSource
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".pgm", ".pnm"];

    private readonly List<string> _files = new();
    private readonly string? _dataset;

    private CalibrationSource(string? dataset) => _dataset = dataset;

    /// <summary>Pixel normalisation for image files: value = (byte / 255 − Mean) / Std, one value for all channels or one per channel.</summary>
    public float[] Mean { get; init; } = [0f];
    public float[] Std { get; init; } = [1f];

    /// <summary>Input shape to use where the model's own is symbolic (e.g. [1,3,H,W] detectors).</summary>
    public int[]? ShapeOverride { get; init; }

    /// <summary>Files or directories (searched for .npy and image files, sorted by name).</summary>
    public static CalibrationSource FromPaths(IEnumerable<string> paths, float[]? mean = null, float[]? std = null, int[]? shape = null)
    {
        var source = new CalibrationSource(null) { Mean = mean ?? [0f], Std = std ?? [1f], ShapeOverride = shape };
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
                source._files.AddRange(Directory.EnumerateFiles(path).Where(IsSampleFile).Order(StringComparer.Ordinal));
            else if (File.Exists(path)) source._files.Add(path);
            else throw new BrambleException($"calibration input '{path}' does not exist");
        }
        if (source._files.Count == 0) throw new BrambleException("no calibration samples (.npy or image files) found");
        return source;
    }

    /// <summary>A named dataset: "fashion-mnist" (the test split, 10,000 images, values 0..1).</summary>
    public static CalibrationSource FromDataset(string name)
    {
        if (!name.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase))
            throw new BrambleException($"unknown dataset '{name}' (known: fashion-mnist)");
        return new CalibrationSource("fashion-mnist");
    }

    private static bool IsSampleFile(string f) =>
        f.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || ImageExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Up to <paramref name="count"/> samples shaped for <paramref name="input"/>; the caller disposes each.</summary>
    public IEnumerable<Tensor> Samples(ValueInfo input, int count)
    {
        var shape = ResolveShape(input);
        if (_dataset != null)
        {
            // Calibration reads the training split, so accuracy measured on the test split is not flattered.
            foreach (var (image, _) in FashionMnist(count, train: true)) yield return Fit(image, shape, input.Name);
            yield break;
        }
        foreach (var file in _files.Take(count))
        {
            if (file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            {
                var t = Npy.Read(file);
                yield return Fit(t, shape, file);
            }
            else yield return FromImage(file, shape);
        }
    }

    /// <summary>True for a named dataset, whose test split has labels (<see cref="TestSamples"/>).</summary>
    public bool IsLabelled => _dataset != null;

    /// <summary>Up to <paramref name="count"/> labelled samples of the dataset's test split, shaped for <paramref name="input"/>; the caller disposes each.</summary>
    public IEnumerable<(Tensor Sample, int Label)> TestSamples(ValueInfo input, int count)
    {
        if (_dataset == null) throw new BrambleException("labelled test samples need a named dataset (--dataset)");
        var shape = ResolveShape(input);
        foreach (var (image, label) in FashionMnist(count, train: false)) yield return (Fit(image, shape, input.Name), label);
    }

    /// <summary>The number of samples available (for the progress bar).</summary>
    public int Available => _dataset != null ? 10_000 : _files.Count;

    /// <summary>Fashion-MNIST images [1, 1, 28, 28] (0..1) with labels 0..9.</summary>
    public static IEnumerable<(Tensor Image, int Label)> FashionMnist(int count, bool train)
    {
        string split = train ? "train" : "t10k";
        string dir = IdxReader.FashionMnistDirectory;
        using var images = IdxReader.Read(Path.Combine(dir, $"{split}-images-idx3-ubyte.gz"), count);
        using var labels = IdxReader.Read(Path.Combine(dir, $"{split}-labels-idx1-ubyte.gz"), count);
        int n = Math.Min(images.Shape[0], labels.Shape[0]), size = images.Shape[1] * images.Shape[2];
        for (int i = 0; i < n; i++)
        {
            var t = Tensor.Allocate(DataType.Float32, 1, 1, images.Shape[1], images.Shape[2]);
            var dst = t.AsSpan<float>();
            var src = images.AsReadOnlySpan<byte>().Slice(i * size, size);
            for (int j = 0; j < size; j++) dst[j] = src[j] / 255f;
            yield return (t, labels.AsReadOnlySpan<byte>()[i]);
        }
    }

    private int[] ResolveShape(ValueInfo input)
    {
        if (ShapeOverride != null) return ShapeOverride;
        if (input.Shape == null) throw new BrambleException($"input '{input.Name}' has no declared shape: give --input-shape");
        var shape = new int[input.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            var d = input.Shape[i];
            if (d.IsFixed) shape[i] = (int)d.Value;
            else if (i == 0) shape[i] = 1;
            else throw new BrambleException($"input '{input.Name}' has symbolic dimension '{d}' at axis {i}: give --input-shape");
        }
        return shape;
    }

    /// <summary>Reshapes a sample with the right element count to the input shape (e.g. [1,1,28,28] ↔ [1,784]).</summary>
    private static Tensor Fit(Tensor t, int[] shape, string what)
    {
        if (t.Type != DataType.Float32)
        {
            t.Dispose();
            throw new BrambleException($"{what}: calibration samples must be float32");
        }
        if (t.Length != ShapeUtil.ElementCount(shape))
        {
            var s = ShapeUtil.Format(t.Shape);
            t.Dispose();
            throw new ShapeException($"{what}: sample {s} does not fit input shape {ShapeUtil.Format(shape)}");
        }
        if (ShapeUtil.SameShape(t.Shape, shape)) return t;
        var copy = Tensor.Allocate(DataType.Float32, shape);
        copy.CopyFrom(t.Reshaped(shape));
        t.Dispose();
        return copy;
    }

    /// <summary>Decodes and preprocesses an image: NHWC when the last dimension is 1 or 3, else NCHW.</summary>
    private Tensor FromImage(string file, int[] shape)
    {
        if (shape.Length != 4) throw new ShapeException($"{file}: images need a rank-4 input, the model's is {ShapeUtil.Format(shape)}");
        bool nhwc = shape[3] is 1 or 3 && shape[1] is not (1 or 3);
        int c = nhwc ? shape[3] : shape[1], h = nhwc ? shape[1] : shape[2], w = nhwc ? shape[2] : shape[3];
        var image = ImageIO.Load(file);
        var options = new PreprocessOptions
        {
            Width = w, Height = h, Layout = nhwc ? TensorLayout.Nhwc : TensorLayout.Nchw,
            Channels = c == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb, Mean = Mean, Std = Std,
        };
        using var result = Preprocessor.Run(image, options);
        return Fit(result.Tensor.Clone(), shape, file);
    }
}
