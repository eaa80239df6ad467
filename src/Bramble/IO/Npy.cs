using System.Buffers.Binary;
using System.Text;
using Bramble.Tensors;

namespace Bramble.IO;

/// <summary>
/// Reads and writes NumPy's .npy format (versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a version,
/// a header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 3), }</c>, then the raw elements.
/// Little-endian data is read as is, big-endian data is byte-swapped, Fortran-ordered data is transposed
/// into Bramble's row-major layout. Anything malformed is a one-line <see cref="ModelFormatException"/>.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy itself refuses headers over 10 kB by default; 1 MiB leaves room while bounding memory on bad input.
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Reads a .npy file into a new tensor the caller owns.</summary>
    public static Tensor Read(string path)
    {
        using var stream = OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads one .npy array from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static Tensor Read(Stream stream, string source = "(stream)")
    {
        var header = ReadHeader(stream, source, out long dataOffset);
        long bytes = checked(ShapeUtil.ElementCount(header.Shape) * header.Type.Size());
        if (stream.CanSeek)
        {
            long available = stream.Length - stream.Position;
            if (available < bytes)
                throw new ModelFormatException($"{source}: truncated .npy file: {ShapeUtil.Format(header.Shape)} {header.Type.Name()} needs {bytes} data bytes after offset {dataOffset}, found {available}");
            if (available > bytes)
                throw new ModelFormatException($"{source}: {available - bytes} unexpected bytes after the array data (offset {dataOffset + bytes}); is it an .npz or several arrays?");
        }

        var tensor = Tensor.Allocate(header.Type, header.Fortran ? Reversed(header.Shape) : header.Shape);
        try
        {
            ReadData(stream, tensor, bytes, source, dataOffset);
            if (header.SwapBytes) SwapBytes(tensor.AsSpan<byte>(), header.Type.Size());
            if (header.Type == DataType.Bool) CheckBools(tensor.AsSpan<byte>(), source, dataOffset);
            // Rank 0 and 1 Fortran data is already row-major.
            if (!header.Fortran || header.Shape.Length < 2) return tensor;
            var transposed = ReverseAxes(tensor);
            tensor.Dispose();
            return transposed;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="tensor"/> as a little-endian, C-ordered .npy file (version 1.0 unless the header needs 2.0).</summary>
    public static void Write(string path, Tensor tensor)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, tensor);
    }

    /// <summary>Writes <paramref name="tensor"/> as one .npy array to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        string descr = Descr(tensor.Type);
        string shape = tensor.Rank switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Data must start at a multiple of 64 bytes (numpy's alignment); the header ends with '\n'.
        int prefix = 6 + 2 + 2;
        int total = Align(prefix + dict.Length + 1, 64);
        int version = 1;
        if (total - prefix > ushort.MaxValue)
        {
            prefix = 6 + 2 + 4;
            total = Align(prefix + dict.Length + 1, 64);
            version = 2;
        }
        var head = new byte[total];
        Magic.CopyTo(head);
        head[6] = (byte)version;
        head[7] = 0;
        int headerLength = total - prefix;
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)headerLength);
        else BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)headerLength);
        Encoding.ASCII.GetBytes(dict, head.AsSpan(prefix));
        head.AsSpan(prefix + dict.Length, headerLength - dict.Length - 1).Fill((byte)' ');
        head[^1] = (byte)'\n';
        stream.Write(head);

        if (!BitConverter.IsLittleEndian)
        {
            using var copy = tensor.Clone();
            SwapBytes(copy.AsSpan<byte>(), copy.Type.Size());
            WriteData(stream, copy);
        }
        else
        {
            WriteData(stream, tensor);
        }
    }

    private static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new ModelFormatException($"{path}: is a directory, not a .npy file");
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: file not found");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    private static int Align(int n, int a) => (n + a - 1) / a * a;

    private sealed record Header(DataType Type, bool SwapBytes, bool Fortran, int[] Shape);

    private static Header ReadHeader(Stream stream, string source, out long dataOffset)
    {
        Span<byte> prefix = stackalloc byte[12];
        int got = ReadFully(stream, prefix[..8]);
        if (got < 8 || !prefix[..6].SequenceEqual(Magic))
            throw new ModelFormatException($"{source}: not a .npy file (missing the \\x93NUMPY magic at offset 0)");
        int major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0)
            throw new ModelFormatException($"{source}: unsupported .npy version {major}.{minor} (expected 1.0, 2.0 or 3.0)");
        int lengthBytes = major == 1 ? 2 : 4;
        if (ReadFully(stream, prefix.Slice(8, lengthBytes)) < lengthBytes)
            throw new ModelFormatException($"{source}: truncated .npy header at offset 8");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (headerLength > MaxHeaderBytes)
            throw new ModelFormatException($"{source}: .npy header of {headerLength} bytes is implausibly large (limit {MaxHeaderBytes})");
        var text = new byte[headerLength];
        if (ReadFully(stream, text) < headerLength)
            throw new ModelFormatException($"{source}: truncated .npy header (declared {headerLength} bytes at offset {8 + lengthBytes})");
        dataOffset = 8 + lengthBytes + headerLength;

        string dict;
        try
        {
            dict = major == 3
                ? new UTF8Encoding(false, true).GetString(text)
                : Encoding.Latin1.GetString(text);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelFormatException($"{source}: .npy v3 header is not valid UTF-8");
        }
        return ParseHeader(dict.TrimEnd('\n', ' ', '\0'), source);
    }

    private static Header ParseHeader(string text, string source)
    {
        Dictionary<string, object> fields;
        try
        {
            fields = new NpyHeaderParser(text).ParseDict();
        }
        catch (FormatException e)
        {
            throw new ModelFormatException($"{source}: malformed .npy header ({e.Message}): {Clip(text)}");
        }
        if (!fields.TryGetValue("descr", out var descrValue) || descrValue is not string descr)
            throw new ModelFormatException($"{source}: .npy header has no string 'descr' (structured dtypes are not supported): {Clip(text)}");
        if (!fields.TryGetValue("fortran_order", out var fortranValue) || fortranValue is not bool fortran)
            throw new ModelFormatException($"{source}: .npy header has no boolean 'fortran_order': {Clip(text)}");
        if (!fields.TryGetValue("shape", out var shapeValue) || shapeValue is not List<long> dims)
            throw new ModelFormatException($"{source}: .npy header has no integer tuple 'shape': {Clip(text)}");
        var shape = new int[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            if (dims[i] is < 0 or > int.MaxValue)
                throw new ModelFormatException($"{source}: .npy shape dimension {dims[i]} is out of range");
            shape[i] = (int)dims[i];
        }
        var (type, swap) = ParseDescr(descr, source);
        return new Header(type, swap, fortran, shape);
    }

    private static string Clip(string text) => text.Length <= 120 ? text.ReplaceLineEndings(" ") : text[..120].ReplaceLineEndings(" ") + "...";

    /// <summary>Maps a numpy type string such as '&lt;f4' to a DataType and whether its bytes need swapping.</summary>
    private static (DataType Type, bool Swap) ParseDescr(string descr, string source)
    {
        if (descr.Length < 2) throw UnknownDescr(descr, source);
        char order = descr[0];
        string code = order is '<' or '>' or '|' or '=' ? descr[1..] : descr;
        DataType type = code switch
        {
            "f4" => DataType.Float32,
            "f8" => DataType.Float64,
            "f2" => DataType.Float16,
            "i8" => DataType.Int64,
            "i4" => DataType.Int32,
            "i2" => DataType.Int16,
            "i1" => DataType.Int8,
            "u8" => DataType.UInt64,
            "u4" => DataType.UInt32,
            "u2" => DataType.UInt16,
            "u1" => DataType.UInt8,
            "b1" or "?" => DataType.Bool,
            _ => throw UnknownDescr(descr, source),
        };
        bool bigEndianData = order == '>' || (order == '=' && !BitConverter.IsLittleEndian);
        bool swap = type.Size() > 1 && bigEndianData == BitConverter.IsLittleEndian;
        return (type, swap);
    }

    private static ModelFormatException UnknownDescr(string descr, string source) =>
        new($"{source}: unsupported .npy dtype '{descr}' (supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool)");

    private static string Descr(DataType type) => type switch
    {
        DataType.Float32 => "<f4",
        DataType.Float64 => "<f8",
        DataType.Float16 => "<f2",
        DataType.Int64 => "<i8",
        DataType.Int32 => "<i4",
        DataType.Int16 => "<i2",
        DataType.Int8 => "|i1",
        DataType.UInt64 => "<u8",
        DataType.UInt32 => "<u4",
        DataType.UInt16 => "<u2",
        DataType.UInt8 => "|u1",
        DataType.Bool => "|b1",
        _ => throw new UnsupportedOperatorException($"cannot write a {type.Name()} tensor as .npy"),
    };

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static unsafe void ReadData(Stream stream, Tensor tensor, long bytes, string source, long dataOffset)
    {
        long done = 0;
        while (done < bytes)
        {
            int chunk = (int)Math.Min(bytes - done, 1 << 24);
            int n = ReadFully(stream, new Span<byte>(tensor.Data + done, chunk));
            done += n;
            if (n < chunk)
                throw new ModelFormatException($"{source}: truncated .npy file: needs {bytes} data bytes after offset {dataOffset}, found {done}");
        }
    }

    private static unsafe void WriteData(Stream stream, Tensor tensor)
    {
        long bytes = tensor.ByteLength;
        for (long done = 0; done < bytes;)
        {
            int chunk = (int)Math.Min(bytes - done, 1 << 24);
            stream.Write(new ReadOnlySpan<byte>(tensor.Data + done, chunk));
            done += chunk;
        }
    }

    private static void SwapBytes(Span<byte> data, int size)
    {
        for (int i = 0; i + size <= data.Length; i += size) data.Slice(i, size).Reverse();
    }

    // numpy writes bools as 0/1; anything else would make Bramble's bool kernels disagree with numpy.
    private static void CheckBools(Span<byte> data, string source, long dataOffset)
    {
        int bad = data.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0)
            throw new ModelFormatException($"{source}: invalid bool value {data[bad]} at offset {dataOffset + bad}");
    }

    private static int[] Reversed(int[] shape)
    {
        var r = (int[])shape.Clone();
        Array.Reverse(r);
        return r;
    }

    /// <summary>
    /// Fortran-order data of shape S is row-major data of shape reverse(S); reversing its axes gives the
    /// row-major array of shape S.
    /// </summary>
    private static unsafe Tensor ReverseAxes(Tensor source)
    {
        int rank = source.Rank;
        var outShape = Reversed(source.Shape);
        var result = Tensor.Allocate(source.Type, outShape);
        int size = source.Type.Size();
        var srcStrides = ShapeUtil.Strides(source.Shape);
        // Output axis d walks source axis rank-1-d.
        var stride = new long[rank];
        for (int d = 0; d < rank; d++) stride[d] = srcStrides[rank - 1 - d];
        var index = new int[rank];
        byte* src = source.Data, dst = result.Data;
        long count = result.Length;
        long offset = 0;
        for (long i = 0; i < count; i++)
        {
            Buffer.MemoryCopy(src + offset * size, dst + i * size, size, size);
            for (int d = rank - 1; d >= 0; d--)
            {
                offset += stride[d];
                if (++index[d] < outShape[d]) break;
                offset -= stride[d] * outShape[d];
                index[d] = 0;
            }
        }
        return result;
    }
}
