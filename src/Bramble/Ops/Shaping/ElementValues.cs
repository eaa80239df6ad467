using System.Numerics;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// The few places where shaping operators need element VALUES (masks of ones, scatter reductions,
/// cumulative sums): dispatch from a runtime <see cref="DataType"/> to a generic numeric routine.
/// </summary>
internal static unsafe class ElementValues
{
    /// <summary>Writes <paramref name="value"/> converted to <paramref name="type"/> at <paramref name="p"/>.</summary>
    public static void Write(byte* p, DataType type, double value)
    {
        switch (type)
        {
            case DataType.Float32: *(float*)p = (float)value; break;
            case DataType.Float64: *(double*)p = value; break;
            case DataType.Float16: *(Half*)p = (Half)value; break;
            case DataType.Int8: *(sbyte*)p = (sbyte)value; break;
            case DataType.UInt8: *p = (byte)value; break;
            case DataType.Bool: *p = value != 0 ? (byte)1 : (byte)0; break;
            case DataType.Int16: *(short*)p = (short)value; break;
            case DataType.UInt16: *(ushort*)p = (ushort)value; break;
            case DataType.Int32: *(int*)p = (int)value; break;
            case DataType.UInt32: *(uint*)p = (uint)value; break;
            case DataType.Int64: *(long*)p = (long)value; break;
            case DataType.UInt64: *(ulong*)p = (ulong)value; break;
            default: throw new UnsupportedOperatorException($"cannot write elements of type {type.Name()}");
        }
    }

    public static void Fill(Tensor t, double value)
    {
        int size = t.Type.Size();
        byte* p = t.Data;
        for (long i = 0; i < t.Length; i++) Write(p + i * size, t.Type, value);
    }

    /// <summary>How a scatter combines an update with the existing element.</summary>
    public enum Reduction { None, Add, Mul, Max, Min }

    public static Reduction ParseReduction(Graph.Node node)
    {
        string r = node.GetString("reduction", "none");
        return r switch
        {
            "none" => Reduction.None,
            "add" => Reduction.Add,
            "mul" => Reduction.Mul,
            "max" => Reduction.Max,
            "min" => Reduction.Min,
            _ => throw new UnsupportedOperatorException($"{node.Describe()}: reduction '{r}' is not supported"),
        };
    }

    /// <summary>dst[i] = reduce(dst[i], src[i]) for <paramref name="count"/> elements of <paramref name="type"/>.</summary>
    public static void Combine(byte* dst, byte* src, long count, DataType type, Reduction reduction)
    {
        if (reduction == Reduction.None)
        {
            long bytes = count * type.Size();
            Buffer.MemoryCopy(src, dst, bytes, bytes);
            return;
        }
        switch (type)
        {
            case DataType.Float32: Combine((float*)dst, (float*)src, count, reduction); break;
            case DataType.Float64: Combine((double*)dst, (double*)src, count, reduction); break;
            case DataType.Float16: Combine((Half*)dst, (Half*)src, count, reduction); break;
            case DataType.Int8: Combine((sbyte*)dst, (sbyte*)src, count, reduction); break;
            case DataType.UInt8: Combine(dst, src, count, reduction); break;
            case DataType.Int16: Combine((short*)dst, (short*)src, count, reduction); break;
            case DataType.UInt16: Combine((ushort*)dst, (ushort*)src, count, reduction); break;
            case DataType.Int32: Combine((int*)dst, (int*)src, count, reduction); break;
            case DataType.UInt32: Combine((uint*)dst, (uint*)src, count, reduction); break;
            case DataType.Int64: Combine((long*)dst, (long*)src, count, reduction); break;
            case DataType.UInt64: Combine((ulong*)dst, (ulong*)src, count, reduction); break;
            default: throw new UnsupportedOperatorException($"reduction {reduction} is not supported for {type.Name()}");
        }
    }

    private static void Combine<T>(T* dst, T* src, long count, Reduction reduction) where T : unmanaged, INumber<T>
    {
        for (long i = 0; i < count; i++)
        {
            dst[i] = reduction switch
            {
                Reduction.Add => dst[i] + src[i],
                Reduction.Mul => dst[i] * src[i],
                Reduction.Max => T.Max(dst[i], src[i]),
                Reduction.Min => T.Min(dst[i], src[i]),
                _ => src[i],
            };
        }
    }

    public static bool IsNumeric(DataType t) => t is not (DataType.Bool or DataType.String or DataType.Undefined);
}
