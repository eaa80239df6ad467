using System.Buffers.Binary;
using System.IO.Compression;

namespace Bramble.Training.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw: a magic number
/// 0x00 0x00 type rank, big-endian int32 dimensions, then unsigned bytes. Only type 0x08 (ubyte) is used
/// by these datasets and supported.
/// </summary>
public static class IdxReader
{
    /// <summary>Upper bound on the element count, so a corrupt header cannot demand unbounded memory.</summary>
    public const long MaxElements = 1L << 30;

    public static (byte[] Data, int[] Shape) Read(string path)
    {
        using var file = File.OpenRead(path);
        Stream stream = file;
        var magic = new byte[2];
        file.ReadExactly(magic);
        file.Position = 0;
        if (magic[0] == 0x1f && magic[1] == 0x8b) stream = new GZipStream(file, CompressionMode.Decompress);
        using (stream) return Read(stream, path);
    }

    public static (byte[] Data, int[] Shape) Read(Stream stream, string source)
    {
        var header = new byte[4];
        ReadAll(stream, header, source, "header");
        if (header[0] != 0 || header[1] != 0) throw new ModelFormatException($"{source}: not an IDX file (bad magic at offset 0)");
        if (header[2] != 0x08) throw new ModelFormatException($"{source}: IDX element type 0x{header[2]:x2} is not supported (only unsigned bytes)");
        int rank = header[3];
        if (rank < 1 || rank > 4) throw new ModelFormatException($"{source}: IDX rank {rank} is outside 1..4 (offset 3)");
        var dims = new byte[4 * rank];
        ReadAll(stream, dims, source, "dimensions");
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] < 0) throw new ModelFormatException($"{source}: negative dimension {shape[i]} at offset {4 + 4 * i}");
            count *= shape[i];
            if (count > MaxElements) throw new ModelFormatException($"{source}: IDX header declares more than {MaxElements} elements");
        }
        var data = new byte[count];
        ReadAll(stream, data, source, "data");
        return (data, shape);
    }

    private static void ReadAll(Stream stream, byte[] buffer, string source, string what)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) throw new ModelFormatException($"{source}: truncated IDX {what} ({read} of {buffer.Length} bytes)");
            read += n;
        }
    }
}
