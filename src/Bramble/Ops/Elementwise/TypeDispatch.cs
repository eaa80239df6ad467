using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>A computation over one numeric element type, picked at run time by <see cref="TypeDispatch"/>.</summary>
/// <remarks>
/// C# cannot pass an open generic method around, so a kernel is a struct whose generic <c>Run</c> the
/// dispatcher instantiates for the tensor's element type: one switch serves every op.
/// </remarks>
public interface INumericKernel
{
    void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>Maps <see cref="DataType"/> codes to CLR element types for generic reference kernels.</summary>
public static class TypeDispatch
{
    public static bool IsFloat(DataType t) => t is DataType.Float32 or DataType.Float64 or DataType.Float16;

    public static bool IsInteger(DataType t) => t is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16
        or DataType.Int32 or DataType.UInt32 or DataType.Int64 or DataType.UInt64;

    public static bool IsSignedInteger(DataType t) => t is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64;

    public static bool IsNumeric(DataType t) => IsFloat(t) || IsInteger(t);

    /// <summary>Numeric types whose negation is meaningful (floats and signed integers).</summary>
    public static bool IsSigned(DataType t) => IsFloat(t) || IsSignedInteger(t);

    /// <summary>Runs <paramref name="kernel"/> instantiated for <paramref name="type"/>; bool counts as uint8 (0/1) when <paramref name="boolAsByte"/>.</summary>
    public static void Numeric<TKernel>(DataType type, ref TKernel kernel, Node node, bool boolAsByte = false)
        where TKernel : struct, INumericKernel, allows ref struct
    {
        switch (type)
        {
            case DataType.Float32: kernel.Run<float>(); break;
            case DataType.Float64: kernel.Run<double>(); break;
            case DataType.Float16: kernel.Run<Half>(); break;
            case DataType.Int8: kernel.Run<sbyte>(); break;
            case DataType.UInt8: kernel.Run<byte>(); break;
            case DataType.Int16: kernel.Run<short>(); break;
            case DataType.UInt16: kernel.Run<ushort>(); break;
            case DataType.Int32: kernel.Run<int>(); break;
            case DataType.UInt32: kernel.Run<uint>(); break;
            case DataType.Int64: kernel.Run<long>(); break;
            case DataType.UInt64: kernel.Run<ulong>(); break;
            case DataType.Bool when boolAsByte: kernel.Run<byte>(); break;
            default: throw Unsupported(node, type);
        }
    }

    public static UnsupportedOperatorException Unsupported(Node node, DataType type) =>
        new($"{node.OpType} at node '{node.DisplayName}' does not support element type {type.Name()}");

    /// <summary>Checks input <paramref name="i"/>'s type during shape inference; throws the one-line unsupported-type error.</summary>
    public static DataType Require(InferContext ctx, int i, Func<DataType, bool> supported)
    {
        var type = ctx.InputType(i);
        if (!supported(type)) throw Unsupported(ctx.Node, type);
        return type;
    }

    /// <summary>Checks that inputs <paramref name="first"/>..<paramref name="first"/>+<paramref name="count"/>-1 (those present) share one type.</summary>
    public static DataType RequireSame(InferContext ctx, int first, int count, Func<DataType, bool> supported)
    {
        var type = Require(ctx, first, supported);
        for (int i = first + 1; i < first + count; i++)
            if (ctx.HasInput(i) && ctx.InputType(i) != type)
                throw ctx.Error($"input {i} has type {ctx.InputType(i).Name()} but input {first} has {type.Name()}");
        return type;
    }
}
