using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>Attribute reading and input checks shared by the neural-network operators.</summary>
internal static class NnChecks
{
    /// <summary>A one-line error about <paramref name="node"/>.</summary>
    public static ShapeException Error(Node node, string message) => new($"{node.Describe()}: {message}");

    /// <summary>Throws unless input <paramref name="i"/> is float32 (the only type the reference kernels compute in).</summary>
    public static void RequireFloat(InferContext ctx, int i, string what)
    {
        var type = ctx.InputType(i);
        if (type != DataType.Float32)
            throw new UnsupportedOperatorException($"{ctx.Node.Describe()}: {what} (input {i}) is {type.Name()}; only float32 is supported");
    }

    /// <summary>An ints attribute of exactly <paramref name="count"/> values, or <paramref name="fallback"/> repeated when absent.</summary>
    public static int[] Ints(Node node, string name, int count, int fallback)
    {
        var values = node.GetInts(name);
        var result = new int[count];
        if (values == null)
        {
            Array.Fill(result, fallback);
            return result;
        }
        if (values.Length != count)
            throw Error(node, $"attribute '{name}' has {values.Length} values, expected {count}");
        for (int i = 0; i < count; i++)
        {
            if (values[i] < int.MinValue || values[i] > int.MaxValue)
                throw Error(node, $"attribute '{name}' value {values[i]} is out of range");
            result[i] = (int)values[i];
        }
        return result;
    }

    /// <summary>Reads a 1-D integer tensor (e.g. Pad's pads input) as int64 values.</summary>
    public static long[] IntValues(Tensor t) => t.ToInt64Array();

    /// <summary>Reads a 1-D float tensor (e.g. Resize's scales input) as float values.</summary>
    public static float[] FloatValues(Tensor t)
    {
        var result = new float[t.Length];
        for (long i = 0; i < t.Length; i++) result[i] = (float)t.GetDouble(i);
        return result;
    }

    /// <summary>
    /// Returns <paramref name="shape"/> after checking that its element count fits the int-indexed spans of
    /// the kernels, so that absurd attributes or inputs fail with a message instead of a huge allocation.
    /// </summary>
    public static int[] CheckedShape(Node node, int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > int.MaxValue) throw Error(node, $"output shape {ShapeUtil.Format(shape)} has more than {int.MaxValue} elements");
        }
        return shape;
    }

    public static long Product(ReadOnlySpan<int> dims)
    {
        long p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }
}
