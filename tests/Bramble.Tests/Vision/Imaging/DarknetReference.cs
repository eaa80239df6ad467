using System.Runtime.InteropServices;
using System.Text;
using Bramble.Tests.Support;

namespace Bramble.Tests.Vision.Imaging;

/// <summary>Darknet's own image functions (Debian's libdarknet.so), the reference Bramble's letterbox must match bit for bit.</summary>
internal static unsafe class DarknetReference
{
    // Loads the library off the test threads before the first [DllImport] call binds to it (see DarknetLibrary).
    static DarknetReference() => DarknetLibrary.Load();

    [StructLayout(LayoutKind.Sequential)]
    public struct DarknetImage
    {
        public int W, H, C;
        public float* Data;
    }

    [DllImport(ImagingTestData.DarknetLibrary, EntryPoint = "make_image")]
    public static extern DarknetImage MakeImage(int w, int h, int c);

    [DllImport(ImagingTestData.DarknetLibrary, EntryPoint = "free_image")]
    public static extern void FreeImage(DarknetImage image);

    [DllImport(ImagingTestData.DarknetLibrary, EntryPoint = "letterbox_image")]
    public static extern DarknetImage LetterboxImage(DarknetImage image, int w, int h);

    [DllImport(ImagingTestData.DarknetLibrary, EntryPoint = "resize_image")]
    public static extern DarknetImage ResizeImage(DarknetImage image, int w, int h);

    [DllImport(ImagingTestData.DarknetLibrary, EntryPoint = "load_image_color")]
    private static extern DarknetImage LoadImageColor(byte* filename, int w, int h);

    public static DarknetImage LoadImageColor(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = name) return LoadImageColor(p, 0, 0);
    }

    /// <summary>Darknet's planar float image of <paramref name="image"/> exactly as load_image_stb builds it: byte / 255. in double, stored as float.</summary>
    public static DarknetImage FromImage(Bramble.Vision.Imaging.Image image)
    {
        var rgb = image.ToRgb();
        var d = MakeImage(rgb.Width, rgb.Height, 3);
        for (int k = 0; k < 3; k++)
            for (int y = 0; y < rgb.Height; y++)
                for (int x = 0; x < rgb.Width; x++)
                    d.Data[k * rgb.Width * rgb.Height + y * rgb.Width + x] = (float)(rgb[x, y, k] / 255.0);
        return d;
    }

    public static float[] ToArray(DarknetImage image) => new ReadOnlySpan<float>(image.Data, image.W * image.H * image.C).ToArray();
}
