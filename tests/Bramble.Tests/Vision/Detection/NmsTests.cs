using Bramble.Vision.Detection;

namespace Bramble.Tests.Vision.Detection;

public class NmsTests
{
    [Fact]
    public void IouMatchesHandComputation()
    {
        var a = new DarknetBox(0.5f, 0.5f, 0.2f, 0.2f);
        var b = new DarknetBox(0.52f, 0.5f, 0.2f, 0.2f);
        // overlap 0.18 x 0.2 = 0.036; union 0.04 + 0.04 − 0.036 = 0.044
        Assert.Equal(0.036f / 0.044f, DarknetBox.Iou(a, b), 4);
        Assert.Equal(0f, DarknetBox.Iou(a, new DarknetBox(0.9f, 0.9f, 0.1f, 0.1f)));
        Assert.Equal(1f, DarknetBox.Iou(a, a), 6);
    }

    [Fact]
    public void SuppressesPerClassKeepingTheBest()
    {
        var a = new BoxCandidate(new DarknetBox(0.5f, 0.5f, 0.2f, 0.2f), 0.9f, [0.9f, 0f]);
        var b = new BoxCandidate(new DarknetBox(0.52f, 0.5f, 0.2f, 0.2f), 0.8f, [0.8f, 0.6f]);
        var c = new BoxCandidate(new DarknetBox(0.1f, 0.1f, 0.1f, 0.1f), 0.7f, [0.7f, 0f]);
        var dead = new BoxCandidate(new DarknetBox(0.5f, 0.5f, 0.2f, 0.2f), 0f, [0f, 0f]);
        var kept = Nms.DoNmsSort([b, dead, c, a], 2, 0.45f);
        Assert.Equal(3, kept.Count);
        Assert.DoesNotContain(dead, kept);
        Assert.Equal(0.9f, a.Probabilities[0]);
        Assert.Equal(0f, b.Probabilities[0]);   // IoU 0.82 with the better box a
        Assert.Equal(0.6f, b.Probabilities[1]); // class 1 has no better box: kept
        Assert.Equal(0.7f, c.Probabilities[0]); // far away: kept
    }

    [Fact]
    public void ThresholdIsStrict()
    {
        var a = new BoxCandidate(new DarknetBox(0.5f, 0.5f, 0.2f, 0.2f), 1, [0.9f]);
        var b = new BoxCandidate(new DarknetBox(0.52f, 0.5f, 0.2f, 0.2f), 1, [0.8f]);
        float iou = DarknetBox.Iou(a.Box, b.Box);
        Nms.DoNmsSort([a, b], 1, iou); // IoU equal to the threshold is not above it
        Assert.Equal(0.8f, b.Probabilities[0]);
        Nms.DoNmsSort([a, b], 1, iou * 0.999f);
        Assert.Equal(0f, b.Probabilities[0]);
    }
}
