using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Compression.Binarization;

/// <summary>
/// Writes trained binary layers in Bramble's documented storage form (Passes/Binary/README.md), which any
/// ONNX runtime executes as the float-equivalent ±1 network and Bramble packs to bits at load:
/// layer(x, Sign(W_latent)) → Mul(α) → Add(bias), with α = mean |W_latent| per output channel (XNOR-Net).
/// </summary>
public static class BinaryStorageForm
{
    // Sign(0) = 0 has no bit; XNOR training maps a latent 0 to +1, so it is stored as the smallest
    // normal positive float (not a subnormal: flush-to-zero code would read that as 0 again).
    private const float PositiveZero = 1.17549435e-38f;

    /// <summary>
    /// Rewrites <paramref name="model"/> (an export of the trained graph) in place. <paramref name="latent"/>
    /// gives each binarised layer's latent weights by initializer name.
    /// </summary>
    public static void Apply(Model model, IEnumerable<BinaryLayerDecision> layers, Func<string, float[]> latent)
    {
        var graph = model.Graph;
        var before = graph.Initializers.Values.ToList();
        foreach (var decision in layers.Where(d => d.Binarised))
        {
            var layer = graph.Nodes.First(n => n.Outputs[0] == decision.Layer.Outputs[0]);
            float[] w = (float[])latent(decision.Weight).Clone();
            for (int i = 0; i < w.Length; i++) if (w[i] == 0f) w[i] = PositiveZero;
            float[] alpha = PerRowMeanAbs(w, decision.Outputs);

            graph.Initializers[decision.Weight] = Tensor.FromArray(w, decision.WeightShape);
            string signed = graph.UniqueName(decision.Weight + "_sign");
            graph.Nodes.Add(new Node("Sign", [decision.Weight], [signed], signed));
            layer.Inputs[1] = signed;

            // Per-channel constants broadcast along axis 1: [1, M, 1, 1] after a conv, [M] after a Gemm.
            int[] channelShape = layer.OpType == "Conv" ? [1, decision.Outputs, 1, 1] : [decision.Outputs];
            string output = layer.Outputs[0];
            string raw = graph.UniqueName(layer.DisplayName + "_xnor");
            layer.Outputs[0] = raw;
            string bias = layer.InputOrEmpty(2);
            if (bias.Length > 0) layer.Inputs.RemoveAt(2);
            string scaled = bias.Length > 0 ? graph.UniqueName(layer.DisplayName + "_scaled") : output;
            string alphaName = graph.UniqueName(layer.DisplayName + "_alpha");
            graph.Initializers[alphaName] = Tensor.FromArray(alpha, channelShape);
            graph.Nodes.Add(new Node("Mul", [raw, alphaName], [scaled], alphaName + "_mul"));
            if (bias.Length > 0)
            {
                var b = graph.Initializers[bias];
                string biasName = graph.UniqueName(layer.DisplayName + "_bias");
                float[] values = b.ToArray<float>();
                // Gemm's C may be one value broadcast over the outputs.
                if (values.Length == 1) values = Enumerable.Repeat(values[0], decision.Outputs).ToArray();
                if (values.Length != decision.Outputs)
                    throw new ShapeException($"{layer.Describe()}: bias '{bias}' has {values.Length} values for {decision.Outputs} outputs");
                graph.Initializers[biasName] = Tensor.FromArray(values, channelShape);
                graph.Nodes.Add(new Node("Add", [scaled, biasName], [output], biasName + "_add"));
            }
        }
        Passes.GraphQueries.DropUnusedInitializers(graph);
        model.ReleaseDropped(before);
        GraphValidator.ValidateAndSort(graph);
    }

    /// <summary>mean |w| over each of <paramref name="rows"/> equal slices (one per output channel).</summary>
    public static float[] PerRowMeanAbs(ReadOnlySpan<float> w, int rows)
    {
        int per = w.Length / rows;
        var alpha = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            foreach (float v in w.Slice(r * per, per)) sum += MathF.Abs(v);
            alpha[r] = (float)(sum / per);
        }
        return alpha;
    }
}
