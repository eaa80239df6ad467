using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// A list of integers that comes either from an attribute (older opsets) or from an input tensor
/// (newer opsets), read without copying: Slice's starts/ends/axes/steps, Split's split, etc.
/// </summary>
internal readonly struct IntArg
{
    private readonly long[]? _array;
    private readonly Tensor? _tensor;

    public IntArg(long[]? array) { _array = array; _tensor = null; }
    public IntArg(Tensor? tensor) { _array = null; _tensor = tensor; }

    public bool Present => _array != null || _tensor != null;
    public int Length => _array?.Length ?? (int)(_tensor?.Length ?? 0);
    public long this[int i] => _array != null ? _array[i] : _tensor!.GetInt64(i);
}

/// <summary>Argument checks shared by the shaping operators; every error names the node.</summary>
internal static class ShapeArgs
{
    /// <summary>Normalises an axis in [-rank, rank) or reports an error naming the node.</summary>
    public static int Axis(Node node, long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ShapeException($"{node.Describe()}: {what} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>
    /// The integer list given by input <paramref name="input"/> when present (its value must be known),
    /// else by attribute <paramref name="attribute"/>; ONNX moved many such lists from attributes to inputs.
    /// </summary>
    public static IntArg FromInputOrAttribute(InferContext ctx, int input, string attribute)
    {
        if (ctx.HasInput(input))
        {
            var t = ctx.RequireValue(input);
            if (t.Rank > 1) throw ctx.Error($"input {input} must be a 1-D integer list, got shape {ShapeUtil.Format(t.Shape)}");
            RequireInteger(ctx, t, input);
            return new IntArg(t);
        }
        return new IntArg(ctx.Node.GetInts(attribute));
    }

    /// <summary>Same as the InferContext overload, at execution time, where every input is concrete.</summary>
    public static IntArg FromInputOrAttribute(ExecContext ctx, int input, string attribute) =>
        ctx.OptionalInput(input) is { } t ? new IntArg(t) : new IntArg(ctx.Node.GetInts(attribute));

    public static void RequireInteger(InferContext ctx, Tensor t, int input)
    {
        if (!IsInteger(t.Type))
            throw ctx.Error($"input {input} must be an integer tensor, got {t.Type.Name()}");
    }

    public static bool IsInteger(DataType t) => t is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8
        or DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64;

    /// <summary>Converts a requested dimension to int, rejecting negatives and sizes beyond int range.</summary>
    public static int Dim(Node node, long value, string what)
    {
        if (value < 0 || value > int.MaxValue)
            throw new ShapeException($"{node.Describe()}: {what} {value} is not a valid dimension");
        return (int)value;
    }

    /// <summary>Largest element count an output may have (spans over tensors are int-indexed).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>
    /// Rejects output shapes whose element count is absurd (overflowing, or beyond <see cref="MaxElements"/>), so a
    /// hostile shape value yields a one-line error instead of an overflow or a huge allocation.
    /// </summary>
    public static int[] CheckSize(InferContext ctx, int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d == 0) return shape;
            n = d > MaxElements / n ? MaxElements + 1 : n * d;
        }
        if (n > MaxElements) throw ctx.Error($"output shape {ShapeUtil.Format(shape)} has more than {MaxElements} elements");
        return shape;
    }

    /// <summary>Reads element <paramref name="i"/> of an index tensor and wraps a negative value; reports out-of-range ones.</summary>
    public static long Index(Node node, Tensor indices, long i, long dim)
    {
        long v = indices.GetInt64(i);
        long w = v < 0 ? v + dim : v;
        if (w < 0 || w >= dim)
            throw new ShapeException($"{node.Describe()}: index {v} is out of range for a dimension of size {dim}");
        return w;
    }
}
