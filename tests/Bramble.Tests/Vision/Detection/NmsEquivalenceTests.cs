using Bramble.Vision.Detection;

namespace Bramble.Tests.Vision.Detection;

/// <summary>
/// Nms.DoNmsSort skips boxes without the class; this checks it against a literal transcription of Darknet's
/// do_nms_sort (every box, every pair) on random candidate sets with many overlaps and zero probabilities.
/// </summary>
public class NmsEquivalenceTests
{
    [Theory]
    [InlineData(1, 40, 3)]
    [InlineData(2, 200, 5)]
    [InlineData(3, 500, 20)]
    public void MatchesDarknetsLoopOverAllBoxes(int seed, int count, int classes)
    {
        var ours = RandomCandidates(seed, count, classes);
        var reference = RandomCandidates(seed, count, classes);
        var kept = Nms.DoNmsSort(ours, classes, 0.45f);
        var expected = DarknetDoNmsSort(reference, classes, 0.45f);
        Assert.Equal(expected.Count, kept.Count);
        int suppressed = 0;
        for (int i = 0; i < kept.Count; i++)
        {
            Assert.Equal(expected[i].Box, kept[i].Box);
            Assert.Equal(expected[i].Probabilities, kept[i].Probabilities);
            suppressed += kept[i].Probabilities.Count(p => p == 0);
        }
        Assert.True(suppressed > 0, "the random set should exercise suppression");
    }

    private static List<BoxCandidate> RandomCandidates(int seed, int count, int classes)
    {
        var rng = new Random(seed);
        var list = new List<BoxCandidate>();
        for (int i = 0; i < count; i++)
        {
            var box = new DarknetBox((float)rng.NextDouble(), (float)rng.NextDouble(), 0.05f + 0.3f * (float)rng.NextDouble(), 0.05f + 0.3f * (float)rng.NextDouble());
            float objectness = rng.Next(10) == 0 ? 0 : (float)rng.NextDouble();
            var probs = new float[classes];
            for (int k = 0; k < classes; k++) probs[k] = rng.Next(3) == 0 ? 0 : (float)Math.Round(rng.NextDouble(), 2); // ties too
            list.Add(new BoxCandidate(box, objectness, probs));
        }
        return list;
    }

    /// <summary>do_nms_sort as Darknet writes it (with a stable sort for deterministic ties).</summary>
    private static List<BoxCandidate> DarknetDoNmsSort(List<BoxCandidate> all, int classes, float thresh)
    {
        var dets = all.Where(d => d.Objectness != 0).ToList();
        for (int k = 0; k < classes; k++)
        {
            var sorted = dets.OrderByDescending(d => d.Probabilities[k]).ToArray();
            for (int i = 0; i < sorted.Length; i++)
            {
                if (sorted[i].Probabilities[k] == 0) continue;
                for (int j = i + 1; j < sorted.Length; j++)
                    if (DarknetBox.Iou(sorted[i].Box, sorted[j].Box) > thresh) sorted[j].Probabilities[k] = 0;
            }
        }
        return dets;
    }
}
