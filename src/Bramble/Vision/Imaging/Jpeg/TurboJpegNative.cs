using System.Runtime.InteropServices;

namespace Bramble.Vision.Imaging;

/// <summary>
/// The subset of libjpeg-turbo's TurboJPEG C API (turbojpeg.h, libturbojpeg.so.0) Bramble uses. C's
/// <c>unsigned long</c> is 64-bit on 64-bit Linux but 32-bit on 32-bit ARM, hence <see cref="CULong"/>.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    private const string Library = "libturbojpeg.so.0";

    // Pixel formats (TJPF_*).
    public const int PixelRgb = 0, PixelGray = 6, PixelCmyk = 11;

    // Chroma subsampling (TJSAMP_*).
    public const int Subsample444 = 0, Subsample420 = 2, SubsampleGray = 3;

    // JPEG colour spaces (TJCS_*).
    public const int ColorspaceRgb = 0, ColorspaceYCbCr = 1, ColorspaceGray = 2, ColorspaceCmyk = 3, ColorspaceYcck = 4;

    // Flags (TJFLAG_*). LIMITSCANS (libjpeg-turbo >= 2.1; ignored by older versions) refuses progressive files
    // with hundreds of scans, a known way to make a tiny file take minutes to decode.
    public const int FlagAccurateDct = 4096, FlagLimitScans = 32768;

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    public static partial nint InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjInitCompress")]
    public static partial nint InitCompress();

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    public static partial int DecompressHeader3(nint handle, byte* jpegBuf, CULong jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    public static partial int Decompress2(nint handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf,
        int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library, EntryPoint = "tjCompress2")]
    public static partial int Compress2(nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library, EntryPoint = "tjFree")]
    public static partial void Free(byte* buffer);

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    public static partial int Destroy(nint handle);

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    public static partial nint GetErrorStr2(nint handle);

    /// <summary>The library's last error for <paramref name="handle"/>, as one line.</summary>
    public static string LastError(nint handle)
    {
        string? text = Marshal.PtrToStringUTF8(GetErrorStr2(handle));
        return string.IsNullOrWhiteSpace(text) ? "unknown error" : text.ReplaceLineEndings(" ").Trim();
    }
}
