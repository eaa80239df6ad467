using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Binary;

/// <summary>Builds small binary networks in their float-equivalent ONNX form (Sign on activations and latent weights).</summary>
internal sealed class BinaryModels
{
    private readonly Random _rng;
    private readonly Bramble.Graph.Graph _g = new();
    private int _id;

    public BinaryModels(int seed, string input, int[] shape)
    {
        _rng = new Random(seed);
        _g.Inputs.Add(new ValueInfo(input, DataType.Float32, shape.Select(d => Dim.Fixed(d)).ToArray()));
    }

    public string Const(float[] values, params int[] shape)
    {
        string name = $"c{_id++}";
        _g.Initializers[name] = Tensor.FromArray(values, shape);
        return name;
    }

    public float[] Random(int n, float lo, float hi, bool nonZero = false)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            do a[i] = lo + (float)_rng.NextDouble() * (hi - lo);
            while (nonZero && a[i] == 0f);
        }
        return a;
    }

    public string Op(string op, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = $"v{_id++}";
        var node = new Node(op, inputs, [output], $"n{_id}");
        foreach (var (name, value) in attributes)
            node.Attributes[name] = value switch
            {
                long l => Bramble.Graph.Attribute.Of(name, l),
                float f => Bramble.Graph.Attribute.Of(name, f),
                long[] ls => Bramble.Graph.Attribute.Of(name, ls),
                string s => Bramble.Graph.Attribute.Of(name, s),
                _ => throw new ArgumentException(name),
            };
        _g.Nodes.Add(node);
        return output;
    }

    /// <summary>Sign(Sub(x, T)) with per-channel thresholds on axis 1.</summary>
    public string SignActivation(string x, int channels, int rank)
    {
        var shape = rank == 4 ? new[] { 1, channels, 1, 1 } : new[] { 1, channels };
        return Op("Sign", [Op("Sub", [x, Const(Random(channels, -0.3f, 0.3f), shape)])]);
    }

    /// <summary>BatchNormalization with random statistics (some γ negative) of <paramref name="channels"/> channels.</summary>
    public string BatchNorm(string x, int channels, bool negativeGammas)
    {
        var gamma = Random(channels, negativeGammas ? -1.5f : 0.5f, 1.5f, nonZero: true);
        return Op("BatchNormalization", [x, Const(gamma, channels), Const(Random(channels, -0.5f, 0.5f), channels),
            Const(Random(channels, -0.2f, 0.2f), channels), Const(Random(channels, 0.5f, 2f), channels)], ("epsilon", 1e-5f));
    }

    /// <summary>Conv(xb, Sign(W_latent)) · α (XNOR-Net: α = mean |W| per filter) + bias.</summary>
    public string BinaryConv(string xb, int c, int m, int k, int pad, int stride = 1)
    {
        var latent = Random(m * c * k * k, -1f, 1f, nonZero: true);
        var alpha = new float[m];
        for (int o = 0; o < m; o++)
        {
            double s = 0;
            for (int i = 0; i < c * k * k; i++) s += Math.Abs(latent[o * c * k * k + i]);
            alpha[o] = (float)(s / (c * k * k));
        }
        string w = Op("Sign", [Const(latent, m, c, k, k)]);
        string y = Op("Conv", [xb, w], ("pads", new long[] { pad, pad, pad, pad }), ("strides", new long[] { stride, stride }));
        y = Op("Mul", [y, Const(alpha, 1, m, 1, 1)]);
        return Op("Add", [y, Const(Random(m, -1f, 1f), 1, m, 1, 1)]);
    }

    public Model Build(string output, int[] outputShape)
    {
        _g.Outputs.Add(new ValueInfo(output, DataType.Float32, outputShape.Select(d => Dim.Fixed(d)).ToArray()));
        var model = new Model(_g);
        GraphValidator.ValidateAndSort(_g);
        return model;
    }
}
