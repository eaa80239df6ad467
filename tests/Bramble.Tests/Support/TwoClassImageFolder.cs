using Bramble.Vision.Imaging;

namespace Bramble.Tests.Support;

/// <summary>A tiny image-folder dataset for CLI tests: two trivially separable classes, "dark" and "bright" grey images.</summary>
internal static class TwoClassImageFolder
{
    /// <summary>Writes <paramref name="perClass"/> PNGs of <paramref name="side"/>² pixels into root/dark and root/bright.</summary>
    public static void Write(string root, int perClass = 12, int side = 12, int seed = 1)
    {
        var random = new Random(seed);
        foreach (var (cls, lo) in new[] { ("dark", 0), ("bright", 160) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++)
            {
                var image = new Image(side, side, 1);
                for (int p = 0; p < image.Pixels.Length; p++) image.Pixels[p] = (byte)(lo + random.Next(90));
                ImageIO.Save(image, Path.Combine(root, cls, $"{i}.png"));
            }
        }
    }
}
