using System.Numerics;
using Bramble.Graph;
using Bramble.Ops.Elementwise;
using Bramble.Tensors;

namespace Bramble.Ops.Reduce;

/// <summary>
/// Base of the ONNX Reduce* ops. Axes come from the <c>axes</c> attribute before the opset where they became
/// optional input 1 (13 for ReduceSum, 18 for the others). No axes means all axes, unless
/// noop_with_empty_axes=1, in which case the op is the identity. keepdims (default 1) keeps reduced
/// dimensions as extent 1.
/// </summary>
public abstract class ReduceOperator<TFn>(Node node, long opset, long axesInputSince) : Operator(node)
    where TFn : struct, IReduceFn
{
    private const int StackRank = 12;

    private bool AxesAreInput => opset >= axesInputSince;
    private bool KeepDims => Node.GetInt("keepdims", 1) != 0;
    private bool NoopWithEmptyAxes => Node.GetInt("noop_with_empty_axes", 0) != 0;

    public override void InferOutputs(InferContext ctx)
    {
        var type = TypeDispatch.Require(ctx, 0, TypeDispatch.IsNumeric);
        var shape = ctx.InputShape(0);
        Tensor? axes = null;
        if (AxesAreInput && ctx.HasInput(1))
        {
            axes = ctx.RequireValue(1);
            if (!TypeDispatch.IsInteger(axes.Type) || axes.Rank > 1) throw ctx.Error("axes must be a 1-D integer tensor");
        }
        Span<bool> mask = shape.Length <= StackRank ? stackalloc bool[StackRank] : new bool[shape.Length];
        if (FillMask(axes, shape.Length, mask) is { } error) throw ctx.Error(error);
        var outShape = new List<int>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (!mask[d]) outShape.Add(shape[d]);
            else if (KeepDims) outShape.Add(1);
        }
        ctx.SetOutput(0, type, outShape.ToArray());
    }

    /// <summary>Marks the reduced dimensions; returns an error message for invalid axes, else null.</summary>
    private string? FillMask(Tensor? axesInput, int rank, Span<bool> mask)
    {
        mask = mask[..rank];
        mask.Clear();
        long[]? attr = AxesAreInput ? null : Node.GetInts("axes");
        long count = AxesAreInput ? axesInput?.Length ?? 0 : attr?.Length ?? 0;
        if (count == 0)
        {
            if (!NoopWithEmptyAxes) mask.Fill(true);
            return null;
        }
        for (long i = 0; i < count; i++)
        {
            long axis = attr != null ? attr[i] : axesInput!.GetInt64(i);
            long a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) return $"axis {axis} is out of range for rank {rank}";
            if (mask[(int)a]) return $"axis {axis} is listed twice";
            mask[(int)a] = true;
        }
        return null;
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Rank;
        Span<bool> mask = rank <= StackRank ? stackalloc bool[StackRank] : new bool[rank];
        if (FillMask(AxesAreInput ? ctx.OptionalInput(1) : null, rank, mask) is { } error)
            throw new ShapeException($"{Node.Describe()}: {error}");
        var kernel = new Kernel { X = x, Y = ctx.Output(0), Mask = mask[..rank] };
        TypeDispatch.Numeric(x.Type, ref kernel, Node);
    }

    private ref struct Kernel : INumericKernel
    {
        public Tensor X, Y;
        public Span<bool> Mask;

        public readonly void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            if (!TypeDispatch.IsFloat(X.Type) && default(TFn).IntegerAccumulator) Reduce<T, T>(X, Y, Mask);
            else Reduce<T, double>(X, Y, Mask);
        }
    }

    private static unsafe void Reduce<T, A>(Tensor x, Tensor y, ReadOnlySpan<bool> mask)
        where T : unmanaged, INumber<T> where A : INumber<A>, IMinMaxValue<A>
    {
        int rank = x.Rank;
        // Split the input's dimensions (with their strides) into kept ones, which index outputs in
        // row-major order, and reduced ones, which index the set folded into each output.
        Span<int> keptDims = rank <= StackRank ? stackalloc int[StackRank] : new int[rank];
        Span<int> redDims = rank <= StackRank ? stackalloc int[StackRank] : new int[rank];
        Span<long> keptStrides = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<long> redStrides = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        int kept = 0, red = 0;
        long stride = 1, outCount = 1, redCount = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int k = x.Shape[d];
            if (mask[d]) { redDims[red] = k; redStrides[red++] = stride; redCount *= k; }
            else { keptDims[kept] = k; keptStrides[kept++] = stride; outCount *= k; }
            stride *= k;
        }
        // (Filled innermost first, so index 0 is the fastest-varying dimension.)
        keptDims = keptDims[..kept]; keptStrides = keptStrides[..kept];
        redDims = redDims[..red]; redStrides = redStrides[..red];

        var fn = default(TFn);
        T* px = (T*)x.Data;
        T* py = (T*)y.Data;
        for (long o = 0; o < outCount; o++)
        {
            long start = Offset(o, keptDims, keptStrides);
            A max = Acc.Lowest<A>();
            if (fn.NeedsMax)
                for (long r = 0; r < redCount; r++)
                    max = A.Max(max, A.CreateTruncating(px[start + Offset(r, redDims, redStrides)]));
            A acc = fn.Init<A>();
            for (long r = 0; r < redCount; r++)
                acc = fn.Step(acc, A.CreateTruncating(px[start + Offset(r, redDims, redStrides)]), max);
            py[o] = T.CreateTruncating(fn.Finish(acc, redCount, max));
        }
    }

    /// <summary>Element offset of the <paramref name="flat"/>-th index over dims (index 0 fastest).</summary>
    private static long Offset(long flat, ReadOnlySpan<int> dims, ReadOnlySpan<long> strides)
    {
        long offset = 0;
        for (int d = 0; d < dims.Length; d++)
        {
            offset += flat % dims[d] * strides[d];
            flat /= dims[d];
        }
        return offset;
    }
}

public sealed class ReduceSum(Node node, long opset) : ReduceOperator<ReduceSumFn>(node, opset, 13);
public sealed class ReduceMean(Node node, long opset) : ReduceOperator<ReduceMeanFn>(node, opset, 18);
public sealed class ReduceMax(Node node, long opset) : ReduceOperator<ReduceMaxFn>(node, opset, 18);
public sealed class ReduceMin(Node node, long opset) : ReduceOperator<ReduceMinFn>(node, opset, 18);
public sealed class ReduceProd(Node node, long opset) : ReduceOperator<ReduceProdFn>(node, opset, 18);
public sealed class ReduceL1(Node node, long opset) : ReduceOperator<ReduceL1Fn>(node, opset, 18);
public sealed class ReduceL2(Node node, long opset) : ReduceOperator<ReduceL2Fn>(node, opset, 18);
public sealed class ReduceSumSquare(Node node, long opset) : ReduceOperator<ReduceSumSquareFn>(node, opset, 18);
public sealed class ReduceLogSum(Node node, long opset) : ReduceOperator<ReduceLogSumFn>(node, opset, 18);
public sealed class ReduceLogSumExp(Node node, long opset) : ReduceOperator<ReduceLogSumExpFn>(node, opset, 18);
