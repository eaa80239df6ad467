namespace Bramble.Quantization;

/// <summary>How activation ranges are chosen from calibration statistics.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,
    /// <summary>The 0.01 % / 99.99 % percentiles (clips rare outliers).</summary>
    Percentile,
    /// <summary>The clipping threshold that minimises KL divergence between float and quantized histograms (TensorRT's method).</summary>
    Entropy,
}

/// <summary>Settings of post-training static quantization.</summary>
public sealed record QuantizeOptions
{
    public int Samples { get; init; } = 32;
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Per-output-channel weight scales (default) rather than one per tensor.</summary>
    public bool PerChannelWeights { get; init; } = true;

    /// <summary>int8 activations (asymmetric, zero point −128..127) instead of uint8.</summary>
    public bool SignedActivations { get; init; }

    /// <summary>Node names (or output names) that stay float.</summary>
    public IReadOnlySet<string> Exclude { get; init; } = new HashSet<string>();

    /// <summary>A layer whose quantized weights have a relative L2 error above this stays float.</summary>
    public double MaxWeightError { get; init; } = 0.05;

    /// <summary>A layer with fewer multiply-adds than this stays float: quantize/dequantize would cost more than int8 saves.</summary>
    public long MinMacs { get; init; } = 16 * 1024;

    /// <summary>
    /// Weight bit width (2–8): codes ±(2^(bits−1)−1) stored in int8. 7 keeps every code within ±63, which x86 CPUs
    /// without VNNI multiply exactly with pmaddubsw (the quad-plane kernels, ~1.4× the 8-bit ones); the CLI defaults
    /// to 7. Below 7 for accuracy studies.
    /// </summary>
    public int WeightBits { get; init; } = 8;

    /// <summary>Activation bit width (2–8): below 8 a Clip limits the 8-bit storage to 2^bits codes (accuracy studies).</summary>
    public int ActivationBits { get; init; } = 8;

    /// <summary>Called after each calibration sample with (done, total), for a progress bar.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>
    /// Output cosine similarity against float the quantized model must reach on the calibration samples:
    /// below it, the layers whose int8 error hurts the output most stay float (<see cref="KeepFloatSearch"/>).
    /// 0 turns the search off.
    /// </summary>
    public double MinCosine { get; init; } = 0.99;

    /// <summary>Calibration samples the keep-float search scores each candidate on (the first ones).</summary>
    public int SearchSamples { get; init; } = 8;

    /// <summary>Called with (phase, done, total) while the keep-float search scores models, for a progress bar.</summary>
    public Action<string, int, int>? SearchProgress { get; init; }

    /// <summary>
    /// How many times faster than float an int8 layer must measure (its kernel plus the quantize/dequantize nodes it
    /// causes, profiled on one sample) to stay int8 (<see cref="LayerSpeedCheck"/>); 0 turns the check off. Off by
    /// default in the library, where results must not depend on timing; the CLI turns it on.
    /// </summary>
    public double MinLayerSpeedup { get; init; }

    /// <summary>Layers (by name) that stay float although eligible for int8, with the reason for the report.</summary>
    public IReadOnlyDictionary<string, string> KeepFloat { get; init; } = new Dictionary<string, string>();
}
