using System.Text;
using Bramble.IO;
using Bramble.Tensors;

namespace Bramble.Tests.IO;

/// <summary>Hand-made .npy bytes: every header form, dtype, byte order and corruption the reader must handle.</summary>
public class NpyTests
{
    /// <summary>Builds a .npy file exactly as described, padding the header with spaces to 64 bytes like numpy.</summary>
    internal static byte[] Npy(string dict, byte[] data, int major = 1, bool pad = true)
    {
        int prefix = major == 1 ? 10 : 12;
        int length = dict.Length + 1;
        if (pad) length = (prefix + length + 63) / 64 * 64 - prefix;
        var header = dict.PadRight(length - 1) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length));
        else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    private static Tensor Read(byte[] bytes) => Bramble.IO.Npy.Read(new MemoryStream(bytes), "test.npy");

    private static ModelFormatException Bad(byte[] bytes)
    {
        var e = Assert.Throws<ModelFormatException>(() => Read(bytes).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("test.npy: ", e.Message);
        return e;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ReadsEveryVersion(int major)
    {
        using var t = Read(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Floats(1, 2, 3, 4, 5, 6), major));
        Assert.Equal(DataType.Float32, t.Type);
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void ReadsUnpaddedHeadersWithDoubleQuotesAndOddSpacing()
    {
        using var t = Read(Npy("{\"shape\":(3,),\"fortran_order\":False,\"descr\":\"<f4\"}", Floats(7, 8, 9), pad: false));
        Assert.Equal(new[] { 3 }, t.Shape);
        Assert.Equal(new float[] { 7, 8, 9 }, t.ToArray<float>());
    }

    [Fact]
    public void ReadsPython2LongShapes()
    {
        using var t = Read(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }", Floats(1, 2)));
        Assert.Equal(new[] { 1, 2 }, t.Shape);
    }

    [Fact]
    public void ReadsScalarsAndEmptyArrays()
    {
        using var scalar = Read(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", BitConverter.GetBytes(2.5)));
        Assert.Empty(scalar.Shape);
        Assert.Equal(2.5, scalar.GetDouble(0));
        using var empty = Read(Npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0, 4), }", []));
        Assert.Equal(new[] { 0, 4 }, empty.Shape);
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void ReadsEveryDtype()
    {
        using (var t = Read(Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(-2.0)])))
            Assert.Equal(new[] { 1.5, -2.0 }, t.ToArray<double>());
        using (var t = Read(Npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes(-5L), .. BitConverter.GetBytes(1L << 40)])))
            Assert.Equal(new[] { -5L, 1L << 40 }, t.ToArray<long>());
        using (var t = Read(Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(9)])))
            Assert.Equal(new[] { -7, 9 }, t.ToArray<int>());
        using (var t = Read(Npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", [0, 128, 255])))
            Assert.Equal(new byte[] { 0, 128, 255 }, t.ToArray<byte>());
        using (var t = Read(Npy("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", [0xFF, 0x7F])))
            Assert.Equal(new sbyte[] { -1, 127 }, t.ToArray<sbyte>());
        using (var t = Read(Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", [1, 0, 1])))
        {
            Assert.Equal(DataType.Bool, t.Type);
            Assert.Equal(new byte[] { 1, 0, 1 }, t.ToArray<byte>());
        }
        using (var t = Read(Npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", [.. BitConverter.GetBytes((Half)0.5), .. BitConverter.GetBytes((Half)(-3))])))
            Assert.Equal(new[] { (Half)0.5, (Half)(-3) }, t.ToArray<Half>());
    }

    [Fact]
    public void SwapsBigEndianData()
    {
        var be = new byte[] { 0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0 }; // 1.0f, -2.0f big-endian
        using var f = Read(Npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be));
        Assert.Equal(new float[] { 1, -2 }, f.ToArray<float>());
        using var i = Read(Npy("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 1, 2]));
        Assert.Equal(258L, i.GetInt64(0));
    }

    [Fact]
    public void TransposesFortranOrder()
    {
        // a = [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6.
        using var t = Read(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Floats(1, 4, 2, 5, 3, 6)));
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void TransposesRank3FortranOrder()
    {
        int[] shape = [2, 3, 4];
        // Element (i,j,k) has value 100i+10j+k; Fortran order varies i fastest.
        var column = new List<float>();
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 2; i++) column.Add(100 * i + 10 * j + k);
        using var t = Read(Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", Floats([.. column])));
        Assert.Equal(shape, t.Shape);
        var v = t.ToArray<float>();
        for (int i = 0, n = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++, n++) Assert.Equal(100 * i + 10 * j + k, v[n]);
    }

    [Fact]
    public void WriteThenReadRoundTripsEveryType()
    {
        var cases = new Tensor[]
        {
            Tensor.FromArray(new float[] { 1.5f, -2, 3 }, 3, 1),
            Tensor.FromArray(new double[] { 1e300, -0.0 }, 2),
            Tensor.FromArray(new long[] { long.MinValue, 7 }, 1, 2),
            Tensor.FromArray(new int[] { int.MaxValue }, 1),
            Tensor.FromArray(new byte[] { 0, 255 }, 2),
            Tensor.FromArray(new sbyte[] { -128, 5 }, 2),
            Tensor.FromArray(new Half[] { (Half)1, (Half)0.25 }, 2),
            Tensor.Scalar(3.25f),
            Tensor.Allocate(DataType.Float32, 0, 3),
        };
        foreach (var original in cases)
        {
            using (original)
            {
                var ms = new MemoryStream();
                Bramble.IO.Npy.Write(ms, original);
                Assert.Equal(0, (ms.Length - original.ByteLength) % 64);
                using var back = Read(ms.ToArray());
                Assert.Equal(original.Type, back.Type);
                Assert.Equal(original.Shape, back.Shape);
                Assert.Equal(original.ToArray<byte>(), back.ToArray<byte>());
            }
        }
    }

    [Fact]
    public void WritesBools()
    {
        using var t = Tensor.Allocate(DataType.Bool, 2);
        t.AsSpan<byte>()[1] = 1;
        var ms = new MemoryStream();
        Bramble.IO.Npy.Write(ms, t);
        Assert.Contains("'descr': '|b1'", Encoding.ASCII.GetString(ms.ToArray()));
        using var back = Read(ms.ToArray());
        Assert.Equal(new byte[] { 0, 1 }, back.ToArray<byte>());
    }

    [Fact]
    public void WritesNumpysExactHeader()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var ms = new MemoryStream();
        Bramble.IO.Npy.Write(ms, t);
        var bytes = ms.ToArray();
        Assert.Equal(1, bytes[6]);
        Assert.Equal(140, bytes.Length);
        Assert.Equal(118, BitConverter.ToUInt16(bytes, 8));
        string header = Encoding.ASCII.GetString(bytes, 10, 118);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }".PadRight(117) + "\n", header);
    }

    [Fact]
    public void RejectsMissingMagic() => Assert.Contains("not a .npy file", Bad(Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip")).Message);

    [Fact]
    public void RejectsEmptyInput() => Assert.Contains("not a .npy file", Bad([]).Message);

    [Fact]
    public void RejectsUnknownVersion()
    {
        var bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Floats(1));
        bytes[6] = 9;
        Assert.Contains("version 9.0", Bad(bytes).Message);
    }

    [Fact]
    public void RejectsTruncatedHeader()
    {
        var bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Floats(1));
        Assert.Contains("truncated .npy header", Bad(bytes[..40]).Message);
        Assert.Contains("truncated .npy header", Bad(bytes[..9]).Message);
    }

    [Fact]
    public void RejectsTruncatedData()
    {
        var bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Floats(1, 2, 3, 4, 5, 6));
        var e = Bad(bytes[..^3]);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("24 data bytes", e.Message);
        Assert.Contains("found 21", e.Message);
    }

    [Fact]
    public void RejectsTruncatedDataFromUnseekableStreams()
    {
        var bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Floats(1, 2));
        var e = Assert.Throws<ModelFormatException>(() => Bramble.IO.Npy.Read(new UnseekableStream(bytes), "pipe"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RejectsHugeShapesWithoutAllocating()
    {
        // 10^12 floats claimed, 4 bytes present: must fail on the size check, not try to allocate 4 TB.
        var e = Bad(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }", Floats(1)));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RejectsTrailingBytes() =>
        Assert.Contains("unexpected bytes", Bad(Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Floats(1, 2))).Message);

    [Theory]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "unsupported .npy dtype '<c8'")]
    [InlineData("{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", "unsupported .npy dtype")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured")]
    [InlineData("{'descr': '<f4', 'shape': (1,), }", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", "shape")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", "out of range")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }", "shape")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", "malformed")]
    [InlineData("{'descr': '<f4' 'fortran_order': False}", "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing", "malformed")]
    [InlineData("{'descr': '<f4', 'fortran_order': Falsy, 'shape': (1,)}", "malformed")]
    [InlineData("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "duplicate")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }", "out of range")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': ((((((((((1,),),),),),),),),),), }", "too deep")]
    [InlineData("", "malformed")]
    public void RejectsBadHeaders(string dict, string expected) =>
        Assert.Contains(expected, Bad(Npy(dict, Floats(1))).Message);

    [Fact]
    public void RejectsImplausibleHeaderLength()
    {
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F };
        Assert.Contains("implausibly large", Bad(bytes).Message);
    }

    [Fact]
    public void RejectsInvalidUtf8InVersion3()
    {
        var bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Floats(1), major: 3);
        bytes[13] = 0xFF;
        Assert.Contains("UTF-8", Bad(bytes).Message);
    }

    [Fact]
    public void RejectsBoolBytesOtherThanZeroAndOne() =>
        Assert.Contains("invalid bool value 7", Bad(Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", [1, 7])).Message);

    [Fact]
    public void RandomBytesNeverCrash()
    {
        var random = new Random(1);
        var valid = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", Floats(1, 2, 3, 4));
        for (int trial = 0; trial < 500; trial++)
        {
            var bytes = (byte[])valid.Clone();
            // Corrupt a few header bytes (the data bytes can be anything).
            for (int k = 0; k < 3; k++) bytes[random.Next(64)] = (byte)random.Next(256);
            try
            {
                Read(bytes).Dispose();
            }
            catch (ModelFormatException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    [Fact]
    public void FileErrorsNameThePath()
    {
        using var dir = Support.TestResources.CreateTempDir();
        var e = Assert.Throws<ModelFormatException>(() => Bramble.IO.Npy.Read(dir.File("missing.npy")));
        Assert.Contains("missing.npy: file not found", e.Message);
        e = Assert.Throws<ModelFormatException>(() => Bramble.IO.Npy.Read(dir.Path));
        Assert.Contains("is a directory", e.Message);
    }

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
