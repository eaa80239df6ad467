using Bramble.Training.Data;

namespace Bramble.Tests.Support;

/// <summary>Seeded noise images for training tests: one gray channel, labels cycling through ten classes.</summary>
internal static class RandomImages
{
    public static Dataset Create(int count, int size, int seed)
    {
        var r = new Random(seed);
        var pixels = new byte[count * size * size];
        r.NextBytes(pixels);
        return new Dataset(pixels, Enumerable.Range(0, count).Select(i => i % 10).ToArray(), 1, size, size,
            Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
    }
}
