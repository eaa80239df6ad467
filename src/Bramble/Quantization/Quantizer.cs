using Bramble.Graph;
using Bramble.Ops;
using Bramble.Passes;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>One quantized layer in the report.</summary>
public sealed record QuantizedLayerInfo(string Name, string OpType, long Macs, double WeightError, float InputScale, float OutputScale);

/// <summary>
/// What post-training quantization did: layers made int8, layers kept float (with reasons), sizes, and the
/// measured keep-float search when it ran.
/// </summary>
public sealed record QuantizeReport(
    IReadOnlyList<QuantizedLayerInfo> Quantized, IReadOnlyList<KeptLayer> Kept, long FloatWeightBytes, long QuantizedWeightBytes, int Samples,
    KeepFloatResult? Search = null, SpeedCheckResult? Speed = null);

/// <summary>A prepared float model with its calibration statistics (see <see cref="Quantizer.Calibrate"/>); owns the model.</summary>
public sealed record CalibratedModel(
    Model Model, IReadOnlyDictionary<string, RangeStatistics> Stats, IReadOnlyDictionary<string, int[]> Shapes, long FloatWeightBytes, int Samples) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Post-training static quantization: fold BatchNormalization, pick layers, calibrate activation ranges
/// on samples, and write a standard QDQ model (int8 symmetric weights, per channel by default; uint8 or
/// int8 asymmetric activations; int32 biases).
/// </summary>
public static class Quantizer
{
    /// <summary>
    /// Calibrates, then (unless <see cref="QuantizeOptions.MinCosine"/> is 0) keeps float the layers whose int8
    /// error stops the output from reaching that cosine against float on the first calibration samples, then
    /// (when <see cref="QuantizeOptions.MinLayerSpeedup"/> is above 0) the layers that int8 does not make faster,
    /// and writes the QDQ model. <paramref name="session"/> runs the float and candidate models during both.
    /// </summary>
    public static (Model Model, QuantizeReport Report) Quantize(Model source, CalibrationSource data, QuantizeOptions options, SessionOptions? session = null)
    {
        using var calibrated = Calibrate(source, data, options);
        var keep = new Dictionary<string, string>(options.KeepFloat);
        KeepFloatResult? search = null;
        if (options.MinCosine > 0)
        {
            int samples = Math.Min(options.SearchSamples, calibrated.Samples);
            using var comparer = new OutputComparer(source, data, samples, session);
            search = KeepFloatSearch.Run(calibrated, options, comparer.Score, comparer.Samples, options.SearchProgress);
            foreach (var (name, reason) in search.KeepFloat) keep[name] = reason;
        }
        // After the accuracy search, so the layers it left int8 are the ones timed (a float layer only helps accuracy).
        SpeedCheckResult? speed = null;
        if (options.MinLayerSpeedup > 0)
        {
            using var timer = new LayerTimer(source, data, session);
            speed = LayerSpeedCheck.Run(calibrated, options with { KeepFloat = keep }, timer.Profile, options.SearchProgress);
            foreach (var (name, reason) in speed.KeepFloat) keep[name] = reason;
        }
        var (model, report) = Build(calibrated, options with { KeepFloat = keep });
        return (model, report with { Search = search, Speed = speed });
    }

