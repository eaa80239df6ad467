using Bramble.Compression.LinearAlgebra;
using Bramble.Graph;
using Bramble.Passes;
using Bramble.Runtime;

namespace Bramble.Compression.Decomposition;

/// <summary>
/// Runs a decomposition over a model: finds the layers the method applies to, chooses ranks, fits each
/// layer and replaces it by plain Conv/Gemm nodes. The input model is not modified; the result is a
/// structural copy (BatchNormalization folded into the convs first, so the factorised weights are the
/// layer's real linear map) with new initializers for the replaced layers.
/// </summary>
public static class Decomposer
{
    /// <summary>Asymmetric PCA needs at least this many response samples per output channel; below it the layer is fitted symmetrically.</summary>
    public const int AsymmetricSamplesPerChannel = 4;

    public static DecompositionResult Run(Model model, DecompositionOptions options, CalibrationSet? calibration)
    {
        if (options.Method == DecompositionMethod.Pca && calibration == null)
            throw new BrambleException("pca decomposition needs calibration inputs (--calib, --dataset or --random-calib)");
        var working = model.CloneStructure();
        try
        {
            GraphValidator.ValidateAndSort(working.Graph);
            ConstantsToInitializers(working.Graph);
            PassPipeline.Run(working, [new RemoveIdentities(), new FoldBatchNormalization()]);
            var shapes = ValueShapes(working, options.Session);
            var layers = LayerInfo.Find(working, shapes)
                .Where(l => LayerCosts.Applies(options.Method, l) && (options.Layers == null || options.Layers.Contains(l.Name)))
                .ToList();
            var reports = layers.Select(l => new LayerReport
            {
                Name = l.Name, Geometry = l.Geometry, Output = l.Output, MacsBefore = l.Macs, MacsAfter = l.Macs,
                MaxRank = LayerCosts.MaxRank(options.Method, l, options.Flatten),
            }).ToList();

            // Spectra: PCA of the exact network's responses, or the weights' singular values.
            Dictionary<string, DenseMatrix>? responses = null;
            var spectra = new double[]?[layers.Count];
            var svds = new SvdResult?[layers.Count];
            if (options.Method == DecompositionMethod.Pca)
            {
                responses = ResponseCollector.Collect(working, layers.Select(l => l.Output).ToList(), calibration!, options.SamplesPerInput, options.Session);
                for (int i = 0; i < layers.Count; i++) spectra[i] = ResponseFit.Spectrum(responses[layers[i].Output]).Values;
            }
            else if (options.Method is DecompositionMethod.Spatial or DecompositionMethod.Svd)
            {
                for (int i = 0; i < layers.Count; i++)
                {
                    svds[i] = options.Method == DecompositionMethod.Spatial ? SpatialSvd.Analyze(layers[i]) : FcSvd.Analyze(layers[i]);
                    spectra[i] = svds[i]!.Energies;
                }
            }

            var plan = RankPlanner.Plan(layers, spectra, options);
            for (int i = 0; i < layers.Count; i++)
            {
                var l = layers[i];
                var report = reports[i];
                var candidate = plan.Candidates[i];
                int rank = plan.Ranks[i];
                report.CostBefore = candidate.OriginalCost;
                report.CostAfter = candidate.OriginalCost;
                if (rank <= 0)
                {
                    report.Note = plan.Notes[i];
                    continue;
                }
                var nodes = Fit(working, l, rank, options, report, svds[i], responses, calibration);
                GraphEdit.Replace(working.Graph, l.Node, nodes);
                report.Rank = rank;
                report.CostAfter = candidate.CostAt(rank);
                report.MacsAfter = LayerCosts.MacsAt(options.Method, l, rank, options.Flatten);
                if (spectra[i] != null && options.Method != DecompositionMethod.Flatten) report.EnergyKept = candidate.EnergyAt(rank);
                report.Replacement.AddRange(nodes.Select(n => n.Name));
            }
            GraphQueries.DropUnusedInitializers(working.Graph);
            GraphValidator.ValidateAndSort(working.Graph);
            return new DecompositionResult(working, reports, plan.CostUnit) { Warning = plan.Warning };
        }
        catch
        {
            working.Dispose();
            throw;
        }
    }

    private static List<Node> Fit(Model working, LayerInfo l, int rank, DecompositionOptions options, LayerReport report,
        SvdResult? svd, Dictionary<string, DenseMatrix>? responses, CalibrationSet? calibration)
    {
        var graph = working.Graph;
        switch (options.Method)
        {
            case DecompositionMethod.Spatial:
                return SpatialSvd.Build(graph, l, svd!, rank);
            case DecompositionMethod.Svd:
                return FcSvd.Build(graph, l, svd!, rank);
            case DecompositionMethod.Flatten:
            {
                var factors = Flattening.Fit(l, rank, options.Flatten, options.CpIterations);
                report.EnergyKept = 1 - factors.RelativeErrorSquared;
                return Flattening.Build(graph, l, factors);
            }
            default:
            {
                var y = responses![l.Output];
                // The regression inverts the d×d input covariance: with fewer samples than AsymmetricSamplesPerChannel·d
                // (e.g. squeeze-excitation convs, one position per image) it fits noise and the error explodes downstream.
                bool asymmetric = options.Asymmetric && y.Cols >= AsymmetricSamplesPerChannel * l.Outputs;
                // Asymmetric: the same positions, computed by the network whose earlier layers are already approximated.
                var x = asymmetric
                    ? ResponseCollector.Collect(working, [l.Output], calibration!, options.SamplesPerInput, options.Session)[l.Output]
                    : y;
                bool nonlinear = options.Nonlinear && l.FollowingRelu != null;
                ResponseMap map;
                if (nonlinear) map = ResponseFit.Nonlinear(y, x, rank, options.NonlinearIterations, symmetric: !asymmetric);
                else if (asymmetric) map = ResponseFit.Regress(y, x, rank);
                else map = ResponseFit.Pca(y, rank);
                report.Note = (asymmetric ? "asymmetric " : options.Asymmetric ? $"symmetric ({y.Cols} samples for {l.Outputs} channels) " : "")
                    + (nonlinear ? "nonlinear" : "linear");
                return PcaLayer.Build(graph, l, map);
            }
        }
    }

    /// <summary>
    /// Exporters such as paddle2onnx store weights as Constant nodes; layers are found by their constant
    /// initializers, so those become initializers (copies: the input model keeps its own tensors).
    /// </summary>
    private static void ConstantsToInitializers(Bramble.Graph.Graph graph)
    {
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Constant" && n.Domain.Length == 0 && n.Outputs.Count == 1).ToList())
        {
            if (node.GetTensor("value") is not { } value || graph.Initializers.ContainsKey(node.Outputs[0])) continue;
            graph.Initializers[node.Outputs[0]] = value.Clone();
            graph.Nodes.Remove(node);
        }
    }

    /// <summary>Every value's shape under the session's input bindings (planning the model once).</summary>
    internal static Dictionary<string, int[]> ValueShapes(Model model, SessionOptions options)
    {
        using var session = new InferenceSession(model, options);
        var inputs = session.InputMetadata.Select(i => options.InputShapes.TryGetValue(i.Name, out var s) ? s : i.StaticShape
            ?? throw new ShapeException($"input '{i.Name}' has shape {i.ShapeText} with symbolic dimensions: bind it (--shape)")).ToArray();
        var plan = session.PlanFor(inputs) ?? throw new BrambleException("decomposition needs a model whose shapes can be planned statically");
        var shapes = new Dictionary<string, int[]>();
        foreach (var v in plan.Values) shapes[v.Name] = v.Shape;
        return shapes;
    }
}
