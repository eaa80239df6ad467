using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// ONNX Pad for any element type: modes constant, reflect, edge (and wrap of opset 19). Pads are an attribute
/// before opset 11 and an input from then (with optional constant_value, and axes from opset 18). Negative pads crop.
/// Reference kernel.
/// </summary>
public sealed class Pad(Node node, long opset) : Operator(node)
{
    private int[][]? _sourceIndex;
    private byte[]? _constant;

    public override void InferOutputs(InferContext ctx)
    {
        var x = ctx.InputShape(0);
        var type = ctx.InputType(0);
        if (type.Size() == 0) throw new UnsupportedOperatorException($"{Node.Describe()}: data of type {type.Name()} is not supported");
        int rank = x.Length;
        string mode = Node.GetString("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge" or "wrap"))
            throw new UnsupportedOperatorException($"{Node.Describe()}: mode '{mode}' is not supported");

        long[] pads;
        if (opset < 11)
            pads = Node.GetInts("pads") ?? Node.GetInts("paddings") ?? throw ctx.Error("attribute 'pads' is required");
        else
        {
            pads = NnChecks.IntValues(ctx.RequireValue(1));
            if (ctx.HasInput(3)) pads = ExpandAxes(ctx, pads, rank);
        }
        if (pads.Length != 2 * rank) throw ctx.Error($"pads has {pads.Length} values, expected {2 * rank} for input {ShapeUtil.Format(x)}");

        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = x[d] + pads[d] + pads[d + rank];
            if (size < 0 || size > int.MaxValue) throw ctx.Error($"pads [{string.Join(",", pads)}] give dimension {d} the invalid size {size}");
            output[d] = (int)size;
        }
        NnChecks.CheckedShape(Node, output);
        var source = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            int size = output[d];
            if (mode != "constant" && x[d] == 0 && size > 0)
                throw ctx.Error($"mode '{mode}' cannot pad dimension {d} of size 0");
            source[d] = new int[size];
            for (int o = 0; o < size; o++) source[d][o] = SourceIndex(mode, o - pads[d], x[d]);
        }
        _sourceIndex = source;
        _constant = ConstantBytes(ctx, type);
        ctx.SetOutput(0, type, output);
    }

    /// <summary>Pads of opset 18 given for <c>axes</c> only, expanded to all dimensions.</summary>
    private long[] ExpandAxes(InferContext ctx, long[] pads, int rank)
    {
        var axes = NnChecks.IntValues(ctx.RequireValue(3));
        if (pads.Length != 2 * axes.Length) throw ctx.Error($"pads has {pads.Length} values, expected {2 * axes.Length} for {axes.Length} axes");
        var full = new long[2 * rank];
        for (int i = 0; i < axes.Length; i++)
        {
            int a = ShapeUtil.NormalizeAxis(axes[i], rank, $"{Node.Describe()}: axis");
            full[a] = pads[i];
            full[a + rank] = pads[i + axes.Length];
        }
        return full;
    }

    /// <summary>The input index an output position reads, or −1 for the constant.</summary>
    public static int SourceIndex(string mode, long i, int length)
    {
        if (i >= 0 && i < length) return (int)i;
        switch (mode)
        {
            case "constant": return -1;
            case "edge": return i < 0 ? 0 : length - 1;
            case "wrap": return (int)(((i % length) + length) % length);
            default:
                // reflect: mirror without repeating the edge; the pattern has period 2·(length − 1).
                if (length == 1) return 0;
                long period = 2L * (length - 1);
                long m = ((i % period) + period) % period;
                return (int)(m < length ? m : period - m);
        }
    }

    private byte[] ConstantBytes(InferContext ctx, DataType type)
    {
        var bytes = new byte[type.Size()];
        if (opset >= 11 && ctx.HasInput(2))
        {
            var value = ctx.RequireValue(2);
            if (value.Type != type) throw ctx.Error($"constant_value is {value.Type.Name()} but data is {type.Name()}");
            if (value.Length > 0) value.AsSpan<byte>()[..bytes.Length].CopyTo(bytes);
            return bytes;
        }
        double v = opset < 11 ? Node.GetFloat("value", 0f) : 0;
        using var t = Tensor.Allocate(type, 1);
        switch (type)
        {
            case DataType.Float32: t.AsSpan<float>()[0] = (float)v; break;
            case DataType.Float64: t.AsSpan<double>()[0] = v; break;
            case DataType.Float16: t.AsSpan<Half>()[0] = (Half)v; break;
            case DataType.Int64: t.AsSpan<long>()[0] = (long)v; break;
            case DataType.Int32: t.AsSpan<int>()[0] = (int)v; break;
            case DataType.Int8: t.AsSpan<sbyte>()[0] = (sbyte)v; break;
            case DataType.UInt8: t.AsSpan<byte>()[0] = (byte)v; break;
            default: if (v != 0) throw new UnsupportedOperatorException($"{Node.Describe()}: pad value for {type.Name()}"); break;
        }
        t.AsSpan<byte>().CopyTo(bytes);
        return bytes;
    }

    public override void Execute(ExecContext ctx)
    {
        var source = _sourceIndex ?? throw new InvalidOperationException($"{Node.Describe()}: executed before shape inference");
        var x = ctx.Input(0);
        Run(x.AsReadOnlySpan<byte>(), x.Shape, ctx.Output(0).AsSpan<byte>(), source, _constant!, x.Type.Size());
    }

    /// <summary>Gathers each output element from its per-dimension source indices (−1 in any dimension = constant).</summary>
    public static void Run(ReadOnlySpan<byte> x, int[] xShape, Span<byte> y, int[][] sourceIndex, ReadOnlySpan<byte> constant, int elementSize)
    {
        int rank = xShape.Length;
        Span<long> stride = stackalloc long[rank];
        long s = 1;
        for (int d = rank - 1; d >= 0; d--) { stride[d] = s; s *= xShape[d]; }
        Span<int> o = stackalloc int[rank];
        o.Clear();
        int count = y.Length / elementSize;
        for (int flat = 0; flat < count; flat++)
        {
            long src = 0;
            for (int d = 0; d < rank && src >= 0; d++)
            {
                int i = sourceIndex[d][o[d]];
                src = i < 0 ? -1 : src + i * stride[d];
            }
            var target = y.Slice(flat * elementSize, elementSize);
            if (src < 0) constant.CopyTo(target);
            else x.Slice((int)(src * elementSize), elementSize).CopyTo(target);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++o[d] < sourceIndex[d].Length) break;
                o[d] = 0;
            }
        }
    }
}
