using Bramble.Tests.Support;
using Bramble.Training.Data;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Training;

public class DataTests
{
    private static byte[] Idx(byte type, int[] dims, int dataBytes)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (int d in dims) bytes.AddRange(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(d)));
        bytes.AddRange(Enumerable.Range(0, dataBytes).Select(i => (byte)i));
        return bytes.ToArray();
    }

    [Fact]
    public void IdxReaderReadsShapeAndDataAndRejectsBadFiles()
    {
        var (data, shape) = IdxReader.Read(new MemoryStream(Idx(8, [2, 3], 6)), "t");
        Assert.Equal([2, 3], shape);
        Assert.Equal([0, 1, 2, 3, 4, 5], data);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => IdxReader.Read(new MemoryStream(Idx(8, [2, 3], 5)), "t")).Message);
        Assert.Throws<ModelFormatException>(() => IdxReader.Read(new MemoryStream(Idx(0x0d, [2], 8)), "t"));
        Assert.Throws<ModelFormatException>(() => IdxReader.Read(new MemoryStream([1, 2, 8, 1]), "t"));
        Assert.Throws<ModelFormatException>(() => IdxReader.Read(new MemoryStream(Idx(8, [65536, 65536], 0)), "t"));
        Assert.Throws<ModelFormatException>(() => IdxReader.Read(new MemoryStream(Idx(8, [-1], 0)), "t"));
    }

    [Fact]
    public void FashionMnistLoads()
    {
        if (TestResources.Require(TestResources.FashionMnistDir) == null) return;
        var test = FashionMnist.Load(train: false);
        Assert.Equal(10_000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(10, test.ClassNames.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c)));
    }

    private static Dataset Ramp(int count)
    {
        // Image i: every pixel of row y, column x is 10·i + x (labels i mod 2).
        var pixels = new byte[count * 9];
        for (int i = 0; i < count; i++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) pixels[i * 9 + y * 3 + x] = (byte)(10 * i + x);
        return new Dataset(pixels, Enumerable.Range(0, count).Select(i => i % 2).ToArray(), 1, 3, 3, ["a", "b"]);
    }

    [Fact]
    public void LoaderShufflesDeterministicallyAndCoversEverySample()
    {
        var data = Ramp(10);
        var a = new DataLoader(data, 4, shuffle: true, seed: 3);
        var b = new DataLoader(data, 4, shuffle: true, seed: 3);
        var seen = new List<float>();
        for (int epoch = 0; epoch < 2; epoch++)
        {
            a.StartEpoch(epoch);
            b.StartEpoch(epoch);
            var order = new List<float>();
            for (int i = 0; i < a.BatchCount; i++)
            {
                int n = a.GetBatch(i, out var sa, out _);
                var fromA = sa.ToArray();
                b.GetBatch(i, out var sb, out _);
                var fromB = sb.ToArray();
                var firstPixels = Enumerable.Range(0, n).Select(k => fromA[k * 9]).ToArray();
                Assert.Equal(firstPixels, Enumerable.Range(0, n).Select(k => fromB[k * 9]).ToArray());
                order.AddRange(firstPixels);
            }
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)(10 * i) * Dataset.Normalize).Order(), order.Order());
            seen.AddRange(order);
        }
        Assert.NotEqual(seen.Take(10), seen.Skip(10)); // a new order each epoch
        Assert.Equal(3, a.BatchCount);
    }

    [Fact]
    public void AugmentationFlipsAndShiftsWithinThePadding()
    {
        var data = Ramp(1);
        var flip = new DataLoader(data, 1, shuffle: false, new Augmentation { HorizontalFlip = true }, seed: 1);
        bool flipped = false, plain = false;
        for (int epoch = 0; epoch < 20; epoch++)
        {
            flip.StartEpoch(epoch);
            flip.GetBatch(0, out var s, out _);
            if (s[0] == 2 / 255f && s[2] == 0) flipped = true;
            if (s[0] == 0 && s[2] == 2 / 255f) plain = true;
        }
        Assert.True(flipped && plain);

        var crop = new DataLoader(data, 1, shuffle: false, new Augmentation { CropPadding = 1 }, seed: 1);
        for (int epoch = 0; epoch < 20; epoch++)
        {
            crop.StartEpoch(epoch);
            crop.GetBatch(0, out var s, out _);
            // Shifted by at most one pixel: each row is a window of 0,1,2 (with a zero entering at an edge).
            for (int y = 0; y < 3; y++)
            {
                var row = s.Slice(y * 3, 3).ToArray().Select(v => (int)MathF.Round(v * 255)).ToArray();
                Assert.Contains(string.Join(",", row), new[] { "0,1,2", "0,0,1", "1,2,0", "0,0,0" });
            }
        }
    }

    [Fact]
    public void ImageFolderDatasetReadsOneClassPerDirectory()
    {
        string root = Path.Combine(Path.GetTempPath(), "bramble-folder-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var (cls, value) in new[] { ("cats", 40), ("dogs", 200) })
            {
                Directory.CreateDirectory(Path.Combine(root, cls));
                for (int i = 0; i < 2; i++)
                {
                    var image = new Image(16, 8, 3);
                    Array.Fill(image.Pixels, (byte)(value + i));
                    ImageIO.Save(image, Path.Combine(root, cls, $"{i}.png"));
                }
            }
            File.WriteAllText(Path.Combine(root, "cats", "notes.txt"), "not an image");
            var data = ImageFolderDataset.Load(root, 4, 4, 1);
            Assert.Equal(["cats", "dogs"], data.ClassNames);
            Assert.Equal([0, 0, 1, 1], data.Labels);
            Assert.Equal([1, 4, 4], data.SampleShape);
            Assert.All(data.Pixels.Take(16), p => Assert.Equal(40, p));
            Assert.All(data.Pixels.Skip(48), p => Assert.Equal(201, p));
            Assert.Throws<BrambleException>(() => ImageFolderDataset.Load(Path.Combine(root, "missing"), 4, 4, 1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
