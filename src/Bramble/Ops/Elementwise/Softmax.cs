using System.Numerics;
using System.Runtime.InteropServices;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>
/// Softmax, LogSoftmax and Hardmax. Opset &lt; 13: the input is coerced to 2-D [d0·…·d(axis-1), d(axis)·…·dn]
/// (default axis 1) and each row is normalised as a whole. Opset ≥ 13: normalisation runs along the single
/// dimension <c>axis</c> (default -1). Either way the data is [outer, length, inner] and we normalise
/// each length-long line with stride inner; computed in double.
/// </summary>
public abstract class SoftmaxFamily(Node node, long opset) : Operator(node)
{
    private bool SingleAxis => opset >= 13;

    public override void InferOutputs(InferContext ctx)
    {
        var type = TypeDispatch.Require(ctx, 0, TypeDispatch.IsFloat);
        var shape = ctx.InputShape(0);
        long axis = Node.GetInt("axis", SingleAxis ? -1 : 1);
        long a = axis < 0 ? axis + shape.Length : axis;
        // Opset < 13 allows axis == rank (an empty second factor); a rank-0 input has nothing to normalise over.
        if (a < 0 || a >= shape.Length && !(!SingleAxis && a == shape.Length))
            throw ctx.Error($"axis {axis} is out of range for rank {shape.Length}");
        ctx.SetOutput(0, type, shape);
    }

    /// <summary>Writes the result for one line of values.</summary>
    protected abstract void Normalize(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>[outer, length, inner] view of <paramref name="shape"/> for this node's axis and opset.</summary>
    protected (long Outer, long Length, long Inner) Lines(int[] shape)
    {
        long axis = Node.GetInt("axis", SingleAxis ? -1 : 1);
        int a = (int)(axis < 0 ? axis + shape.Length : axis);
        long outer = 1, length = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shape[d];
        if (SingleAxis)
        {
            length = shape[a];
            for (int d = a + 1; d < shape.Length; d++) inner *= shape[d];
        }
        else
        {
            for (int d = a; d < shape.Length; d++) length *= shape[d];
        }
        return (outer, length, inner);
    }

    // Two lines of doubles (input and result) so Execute allocates nothing.
    public override void Prepare(PrepareContext ctx) =>
        ctx.RequestWorkspace(2 * sizeof(double) * Lines(ctx.Shapes.InputShape(0)).Length);

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var (outer, length, inner) = Lines(x.Shape);
        if (outer * length * inner == 0) return;
        var scratch = ctx.Workspace.Length >= 2 * sizeof(double) * length
            ? MemoryMarshal.Cast<byte, double>(ctx.Workspace)
            : new double[2 * length]; // not prepared for this shape (direct callers): correctness first
        var kernel = new Kernel { X = x, Y = ctx.Output(0), Outer = outer, Length = length, Inner = inner, Op = this };
        switch (x.Type)
        {
            case DataType.Float32: kernel.Run<float>(scratch); break;
            case DataType.Float64: kernel.Run<double>(scratch); break;
            case DataType.Float16: kernel.Run<Half>(scratch); break;
            default: throw TypeDispatch.Unsupported(Node, x.Type);
        }
    }

    private struct Kernel
    {
        public Tensor X, Y;
        public long Outer, Length, Inner;
        public SoftmaxFamily Op;

        public readonly unsafe void Run<T>(Span<double> scratch) where T : unmanaged, INumber<T>
        {
            T* px = (T*)X.Data, py = (T*)Y.Data;
            var line = scratch[..(int)Length];
            var result = scratch.Slice((int)Length, (int)Length);
            for (long o = 0; o < Outer; o++)
            for (long i = 0; i < Inner; i++)
            {
                long start = o * Length * Inner + i;
                for (int k = 0; k < Length; k++) line[k] = double.CreateTruncating(px[start + k * Inner]);
                Op.Normalize(line, result);
                for (int k = 0; k < Length; k++) py[start + k * Inner] = T.CreateTruncating(result[k]);
            }
        }
    }

    protected static double MaxOf(ReadOnlySpan<double> x)
    {
        double m = double.NegativeInfinity;
        foreach (double v in x) m = Math.Max(m, v);
        return m;
    }
}

/// <summary>ONNX Softmax: exp(x - max) / Σ exp(x - max).</summary>
public sealed class Softmax(Node node, long opset) : SoftmaxFamily(node, opset)
{
    private bool _fast;

    /// <summary>Float32 lines that lie contiguous (normalising the last axis) take the SIMD kernel unless reference kernels are asked for.</summary>
    public override void Prepare(PrepareContext ctx)
    {
        base.Prepare(ctx);
        _fast = !ctx.Options.ReferenceKernels && ctx.Shapes.InputType(0) == DataType.Float32 && Lines(ctx.Shapes.InputShape(0)).Inner == 1;
    }

    public override string KernelName => _fast ? "softmax simd" : "reference";

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var (outer, length, inner) = Lines(x.Shape);
        if (_fast && inner == 1 && x.Type == DataType.Float32 && length is > 0 and <= int.MaxValue)
        {
            Kernels.Elementwise.SoftmaxKernel.Run((float*)x.Data, (float*)ctx.Output(0).Data, outer, (int)length, ctx.Pool, ctx.Options.MaxIsa);
            return;
        }
        base.Execute(ctx);
    }

    protected override void Normalize(ReadOnlySpan<double> x, Span<double> y)
    {
        double m = MaxOf(x), sum = 0;
        for (int k = 0; k < x.Length; k++) sum += y[k] = Math.Exp(x[k] - m);
        for (int k = 0; k < x.Length; k++) y[k] /= sum;
    }
}

/// <summary>ONNX LogSoftmax: x - max - log Σ exp(x - max).</summary>
public sealed class LogSoftmax(Node node, long opset) : SoftmaxFamily(node, opset)
{
    protected override void Normalize(ReadOnlySpan<double> x, Span<double> y)
    {
        double m = MaxOf(x), sum = 0;
        for (int k = 0; k < x.Length; k++) sum += Math.Exp(x[k] - m);
        double log = Math.Log(sum);
        for (int k = 0; k < x.Length; k++) y[k] = x[k] - m - log;
    }
}

/// <summary>ONNX Hardmax: 1 at the first maximum of each line, 0 elsewhere.</summary>
public sealed class Hardmax(Node node, long opset) : SoftmaxFamily(node, opset)
{
    protected override void Normalize(ReadOnlySpan<double> x, Span<double> y)
    {
        int best = 0;
        for (int k = 1; k < x.Length; k++)
            if (x[k] > x[best]) best = k;
        y.Clear();
        y[best] = 1;
    }
}
