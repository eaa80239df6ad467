using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Slice. Opset 1–9: starts/ends/axes attributes; opset 10+: inputs starts, ends, axes?, steps?.
/// Negative starts/ends count from the end, out-of-range values clamp (so INT_MAX means "to the end"),
/// negative steps walk backwards.
/// </summary>
public sealed class Slice(Node node, long opset) : Operator(node)
{
    private readonly struct Args(IntArg starts, IntArg ends, IntArg axes, IntArg steps)
    {
        public readonly IntArg Starts = starts, Ends = ends, Axes = axes, Steps = steps;
    }

    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        if (input.Length > ElementCopy.MaxRank) throw ctx.Error($"rank {input.Length} is too large");
        Args args = opset < 10
            ? new Args(new IntArg(Node.GetInts("starts")), new IntArg(Node.GetInts("ends")), new IntArg(Node.GetInts("axes")), default)
            : new Args(ShapeArgs.FromInputOrAttribute(ctx, 1, "starts"), ShapeArgs.FromInputOrAttribute(ctx, 2, "ends"),
                       ShapeArgs.FromInputOrAttribute(ctx, 3, "axes"), ShapeArgs.FromInputOrAttribute(ctx, 4, "steps"));
        var start = new long[input.Length];
        var step = new long[input.Length];
        var output = new int[input.Length];
        Resolve(Node, input, args, start, step, output, validate: true);
        ctx.SetOutput(0, ctx.InputType(0), output);
    }

    /// <summary>Per input dim: first index, step, and output length. Dims not listed in axes are copied whole.</summary>
    private static void Resolve(Node node, int[] input, in Args args, Span<long> start, Span<long> step, Span<int> output, bool validate)
    {
        int rank = input.Length;
        for (int d = 0; d < rank; d++) { start[d] = 0; step[d] = 1; output[d] = input[d]; }
        int n = args.Starts.Length;
        if (validate)
        {
            if (!args.Starts.Present || !args.Ends.Present) throw new ShapeException($"{node.Describe()}: starts and ends are required");
            if (args.Ends.Length != n || (args.Axes.Present && args.Axes.Length != n) || (args.Steps.Present && args.Steps.Length != n))
                throw new ShapeException($"{node.Describe()}: starts, ends, axes and steps must have the same length");
        }
        Span<bool> seen = stackalloc bool[rank];
        seen.Clear();
        for (int i = 0; i < n; i++)
        {
            int axis = ShapeArgs.Axis(node, args.Axes.Present ? args.Axes[i] : i, rank);
            if (seen[axis]) throw new ShapeException($"{node.Describe()}: axis {axis} is sliced twice");
            seen[axis] = true;
            long s = args.Steps.Present ? args.Steps[i] : 1;
            if (s == 0) throw new ShapeException($"{node.Describe()}: step 0 on axis {axis}");
            long dim = input[axis];
            long b = args.Starts[i], e = args.Ends[i];
            if (b < 0) b += dim;
            if (e < 0) e += dim;
            long length;
            if (s > 0)
            {
                b = Clamp(b, 0, dim);
                e = Clamp(e, 0, dim);
                length = e > b ? (e - b + s - 1) / s : 0;
            }
            else
            {
                b = Clamp(b, 0, dim - 1);
                e = Clamp(e, -1, dim - 1);
                length = b > e ? (b - e + (-s) - 1) / -s : 0;
            }
            start[axis] = length > 0 ? b : 0;
            step[axis] = s;
            output[axis] = (int)length;
        }
    }

    private static long Clamp(long v, long lo, long hi) => v < lo ? lo : v > hi ? hi : v;

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int rank = x.Rank, size = x.Type.Size();
        Args args = opset < 10
            ? new Args(new IntArg(Node.GetInts("starts")), new IntArg(Node.GetInts("ends")), new IntArg(Node.GetInts("axes")), default)
            : new Args(ShapeArgs.FromInputOrAttribute(ctx, 1, "starts"), ShapeArgs.FromInputOrAttribute(ctx, 2, "ends"),
                       ShapeArgs.FromInputOrAttribute(ctx, 3, "axes"), ShapeArgs.FromInputOrAttribute(ctx, 4, "steps"));
        Span<long> start = stackalloc long[rank];
        Span<long> step = stackalloc long[rank];
        Span<int> output = stackalloc int[rank];
        Span<long> strides = stackalloc long[rank];
        Resolve(Node, x.Shape, args, start, step, output, validate: false);
        ElementCopy.ByteStrides(x.Shape, size, strides);
        byte* src = x.Data;
        for (int d = 0; d < rank; d++)
        {
            src += start[d] * strides[d];
            strides[d] *= step[d];
        }
        ElementCopy.Strided(src, strides, y.Data, y.Shape, size);
    }
}
