using Bramble.Graph;
using Bramble.Tensors;
using Bramble.Training.Autodiff;

namespace Bramble.Tests.Training;

/// <summary>
/// Finite-difference gradient checks: loss = Σ output·R for a fixed random R, so d(loss)/d(output) = R.
/// Analytic gradients of the input and every parameter are compared with central differences
/// computed in double precision; the error is ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖).
/// </summary>
internal static class GradientCheck
{
    public const double Tolerance = 1e-2;

    /// <summary>A graph with input "x" of <paramref name="shape"/>, output "y", and the given nodes and float initializers.</summary>
    public static Bramble.Graph.Graph Build(int[] shape, IEnumerable<Node> nodes, params (string Name, int[] Shape, float[]? Values)[] initializers)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, shape));
        var random = new Random(42);
        foreach (var (name, s, values) in initializers)
        {
            var data = values ?? Enumerable.Range(0, (int)ShapeUtil.ElementCount(s)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            g.Initializers[name] = Tensor.FromArray(data, s);
        }
        g.Nodes.AddRange(nodes);
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        return g;
    }

    public static Node Node(string op, string[] inputs, string output = "y", params Bramble.Graph.Attribute[] attributes)
    {
        var n = new Node(op, inputs, [output], op.ToLowerInvariant());
        foreach (var a in attributes) n.With(a);
        return n;
    }

    /// <summary>Returns the worst relative error over the input and all parameters.</summary>
    public static double MaxError(Bramble.Graph.Graph graph, bool training = true, double eps = 1e-3, int seed = 3)
    {
        var tg = new TrainingGraph(graph) { InputRequiresGradient = true };
        tg.RefreshGradientFlow();
        using var ctx = new TrainContext(threads: 2, seed: 5) { Training = training };
        var random = new Random(seed);
        int[] shape = graph.Inputs[0].StaticShape!;
        var x = new float[ShapeUtil.ElementCount(shape)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        int batch = shape[0];

        double Loss(float[] r)
        {
            ctx.Random = new Random(11); // the same dropout mask on every evaluation
            var y = tg.Forward(x, batch, ctx);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y.Data[i] * r[i];
            return s;
        }

        ctx.Random = new Random(11);
        var y0 = tg.Forward(x, batch, ctx);
        var r = new float[y0.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(random.NextDouble() * 2 - 1);
        tg.Backward(r, ctx);

        var targets = new List<(string Name, float[] Data, float[] Grad)> { ("x", x, (float[])tg.Input.Grad.Clone()) };
        foreach (var p in tg.Parameters) targets.Add((p.Name, p.Latent, (float[])p.Gradient.Clone()));
        double worst = 0;
        foreach (var (name, data, grad) in targets)
        {
            double diff = 0, na = 0, nn = 0;
            for (int i = 0; i < data.Length; i++)
            {
                float keep = data[i];
                data[i] = keep + (float)eps;
                double plus = Loss(r);
                data[i] = keep - (float)eps;
                double minus = Loss(r);
                data[i] = keep;
                double numeric = (plus - minus) / (2 * eps);
                diff += (numeric - grad[i]) * (numeric - grad[i]);
                na += (double)grad[i] * grad[i];
                nn += numeric * numeric;
            }
            double scale = Math.Max(Math.Sqrt(Math.Max(na, nn)), 1e-6);
            double error = Math.Sqrt(diff) / scale;
            if (error > worst) worst = error;
            if (error > Tolerance) throw new Xunit.Sdk.XunitException($"gradient of '{name}': relative error {error:E2} (‖analytic‖ {Math.Sqrt(na):G4}, ‖numeric‖ {Math.Sqrt(nn):G4})");
        }
        return worst;
    }
}
