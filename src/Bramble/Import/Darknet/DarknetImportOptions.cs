namespace Bramble.Import.Darknet;

/// <summary>What to do when a .cfg has no .weights file.</summary>
public enum MissingWeights
{
    /// <summary>Fail with a one-line error naming the expected .weights path.</summary>
    Error,
    /// <summary>Fixed-seed random weights (for benchmarking and tests; the outputs mean nothing).</summary>
    Random,
    /// <summary>Zero weights and biases (unit batch-norm scale and variance).</summary>
    Zero,
}

/// <summary>How batch normalisation's divisor is formed; the two Darknet forks differ.</summary>
public enum DarknetBatchNormStyle
{
    /// <summary>(x − mean) / sqrt(var + 0.00001): AlexeyAB's Darknet and every ONNX exporter. Weights are kept as stored.</summary>
    Epsilon,
    /// <summary>
    /// (x − mean) / (sqrt(var) + 0.000001): pjreddie's Darknet (the Debian package). Expressed as standard
    /// BatchNormalization with epsilon 0 and variance (sqrt(var) + 1e-6)², so results match that Darknet exactly.
    /// </summary>
    Pjreddie,
}

/// <summary>Options of <see cref="DarknetImporter"/>.</summary>
public sealed class DarknetImportOptions
{
    public MissingWeights MissingWeights { get; init; } = MissingWeights.Error;

    /// <summary>Seed of <see cref="MissingWeights.Random"/>.</summary>
    public int RandomSeed { get; init; } = 1;

    public DarknetBatchNormStyle BatchNorm { get; init; } = DarknetBatchNormStyle.Epsilon;
}
