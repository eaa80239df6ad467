using System.Buffers.Binary;
using Bramble.Tensors;

namespace Bramble.Import.Onnx;

/// <summary>ONNX element-type codes Bramble has no dense representation for, named for error messages.</summary>
internal static class OnnxDataTypes
{
    public static string Name(int code) => code switch
    {
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        17 => "float8e4m3fn",
        18 => "float8e4m3fnuz",
        19 => "float8e5m2",
        20 => "float8e5m2fnuz",
        21 => "uint4",
        22 => "int4",
        23 => "float4e2m1",
        _ when code is > 0 and <= 13 => ((DataType)code).Name(),
        _ => $"unknown type code {code}",
    };

    /// <summary>True for the element types a <see cref="Tensor"/> can hold.</summary>
    public static bool IsDense(int code) => code is > 0 and <= 13 && ((DataType)code).Size() > 0;

    /// <summary>
    /// ONNX stores tensor bytes little-endian; on a big-endian CPU each element is byte-swapped in place
    /// after reading (and before writing, on a copy).
    /// </summary>
    public static void ToNativeEndian(Span<byte> bytes, int elementSize)
    {
        if (BitConverter.IsLittleEndian || elementSize == 1) return;
        switch (elementSize)
        {
            case 2:
                var s = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(s, s);
                break;
            case 4:
                var i = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(i, i);
                break;
            case 8:
                var l = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(l, l);
                break;
        }
    }
}
