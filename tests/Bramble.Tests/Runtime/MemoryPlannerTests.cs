using Bramble.Runtime;

namespace Bramble.Tests.Runtime;

public class MemoryPlannerTests
{
    [Fact]
    public void PlacesAChainByHand()
    {
        // A chain a(0..1) -> b(1..2) -> c(2..3): a and c never live together, so c reuses a's bytes.
        var requests = new[]
        {
            new MemoryPlanner.Request(640, 0, 1),
            new MemoryPlanner.Request(128, 1, 2),
            new MemoryPlanner.Request(640, 2, 3),
        };
        var plan = MemoryPlanner.Place(requests);
        Assert.Equal(0, plan.Offsets[0]);
        Assert.Equal(0, plan.Offsets[2]);
        Assert.Equal(640, plan.Offsets[1]);
        Assert.Equal(768, plan.ArenaBytes);
        Assert.Equal(768, plan.TheoreticalMinimumBytes);
    }

    [Fact]
    public void AlignsEveryBufferTo64Bytes()
    {
        var plan = MemoryPlanner.Place([new(10, 0, 0), new(10, 0, 0), new(70, 0, 0)]);
        Assert.All(plan.Offsets, o => Assert.Equal(0, o % 64));
        Assert.Equal(128 + 64 + 64, plan.ArenaBytes);
    }

    [Fact]
    public void LiveBuffersNeverOverlapOnRandomSchedules()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(1, 30);
            var requests = Enumerable.Range(0, n).Select(_ =>
            {
                int first = random.Next(0, 20);
                return new MemoryPlanner.Request(random.Next(1, 5000), first, first + random.Next(0, 6));
            }).ToArray();
            var plan = MemoryPlanner.Place(requests);
            Assert.True(plan.ArenaBytes >= plan.TheoreticalMinimumBytes);
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                {
                    bool together = requests[i].First <= requests[j].Last && requests[j].First <= requests[i].Last;
                    if (!together) continue;
                    long ei = plan.Offsets[i] + requests[i].Bytes, ej = plan.Offsets[j] + requests[j].Bytes;
                    Assert.True(ei <= plan.Offsets[j] || ej <= plan.Offsets[i], $"trial {trial}: {i} and {j} overlap");
                }
        }
    }
}
