using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Quantization;

/// <summary>
/// Rewrites a float graph into standard ONNX QDQ form: activations pass through QuantizeLinear →
/// DequantizeLinear, weights become int8 initializers read through DequantizeLinear (per-channel axis),
/// biases become int32 with scale x_scale·w_scale. Every other op stays float, so any ONNX runtime runs
/// the result; integer runtimes fold DQ → op → Q into int8 kernels. Activations narrower than 8 bits (the
/// --study grid) get a Clip to the range of their 2^bits codes before the Q, so the 8-bit storage holds
/// exactly a bits-wide quantization (a simulation for accuracy studies, not a deployment format).
/// </summary>
internal sealed class QdqWriter(Model model, bool signedActivations, int activationBits = 8)
{
    private readonly Bramble.Graph.Graph _graph = model.Graph;
    private readonly Dictionary<string, (float Scale, int ZeroPoint)> _activation = new();

    /// <summary>Inserts Q → DQ on <paramref name="tensor"/>; every reader (and a graph output of that name) then sees the dequantized value.</summary>
    public void QuantizeActivation(string tensor, float scale, int zeroPoint)
    {
        if (_activation.ContainsKey(tensor)) return;
        _activation[tensor] = (scale, zeroPoint);
        string s = _graph.UniqueName(tensor + "_scale"), z = _graph.UniqueName(tensor + "_zero_point");
        _graph.Initializers[s] = Tensor.Scalar(scale);
        _graph.Initializers[z] = signedActivations ? Tensor.Scalar((sbyte)zeroPoint) : Tensor.Scalar((byte)zeroPoint);
        string q = _graph.UniqueName(tensor + "_quantized");
        var producer = _graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(tensor));
        if (producer != null)
        {
            // Rename the producer's output so readers and graph outputs keep the original name, now dequantized.
            string raw = _graph.UniqueName(tensor + "_float");
            producer.Outputs[producer.Outputs.IndexOf(tensor)] = raw;
            _graph.Nodes.Add(new Node("QuantizeLinear", [ClipToCodes(raw, scale, zeroPoint), s, z], [q], q));
            _graph.Nodes.Add(new Node("DequantizeLinear", [q, s, z], [tensor], tensor + "_dequantize"));
        }
        else
        {
            string dq = _graph.UniqueName(tensor + "_dequantized");
            foreach (var node in _graph.Nodes)
                for (int i = 0; i < node.Inputs.Count; i++)
                    if (node.Inputs[i] == tensor) node.Inputs[i] = dq;
            _graph.Nodes.Add(new Node("QuantizeLinear", [ClipToCodes(tensor, scale, zeroPoint), s, z], [q], q));
            _graph.Nodes.Add(new Node("DequantizeLinear", [q, s, z], [dq], dq));
        }
    }

    /// <summary>For activations under 8 bits: a Clip of <paramref name="tensor"/> to the float range of the narrower codes; else the tensor itself.</summary>
    private string ClipToCodes(string tensor, float scale, int zeroPoint)
    {
        if (activationBits >= 8) return tensor;
        int qmin = signedActivations ? -(1 << (activationBits - 1)) : 0;
        int qmax = signedActivations ? (1 << (activationBits - 1)) - 1 : (1 << activationBits) - 1;
        float min = (qmin - zeroPoint) * scale, max = (qmax - zeroPoint) * scale;
        string clipped = _graph.UniqueName(tensor + "_clipped");
        if (model.OpsetFor("") < 11)
        {
            // Before opset 11 Clip takes its bounds as attributes.
            _graph.Nodes.Add(new Node("Clip", [tensor], [clipped], clipped)
                .With(Bramble.Graph.Attribute.Of("min", min)).With(Bramble.Graph.Attribute.Of("max", max)));
            return clipped;
        }
        string lo = _graph.UniqueName(tensor + "_clip_min"), hi = _graph.UniqueName(tensor + "_clip_max");
        _graph.Initializers[lo] = Tensor.Scalar(min);
        _graph.Initializers[hi] = Tensor.Scalar(max);
        _graph.Nodes.Add(new Node("Clip", [tensor, lo, hi], [clipped], clipped));
        return clipped;
    }

    public (float Scale, int ZeroPoint) ActivationParameters(string tensor) => _activation[tensor];

    /// <summary>Replaces the layer's weight (and bias) inputs by int8 (int32) initializers behind DequantizeLinear.</summary>
    public void QuantizeWeights(QuantizedLayer layer, sbyte[] values, float[] scales, float inputScale)
    {
        var w = _graph.Initializers[layer.WeightName];
        string baseName = layer.WeightName;
        string qName = _graph.UniqueName(baseName + "_quantized"), sName = _graph.UniqueName(baseName + "_scale");
        string zName = _graph.UniqueName(baseName + "_zero_point"), dqName = _graph.UniqueName(baseName + "_dequantized");
        _graph.Initializers[qName] = Tensor.FromArray(values, w.Shape);
        _graph.Initializers[sName] = scales.Length == 1 ? Tensor.Scalar(scales[0]) : Tensor.FromArray(scales, scales.Length);
        _graph.Initializers[zName] = scales.Length == 1 ? Tensor.Scalar((sbyte)0) : Tensor.FromArray(new sbyte[scales.Length], scales.Length);
        var dq = new Node("DequantizeLinear", [qName, sName, zName], [dqName], dqName);
        if (scales.Length > 1) dq = dq.With(Bramble.Graph.Attribute.Of("axis", (long)layer.WeightAxis));
        _graph.Nodes.Add(dq);
        layer.Node.Inputs[1] = dqName;

        if (layer.BiasName is not { } biasName) return;
        var b = _graph.Initializers[biasName].AsReadOnlySpan<float>();
        var q = new int[b.Length];
        var bs = new float[b.Length];
        for (int i = 0; i < b.Length; i++)
        {
            bs[i] = inputScale * scales[scales.Length == 1 ? 0 : i];
            q[i] = (int)Math.Clamp(Math.Round(b[i] / (double)bs[i]), int.MinValue + 1, int.MaxValue);
        }
        string bq = _graph.UniqueName(biasName + "_quantized"), bsName = _graph.UniqueName(biasName + "_scale");
        string bdq = _graph.UniqueName(biasName + "_dequantized");
        _graph.Initializers[bq] = Tensor.FromArray(q, q.Length);
        _graph.Initializers[bsName] = Tensor.FromArray(bs, bs.Length);
        _graph.Nodes.Add(new Node("DequantizeLinear", [bq, bsName], [bdq], bdq).With(Bramble.Graph.Attribute.Of("axis", 0L)));
        layer.Node.Inputs[2] = bdq;
    }
}
