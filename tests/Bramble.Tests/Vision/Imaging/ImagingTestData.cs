using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

/// <summary>
/// Files from Debian packages the imaging tests read. Missing files fail the test under CI (CI=true) and skip it
/// (return early) elsewhere; stands in for the shared TestResources helper until that lands.
/// </summary>
internal static class ImagingTestData
{
    public const string DogJpeg = "/usr/share/darknet/data/dog.jpg";
    public const string DarknetLibrary = "/usr/lib/darknet/libdarknet.so";

    /// <summary>True if <paramref name="path"/> exists; otherwise throws under CI, returns false locally.</summary>
    public static bool Require(string path)
    {
        if (File.Exists(path)) return true;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"required test file {path} is missing (install the Debian package that provides it)");
        return false;
    }

    /// <summary>Asserts the exception message is the one-line kind Bramble promises and mentions <paramref name="parts"/>.</summary>
    public static void AssertOneLine(Exception e, params string[] parts)
    {
        Assert.DoesNotContain('\n', e.Message);
        foreach (var part in parts) Assert.Contains(part, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    public static Image RandomImage(Random random, int width, int height, int channels)
    {
        var image = new Image(width, height, channels);
        random.NextBytes(image.Pixels);
        return image;
    }
}