    /// <summary>
    /// The float model prepared for quantization (constants as initializers, BatchNormalization folded) with
    /// the calibration statistics of every candidate layer's input and output: computed once, then
    /// <see cref="Build"/> writes QDQ models from it at any bit widths (the --study grid).
    /// </summary>
    public static CalibratedModel Calibrate(Model source, CalibrationSource data, QuantizeOptions options)
    {
        var model = source.CloneStructure();
        try
        {
            ConstantsToInitializers(model.Graph);
            long floatBytes = model.Graph.WeightBytes;
            PassPipeline.Run(model, [new RemoveIdentities(), new FoldBatchNormalization()]);
            NameLayers(model.Graph);
            var (layers, _) = LayerSelection.Select(model, options);
            var tensors = layers.SelectMany(l => new[] { l.Input, l.Output });
            var (stats, shapes) = Calibrator.Run(model, tensors, data, options);
            return new CalibratedModel(model, stats, shapes, floatBytes, Math.Min(options.Samples, data.Available));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes the QDQ model of a calibrated model with the options' layer choice, methods and bit widths.</summary>
    public static (Model Model, QuantizeReport Report) Build(CalibratedModel calibrated, QuantizeOptions options)
    {
        var model = calibrated.Model.CloneStructure();
        try
        {
            var (stats, shapes) = (calibrated.Stats, calibrated.Shapes);
            var (layers, kept) = LayerSelection.Select(model, options);

            // Per-axis Q/DQ are standard from opset 13; older models use the com.microsoft forms so their other ops keep their meaning.
            bool standardAxis = model.OpsetFor("") >= 13;
            var writer = new QdqWriter(model, options.SignedActivations, options.ActivationBits);
            var infos = new List<QuantizedLayerInfo>();
            foreach (var layer in layers)
            {
                var w = model.Graph.Initializers[layer.WeightName];
                long macs = shapes.TryGetValue(layer.Node.Outputs[0], out var ys) || shapes.TryGetValue(layer.Output, out ys)
                    ? ShapeUtil.ElementCount(ys) * (w.Length / w.Shape[layer.WeightAxis]) : 0;
                if (options.KeepFloat.TryGetValue(layer.Name, out var why))
                {
                    kept.Add(new KeptLayer(layer.Name, layer.Node.OpType, why));
                    continue;
                }
                if (macs < options.MinMacs)
                {
                    kept.Add(new KeptLayer(layer.Name, layer.Node.OpType, $"{macs} multiply-adds: too small for int8 to pay for its quantize/dequantize"));
                    continue;
                }
                var scales = QuantParameters.WeightScales(w, layer.WeightAxis, options.PerChannelWeights, options.WeightBits);
                var (values, error) = QuantParameters.QuantizeWeights(w, layer.WeightAxis, scales, options.WeightBits);
                if (error > options.MaxWeightError)
                {
                    kept.Add(new KeptLayer(layer.Name, layer.Node.OpType, $"int{options.WeightBits} weight error {error:P1} exceeds {options.MaxWeightError:P1}"));
                    continue;
                }
                if (!stats.TryGetValue(layer.Input, out var inStats) || !stats.TryGetValue(layer.Output, out var outStats))
                {
                    kept.Add(new KeptLayer(layer.Name, layer.Node.OpType, "not calibrated (not selected when the model was calibrated)"));
                    continue;
                }
                var (inLo, inHi) = inStats.Range(options.Method);
                var (outLo, outHi) = outStats.Range(options.Method);
                var (xs, xz) = QuantParameters.Activation(inLo, inHi, options.SignedActivations, options.ActivationBits);
                var (ys2, yz) = QuantParameters.Activation(outLo, outHi, options.SignedActivations, options.ActivationBits);
                writer.QuantizeActivation(layer.Input, xs, xz);
                writer.QuantizeActivation(layer.Output, ys2, yz);
                writer.QuantizeWeights(layer, values, scales, writer.ActivationParameters(layer.Input).Scale);
                infos.Add(new QuantizedLayerInfo(layer.Name, layer.Node.OpType, macs, error, xs, ys2));
            }
            if (!standardAxis) UseContribNodes(model, allOfThem: model.OpsetFor("") < 10);
            GraphQueries.DropUnusedInitializers(model.Graph);
            GraphValidator.ValidateAndSort(model.Graph);
            model.ProducerName = "bramble-quantize";
            // The result outlives the calibrated model: it takes private copies of the tensors it still shares with it.
            var shared = new HashSet<Tensor>(calibrated.Model.Graph.Initializers.Values, ReferenceEqualityComparer.Instance);
            foreach (var name in model.Graph.Initializers.Keys.ToList())
                if (shared.Contains(model.Graph.Initializers[name])) model.Graph.Initializers[name] = model.Graph.Initializers[name].Clone();
            var report = new QuantizeReport(infos, kept, calibrated.FloatWeightBytes, model.Graph.WeightBytes, calibrated.Samples);
            return (model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Unnamed layers take their output's name as node name, so a layer keeps one name through the session's fusions
    /// (which rename outputs) and its folded int8 kernel: the speed check matches profiles by node name.
    /// </summary>
    private static void NameLayers(Bramble.Graph.Graph graph)
    {
        foreach (var node in graph.Nodes)
            if (node.Name.Length == 0 && node.OpType is "Conv" or "MatMul" or "Gemm") node.Name = node.DisplayName;
    }

    /// <summary>
    /// Constant nodes with a tensor value become initializers (exporters such as paddle2onnx store every
    /// weight that way), so weights are recognised as constants and can be replaced by int8 ones.
    /// </summary>
    private static void ConstantsToInitializers(Bramble.Graph.Graph graph)
    {
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Constant" && n.Domain.Length == 0).ToList())
        {
            if (node.Attributes.Count != 1 || node.GetTensor("value") is not { } value || graph.Initializers.ContainsKey(node.Outputs[0])) continue;
            if (graph.Outputs.Any(o => o.Name == node.Outputs[0])) continue;
            // The model keeps owning the attribute's tensor; the initializer is a private copy.
            graph.Initializers[node.Outputs[0]] = value.Clone();
            graph.Nodes.Remove(node);
        }
    }

    /// <summary>
    /// Moves Q/DQ nodes with an axis (per-channel; standard from opset 13), or all of them (standard from
    /// opset 10), to the com.microsoft domain, which has them with axis at every opset.
    /// </summary>
    private static void UseContribNodes(Model model, bool allOfThem)
    {
        bool any = false;
        foreach (var node in model.Graph.Nodes)
            if (node.Domain.Length == 0 && node.OpType is "QuantizeLinear" or "DequantizeLinear" && (allOfThem || node.HasAttribute("axis")))
            {
                node.Domain = OpRegistry.MicrosoftDomain;
                any = true;
            }
        if (any) model.Opsets[OpRegistry.MicrosoftDomain] = 1;
    }

    /// <summary>Cosine similarity of two float tensors' values (1 = same direction).</summary>
    public static double Cosine(Tensor a, Tensor b)
    {
        if (a.Length != b.Length) throw new ShapeException($"cannot compare {ShapeUtil.Format(a.Shape)} with {ShapeUtil.Format(b.Shape)}");
        double dot = 0, na = 0, nb = 0;
        for (long i = 0; i < a.Length; i++)
        {
            double x = a.GetDouble(i), y = b.GetDouble(i);
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Per output, the mean cosine similarity of the two models' outputs over samples.</summary>
    public static Dictionary<string, double> CompareOutputs(Model reference, Model candidate, CalibrationSource data, int samples, SessionOptions? options = null)
    {
        using var comparer = new OutputComparer(reference, data, samples, options);
        return comparer.Compare(candidate);
    }
}
