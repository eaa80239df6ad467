using Bramble.Vision.Imaging;

namespace Bramble.Training.Data;

/// <summary>
/// A dataset from a directory with one sub-directory per class (sorted by name = class index), each
/// holding images (JPEG, PNG, PNM) that are converted to gray or RGB and resized to a fixed size.
/// </summary>
public static class ImageFolderDataset
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".pgm", ".ppm", ".pnm" };

    public static Dataset Load(string root, int width, int height, int channels)
    {
        if (channels is not (1 or 3)) throw new BrambleException($"image folder: channels must be 1 or 3, got {channels}");
        if (width < 1 || height < 1 || (long)width * height > 4096 * 4096) throw new BrambleException($"image folder: bad image size {width}x{height}");
        if (!Directory.Exists(root)) throw new BrambleException($"image folder '{root}' does not exist");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new BrambleException($"image folder '{root}' has no class sub-directories");
        var pixels = new List<byte>();
        var labels = new List<int>();
        var options = new PreprocessOptions
        {
            Width = width, Height = height, Channels = channels == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb, PixelScale = 1.0,
        };
        var buffer = new float[channels * width * height];
        for (int c = 0; c < classes.Length; c++)
        {
            var files = Directory.GetFiles(Path.Combine(root, classes[c])).Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var image = ImageIO.Load(file);
                Preprocessor.RunInto(image, options, buffer);
                foreach (float v in buffer) pixels.Add((byte)Math.Clamp(MathF.Round(v), 0, 255));
                labels.Add(c);
            }
        }
        if (labels.Count == 0) throw new BrambleException($"image folder '{root}' holds no images");
        return new Dataset(pixels.ToArray(), labels.ToArray(), channels, height, width, classes);
    }
}
