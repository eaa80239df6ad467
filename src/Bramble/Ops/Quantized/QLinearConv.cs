using Bramble.Graph;
using Bramble.Kernels.Int8;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>
/// ONNX QLinearConv: y = saturate(round((Σ (x − x_zp)(w − w_zp) + B) · x_scale · w_scale / y_scale) + y_zp),
/// with per-output-channel w_scale / w_zp allowed. The same class serves Bramble's fused form
/// (domain ai.bramble), whose attributes <c>fused_min</c>/<c>fused_max</c> clamp the quantized output
/// (a folded Relu or Clip).
/// </summary>
public sealed unsafe class QLinearConv(Node node) : Operator(node)
{
    private ConvParameters? _params;
    private Int8Conv? _fast;

    public ConvParameters? Parameters => _params;

    public override void InferOutputs(InferContext ctx)
    {
        var yType = QuantParams.RequireLinearOperands(ctx);
        if (ctx.HasInput(8)) QuantParams.RequireType(ctx, 8, DataType.Int32, "B");
        _params = ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(3), ctx.HasInput(8) ? ctx.InputShape(8) : null);
        QuantParams.RequireScalarOrVector(ctx, 4, _params.OutChannels, "w_scale");
        QuantParams.RequireScalarOrVector(ctx, 5, _params.OutChannels, "w_zero_point");
        ctx.SetOutput(0, yType, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    /// <summary>The quantized output range after the fused activation, if any.</summary>
    internal static (int Lo, int Hi) OutputRange(Node node, bool signed)
    {
        var (lo, hi) = Requantize.Range(signed);
        if (node.Domain != OpRegistry.BrambleDomain) return (lo, hi);
        return ((int)Math.Max(lo, node.GetInt("fused_min", lo)), (int)Math.Min(hi, node.GetInt("fused_max", hi)));
    }

    public override void Prepare(PrepareContext ctx) =>
        _fast = _params == null ? null : Int8Conv.TryCreate(_params, Node, ctx, biasInput: 8);

    public override string KernelName => _fast?.Name ?? "reference";

    /// <summary>The int8 kernel copied W (input 3, packed) and the bias (input 8); runs never read the originals again.</summary>
    public override bool OwnsCopyOfInput(int index) => _fast != null && index is 3 or 8;

    public override long CountMacs(InferContext ctx) =>
        ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(3), ctx.HasInput(8) ? ctx.InputShape(8) : null).Macs;

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(3);
        var b = ctx.OptionalInput(8);
        var y = ctx.Output(0);
        var p = _params;
        if (p == null || p.Batch != x.Shape[0] || !Conv.SameSpatial(p.Window, x.Shape))
            p = ConvGeometry.Resolve(Node, x.Shape, w.Shape, b?.Shape);
        else if (_fast != null)
        {
            _fast.Run(x, y, ctx.Pool);
            return;
        }
        bool ySigned = y.Type == DataType.Int8;
        var (lo, hi) = OutputRange(Node, ySigned);
        var sink = new RequantSink
        {
            Y = y.Data, Signed = ySigned, Bias = b == null ? null : (int*)b.Data, Lo = lo, Hi = hi,
            XScale = QuantParams.Scale(ctx.Input(1), 0), WScale = ctx.Input(4), YScale = QuantParams.Scale(ctx.Input(6), 0),
            YZp = QuantParams.ZeroPoint(ctx.OptionalInput(7), 0),
        };
        var wZpTensor = ctx.OptionalInput(5);
        Span<int> wZp = wZpTensor == null || wZpTensor.Length == 1 ? stackalloc int[] { QuantParams.ZeroPoint(wZpTensor, 0) } : ToInts(wZpTensor);
        IntegerConvReference.ForEach(p, x.Data, x.Type == DataType.Int8, QuantParams.ZeroPoint(ctx.OptionalInput(2), 0),
            w.Data, w.Type == DataType.Int8, wZp, ref sink);
    }

    internal static int[] ToInts(Tensor t)
    {
        var r = new int[t.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (int)t.GetInt64(i);
        return r;
    }

    /// <summary>Adds the per-channel int32 bias (if any) and requantizes with that channel's scale: shared by the reference paths.</summary>
    internal struct RequantSink : IAccumulatorSink
    {
        public byte* Y;
        public bool Signed;
        public int* Bias;
        public int Lo, Hi, YZp;
        public float XScale, YScale;
        public Tensor WScale;

        public void Put(long index, int channel, int acc)
        {
            if (Bias != null) acc = unchecked(acc + Bias[channel]);
            float m = Requantize.Multiplier(XScale, QuantParams.Scale(WScale, channel), YScale);
            QuantParams.Store(Y, index, Signed, Requantize.One(acc, m, YZp, Lo, Hi));
        }
    }
}

/// <summary>ONNX ConvInteger: int32 y = Σ (x − x_zp)(w − w_zp), w_zp per tensor or per output channel.</summary>
public sealed unsafe class ConvInteger(Node node) : Operator(node)
{
    private ConvParameters? _params;

    public override void InferOutputs(InferContext ctx)
    {
        var xType = QuantParams.Require8Bit(ctx, 0, "x");
        var wType = QuantParams.Require8Bit(ctx, 1, "w");
        QuantParams.RequireSameType(ctx, 2, xType, "x_zero_point");
        QuantParams.RequireScalar(ctx, 2, "x_zero_point");
        QuantParams.RequireSameType(ctx, 3, wType, "w_zero_point");
        _params = ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), null);
        QuantParams.RequireScalarOrVector(ctx, 3, _params.OutChannels, "w_zero_point");
        ctx.SetOutput(0, DataType.Int32, NnChecks.CheckedShape(Node, _params.OutputShape));
    }

    public override long CountMacs(InferContext ctx) => ConvGeometry.Resolve(Node, ctx.InputShape(0), ctx.InputShape(1), null).Macs;

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var p = _params ?? ConvGeometry.Resolve(Node, x.Shape, w.Shape, null);
        var wZpTensor = ctx.OptionalInput(3);
        Span<int> wZp = wZpTensor == null || wZpTensor.Length == 1 ? stackalloc int[] { QuantParams.ZeroPoint(wZpTensor, 0) } : QLinearConv.ToInts(wZpTensor);
        var sink = new Int32Sink { Y = (int*)ctx.Output(0).Data };
        IntegerConvReference.ForEach(p, x.Data, x.Type == DataType.Int8, QuantParams.ZeroPoint(ctx.OptionalInput(2), 0),
            w.Data, w.Type == DataType.Int8, wZp, ref sink);
    }

    private struct Int32Sink : IAccumulatorSink
    {
        public int* Y;
        public void Put(long index, int channel, int acc) => Y[index] = acc;
    }
}
