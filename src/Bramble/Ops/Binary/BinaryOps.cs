using Bramble.Tensors;

namespace Bramble.Ops.Binary;

/// <summary>Checks and lookups shared by the ai.bramble binary operators.</summary>
internal static class BinaryOps
{
    /// <summary>True when input <paramref name="i"/> is omitted or constant at prepare time; <paramref name="value"/> is then its value (or null).</summary>
    public static bool ConstantOrAbsent(PrepareContext ctx, int i, out Tensor? value)
    {
        value = ctx.Shapes.HasInput(i) ? ctx.ConstantInput(i) : null;
        return !ctx.Shapes.HasInput(i) || value != null;
    }

    /// <summary>Throws unless input <paramref name="i"/> is a bit-packed (uint64) tensor.</summary>
    public static void RequirePacked(InferContext ctx, int i, string what)
    {
        if (ctx.InputType(i) != DataType.UInt64)
            throw new UnsupportedOperatorException($"{ctx.Node.Describe()}: {what} (input {i}) must be bit-packed uint64, got {ctx.InputType(i).Name()}");
    }

    /// <summary>Throws unless input <paramref name="i"/> is float32 with one value per output channel.</summary>
    public static void RequirePerChannel(InferContext ctx, int i, string what, int channels)
    {
        if (ctx.InputType(i) != DataType.Float32 || ShapeUtil.ElementCount(ctx.InputShape(i)) != channels)
            throw ctx.Error($"{what} (input {i}) must be float32 with {channels} values, got {ctx.InputType(i).Name()}{ShapeUtil.Format(ctx.InputShape(i))}");
    }

    /// <summary>The "channels" attribute: the real (unpadded) number of packed input channels.</summary>
    public static int Channels(InferContext ctx, int packedWords)
    {
        long c = ctx.Node.GetInt("channels", -1);
        if (c <= 0 || c > int.MaxValue) throw ctx.Error($"attribute 'channels' (the unpacked input channel count) is missing or invalid ({c})");
        if (BitPacked.WordsFor((int)c) != packedWords)
            throw ctx.Error($"channels {c} need {BitPacked.WordsFor((int)c)} packed words, but the input has {packedWords}");
        return (int)c;
    }

    public static ReadOnlySpan<float> Floats(Tensor? t) => t == null ? default : t.AsReadOnlySpan<float>();
}
