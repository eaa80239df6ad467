using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

/// <summary>
/// Files from Debian packages the imaging tests read, and small shared helpers. Missing files fail the test
/// under CI (CI=true) and skip it (return early) elsewhere, via the shared TestResources.
/// </summary>
internal static class ImagingTestData
{
    public const string DogJpeg = "/usr/share/darknet/data/dog.jpg";
    public const string DarknetLibrary = Support.DarknetLibrary.Path;

    /// <summary>True if <paramref name="path"/> exists; otherwise fails the test under CI, returns false locally.</summary>
    public static bool Require(string path) => Bramble.Tests.Support.TestResources.Require(path) != null;

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
