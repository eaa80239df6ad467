using System.IO.MemoryMappedFiles;
using System.Reflection;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// The read-only weight blob of a compiled model, seen as one pointer. An executable carries it appended
/// to its own file (after the single-file bundle, which the host locates by a header offset and so never
/// sees it) and maps it: pages come straight from the file, nothing is parsed or copied, and untouched
/// pages cost no memory. A class library carries it as a manifest resource instead.
/// </summary>
public sealed unsafe class WeightImage : IDisposable
{
    /// <summary>Ends every executable that carries weights: magic, then blob offset and length (little endian).</summary>
    public static ReadOnlySpan<byte> TrailerMagic => "BRMBLWTS"u8;
    public const int TrailerBytes = 32;

    private MemoryMappedFile? _file;
    private MemoryMappedViewAccessor? _view;
    private NativeBuffer? _copy;
    private bool _acquired;
    private readonly UnmanagedMemoryStream? _resource;

    private WeightImage(byte* pointer, long length, UnmanagedMemoryStream? resource = null)
    {
        Pointer = pointer;
        Length = length;
        _resource = resource;
    }

    /// <summary>First byte of the blob; 64-byte aligned.</summary>
    public byte* Pointer { get; }

    public long Length { get; }

    /// <summary>True when the blob is mapped from a file or image (not a heap copy).</summary>
    public bool IsMapped => _copy == null;

    /// <summary>
    /// Drops the resident pages of <paramref name="bytes"/> at <paramref name="start"/> (inside the image) once an
    /// operator has packed them into its own layout: a model's weights then count once in resident memory, not
    /// twice. Pages an operator still reads come back on first touch. Only mapped images release anything.
    /// </summary>
    public void ReleasePages(byte* start, long bytes)
    {
        if (_copy != null || _resource != null || start < Pointer || start + bytes > Pointer + Length) return;
        PageRelease.Release(start, bytes);
    }

    /// <summary>An empty image, for models without weights.</summary>
    public static WeightImage Empty()
    {
        var buffer = new NativeBuffer(0);
        return new WeightImage(buffer.Pointer, 0) { _copy = buffer };
    }

    /// <summary>Maps the blob appended to this process's executable; checks it is the expected size.</summary>
    public static WeightImage FromExecutable(long expectedLength)
    {
        string path = Environment.ProcessPath ?? throw new BrambleException("cannot locate the executable to map its weights");
        return FromAppendedFile(path, expectedLength);
    }

    /// <summary>Maps the blob appended to <paramref name="path"/> (an executable made by `bramble compile`).</summary>
    public static WeightImage FromAppendedFile(string path, long expectedLength)
    {
        if (expectedLength == 0) return Empty();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return MapAppended(stream, path, expectedLength);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Maps a plain weights file (the generated project's NAME.weights, used by `dotnet run` during development).</summary>
    public static WeightImage FromFile(string path, long expectedLength)
    {
        if (expectedLength == 0) return Empty();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            if (stream.Length != expectedLength)
                throw new BrambleException($"{path}: {stream.Length} bytes of weights, expected {expectedLength} (re-run bramble compile)");
            return Map(stream, 0, expectedLength);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The weights of a compiled executable: appended to the executable itself, or (running the generated
    /// project unpublished) <paramref name="fileName"/> beside the application.
    /// </summary>
    public static WeightImage ForExecutable(string fileName, long expectedLength)
    {
        if (expectedLength == 0) return Empty();
        string? exe = Environment.ProcessPath;
        if (exe != null && HasTrailer(exe)) return FromAppendedFile(exe, expectedLength);
        string beside = Path.Combine(AppContext.BaseDirectory, fileName);
        if (File.Exists(beside)) return FromFile(beside, expectedLength);
        throw new BrambleException($"{exe ?? "this executable"}: no weights appended and no {fileName} beside it (publish with bramble compile)");
    }

    private static bool HasTrailer(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length < TrailerBytes) return false;
            Span<byte> magic = stackalloc byte[8];
            stream.Position = stream.Length - TrailerBytes;
            stream.ReadExactly(magic);
            return magic.SequenceEqual(TrailerMagic);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static WeightImage MapAppended(FileStream stream, string path, long expectedLength)
    {
        long size = stream.Length;
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        if (size < TrailerBytes) throw Missing(path);
        stream.Position = size - TrailerBytes;
        stream.ReadExactly(trailer);
        if (!trailer[..8].SequenceEqual(TrailerMagic)) throw Missing(path);
        long offset = BitConverter.ToInt64(trailer[8..16]);
        long length = BitConverter.ToInt64(trailer[16..24]);
        if (length != expectedLength || offset < 0 || offset + length > size - TrailerBytes || offset % 4096 != 0)
            throw new BrambleException($"{path}: weight blob of {length} bytes at offset {offset} does not match the {expectedLength} bytes this code was generated for (re-run bramble compile)");
        return Map(stream, offset, length);
    }

    private static WeightImage Map(FileStream stream, long offset, long length)
    {
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new WeightImage(p + view.PointerOffset, length) { _file = file, _view = view, _acquired = true };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The blob embedded as manifest resource <paramref name="name"/> of <paramref name="assembly"/>.</summary>
    public static WeightImage FromResource(Assembly assembly, string name, long expectedLength)
    {
        if (expectedLength == 0) return Empty();
        var stream = assembly.GetManifestResourceStream(name)
            ?? throw new BrambleException($"{assembly.GetName().Name}: embedded weights '{name}' are missing (re-run bramble compile)");
        if (stream.Length != expectedLength)
            throw new BrambleException($"{assembly.GetName().Name}: embedded weights are {stream.Length} bytes, expected {expectedLength} (re-run bramble compile)");
        // A resource inside a mapped image is used in place when it happens to be aligned as kernels expect.
        if (stream is UnmanagedMemoryStream ums && (long)ums.PositionPointer % NativeBuffer.Alignment == 0)
            return new WeightImage(ums.PositionPointer, expectedLength, ums);
        var copy = new NativeBuffer(expectedLength);
        using (stream) stream.ReadExactly(new Span<byte>(copy.Pointer, checked((int)expectedLength)));
        return new WeightImage(copy.Pointer, expectedLength) { _copy = copy };
    }

    private static BrambleException Missing(string path) =>
        new($"{path}: no Bramble weight blob at the end of the file (was it published by bramble compile, then stripped or re-linked?)");

    public void Dispose()
    {
        if (_acquired) { _view!.SafeMemoryMappedViewHandle.ReleasePointer(); _acquired = false; }
        _view?.Dispose();
        _file?.Dispose();
        _copy?.Dispose();
        _resource?.Dispose();
    }
}
