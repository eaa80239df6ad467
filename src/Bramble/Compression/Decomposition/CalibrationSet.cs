using Bramble.Tensors;
using Bramble.Vision.Imaging;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Inputs to collect responses on: one tensor per sample for a single-input model (batch 1 each), and
/// optionally a label per sample for accuracy. Owns the tensors.
/// </summary>
public sealed class CalibrationSet : IDisposable
{
    public CalibrationSet(string inputName, List<Tensor> inputs, int[]? labels = null)
    {
        if (inputs.Count == 0) throw new BrambleException("calibration set is empty");
        if (labels != null && labels.Length != inputs.Count) throw new BrambleException($"calibration set: {labels.Length} labels for {inputs.Count} inputs");
        InputName = inputName;
        Inputs = inputs;
        Labels = labels;
    }

    public string InputName { get; }
    public IReadOnlyList<Tensor> Inputs { get; }

    /// <summary>Class index per input, when known (labelled data sets).</summary>
    public int[]? Labels { get; }

    public int Count => Inputs.Count;

    /// <summary>Images in a directory (sorted by name, at most <paramref name="limit"/>), preprocessed.</summary>
    public static CalibrationSet FromImages(string directory, string inputName, PreprocessOptions options, int limit)
    {
        if (!Directory.Exists(directory)) throw new BrambleException($"calibration directory '{directory}' does not exist");
        var files = Directory.GetFiles(directory)
            .Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".ppm", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".pgm", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal).Take(limit).ToList();
        if (files.Count == 0) throw new BrambleException($"calibration directory '{directory}' holds no .png/.jpg/.ppm/.pgm/.npy files");
        var tensors = new List<Tensor>();
        try
        {
            foreach (var file in files)
            {
                if (file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
                {
                    tensors.Add(IO.Npy.Read(file));
                    continue;
                }
                var image = ImageIO.Load(file);
                tensors.Add(Preprocessor.Run(image, options).Tensor);
            }
        }
        catch
        {
            foreach (var t in tensors) t.Dispose();
            throw;
        }
        return new CalibrationSet(inputName, tensors);
    }

    /// <summary>Seeded uniform noise in [0, 1): enough to exercise a model, not to calibrate a real one.</summary>
    public static CalibrationSet Random(string inputName, int[] shape, int count, int seed = 1)
    {
        var random = new Random(seed);
        var tensors = new List<Tensor>();
        for (int i = 0; i < count; i++)
        {
            var t = Tensor.Allocate(DataType.Float32, shape);
            var span = t.AsSpan<float>();
            for (int j = 0; j < span.Length; j++) span[j] = random.NextSingle();
            tensors.Add(t);
        }
        return new CalibrationSet(inputName, tensors);
    }

    /// <summary>The first <paramref name="count"/> samples as a new set sharing nothing (tensors cloned).</summary>
    public CalibrationSet Take(int count) =>
        new(InputName, Inputs.Take(count).Select(t => t.Clone()).ToList(), Labels?.Take(count).ToArray());

    public void Dispose()
    {
        foreach (var t in Inputs) t.Dispose();
    }
}
