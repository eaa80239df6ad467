using Bramble.Import.Onnx;
using Bramble.Tensors;
using T = Bramble.Import.Onnx.OnnxFields.Tensor;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Tensor data in ONNX's typed fields (float_data, int32_data…), packed and unpacked, and sparse initializers.</summary>
public class OnnxTypedDataTests
{
    private static Tensor ReadTensorBytes(byte[] bytes, out string name)
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("t.pb"), bytes);
        return OnnxReader.ReadTensor(temp.File("t.pb"), out name);
    }

    private static byte[] TensorProto(DataType type, int[] dims, Action<ProtoWriter> data) => ProtoBytes.Build(w =>
    {
        foreach (int d in dims) w.Int64(T.Dims, d);
        w.Int64(T.DataType, (int)type);
        w.String(T.Name, "typed");
        data(w);
    });

    [Fact]
    public void FloatDataPackedAndUnpacked()
    {
        var values = new[] { 1.5f, -2f, 3.25f, float.NaN };
        var packed = TensorProto(DataType.Float32, [2, 2], w => w.Bytes(T.FloatData, values.SelectMany(BitConverter.GetBytes).ToArray()));
        using (var t = ReadTensorBytes(packed, out string name))
        {
            Assert.Equal("typed", name);
            Assert.Equal(new[] { 2, 2 }, t.Shape);
            Assert.Equal(values, t.ToArray<float>());
        }
        // Unpacked elements, and a packed run split in two occurrences: repeated fields concatenate.
        var unpacked = TensorProto(DataType.Float32, [4], w =>
        {
            w.Float(T.FloatData, values[0]);
            w.Bytes(T.FloatData, values[1..3].SelectMany(BitConverter.GetBytes).ToArray());
            w.Float(T.FloatData, values[3]);
        });
        using (var t = ReadTensorBytes(unpacked, out _)) Assert.Equal(values, t.ToArray<float>());
    }

    [Fact]
    public void Int32DataHoldsSmallTypesAndHalfBits()
    {
        var cases = new (DataType Type, long[] Stored, double[] Expected)[]
        {
            (DataType.Int8, [-128, 127, -1], [-128, 127, -1]),
            (DataType.UInt8, [0, 255, 9], [0, 255, 9]),
            (DataType.Int16, [-32768, 32767], [-32768, 32767]),
            (DataType.UInt16, [65535, 2], [65535, 2]),
            (DataType.Int32, [int.MinValue, int.MaxValue], [int.MinValue, int.MaxValue]),
            (DataType.Bool, [1, 0, 1], [1, 0, 1]),
            (DataType.Float16, [BitConverter.HalfToUInt16Bits((Half)1.5), BitConverter.HalfToUInt16Bits((Half)(-2))], [1.5, -2]),
        };
        foreach (var (type, stored, expected) in cases)
        {
            var bytes = TensorProto(type, [stored.Length], w => w.PackedVarints(T.Int32Data, stored.Select(v => (ulong)v)));
            using var t = ReadTensorBytes(bytes, out _);
            Assert.Equal(type, t.Type);
            Assert.Equal(expected, Enumerable.Range(0, stored.Length).Select(i => t.GetDouble(i)).ToArray());
        }
    }

    [Fact]
    public void Int64DoubleAndUInt64Data()
    {
        var i64 = TensorProto(DataType.Int64, [3], w =>
        {
            w.Int64(T.Int64Data, long.MinValue);
            w.PackedVarints(T.Int64Data, [unchecked((ulong)-5L), 6]);
        });
        using (var t = ReadTensorBytes(i64, out _)) Assert.Equal(new[] { long.MinValue, -5L, 6L }, t.ToArray<long>());

        var doubles = new[] { Math.E, -0.0, 1e-300 };
        var f64 = TensorProto(DataType.Float64, [3], w => w.Bytes(T.DoubleData, doubles.SelectMany(BitConverter.GetBytes).ToArray()));
        using (var t = ReadTensorBytes(f64, out _)) Assert.Equal(doubles, t.ToArray<double>());

        var u64 = TensorProto(DataType.UInt64, [2], w => w.PackedVarints(T.UInt64Data, [ulong.MaxValue, 1]));
        using (var t = ReadTensorBytes(u64, out _)) Assert.Equal(new[] { ulong.MaxValue, 1UL }, t.ToArray<ulong>());

        var u32 = TensorProto(DataType.UInt32, [2], w => w.PackedVarints(T.UInt64Data, [uint.MaxValue, 3]));
        using (var t = ReadTensorBytes(u32, out _)) Assert.Equal(new[] { uint.MaxValue, 3u }, t.ToArray<uint>());
    }

    [Fact]
    public void RawDataWinsOverFieldOrder()
    {
        // raw_data before dims and data_type: the reader must not need the shape first.
        var bytes = ProtoBytes.Build(w =>
        {
            w.Bytes(T.RawData, new[] { 7, -8 }.SelectMany(BitConverter.GetBytes).ToArray());
            w.String(T.Name, "late");
            w.Int64(T.DataType, (int)DataType.Int32);
            w.Int64(T.Dims, 2);
        });
        using var t = ReadTensorBytes(bytes, out string name);
        Assert.Equal("late", name);
        Assert.Equal(new[] { 7, -8 }, t.ToArray<int>());
    }

    [Fact]
    public void SparseInitializersAreDensified()
    {
        using var temp = new TempFolder();
        var model = ProtoBytes.Model(g =>
        {
            g.String(2, "sparse");
            // values [5, 6] at coordinates (0,1) and (1,2) of a 2x3 matrix
            g.Message(15, s =>
            {
                s.Message(1, v => { v.Int64(T.Dims, 2); v.Int64(T.DataType, 1); v.String(T.Name, "coords"); v.Bytes(T.FloatData, new[] { 5f, 6f }.SelectMany(BitConverter.GetBytes).ToArray()); });
                s.Message(2, i => { i.Int64(T.Dims, 2); i.Int64(T.Dims, 2); i.Int64(T.DataType, 7); i.PackedVarints(T.Int64Data, [0, 1, 1, 2]); });
                s.Int64(3, 2);
                s.Int64(3, 3);
            });
            // linear indices 0 and 3 of a 4-vector of int32
            g.Message(15, s =>
            {
                s.Message(1, v => { v.Int64(T.Dims, 2); v.Int64(T.DataType, 6); v.String(T.Name, "linear"); v.PackedVarints(T.Int32Data, [9, unchecked((ulong)-1L)]); });
                s.Message(2, i => { i.Int64(T.Dims, 2); i.Int64(T.DataType, 7); i.PackedVarints(T.Int64Data, [0, 3]); });
                s.Int64(3, 4);
            });
            g.Message(12, o => o.String(1, "coords"));
        });
        File.WriteAllBytes(temp.File("sparse.onnx"), model);
        using var loaded = OnnxReader.Load(temp.File("sparse.onnx"));
        Assert.Equal(new[] { 0f, 5f, 0f, 0f, 0f, 6f }, loaded.Graph.Initializers["coords"].ToArray<float>());
        Assert.Equal(new[] { 2, 3 }, loaded.Graph.Initializers["coords"].Shape);
        Assert.Equal(new[] { 9, 0, 0, -1 }, loaded.Graph.Initializers["linear"].ToArray<int>());
    }

    [Fact]
    public void ModelWithoutOpsetImportsKeepsNone()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("old.onnx"), ProtoBytes.Build(w =>
        {
            w.Int64(1, 3);
            w.Message(7, g => g.Message(1, n => { n.String(1, "x"); n.String(2, "y"); n.String(4, "Relu"); }));
        }));
        using var model = OnnxReader.Load(temp.File("old.onnx"));
        Assert.Empty(model.Opsets);
        Assert.Equal(1, model.OpsetFor(""));
        Assert.Equal("Relu", model.Graph.Nodes[0].OpType);
    }
}
