namespace Bramble.Runtime;

/// <summary>
/// Places buffers with known lifetimes in one arena so that buffers alive at the same time never
/// overlap (greedy by size, as TFLite's arena planner): the largest buffers are placed first, each at
/// the lowest offset that does not collide with an already placed buffer whose lifetime overlaps.
/// </summary>
public static class MemoryPlanner
{
    public const int Alignment = 64;

    /// <summary>A buffer request: <paramref name="Bytes"/> live from step <paramref name="First"/> to step <paramref name="Last"/> inclusive.</summary>
    public readonly record struct Request(long Bytes, int First, int Last);

    public sealed record Plan(long[] Offsets, long ArenaBytes, long TheoreticalMinimumBytes);

    public static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    public static Plan Place(IReadOnlyList<Request> requests)
    {
        int n = requests.Count;
        var offsets = new long[n];
        var order = Enumerable.Range(0, n)
            .OrderByDescending(i => requests[i].Bytes)
            .ThenBy(i => requests[i].First)
            .ToArray();
        var placed = new List<int>(n);
        long arena = 0;
        foreach (int i in order)
        {
            var r = requests[i];
            long size = Align(r.Bytes);
            // Collect address ranges of placed buffers alive at the same time, sorted by offset.
            var conflicts = placed
                .Where(j => requests[j].First <= r.Last && r.First <= requests[j].Last)
                .Select(j => (Start: offsets[j], End: offsets[j] + Align(requests[j].Bytes)))
                .OrderBy(c => c.Start)
                .ToList();
            long candidate = 0;
            foreach (var c in conflicts)
            {
                if (candidate + size <= c.Start) break;
                candidate = Math.Max(candidate, c.End);
            }
            offsets[i] = candidate;
            arena = Math.Max(arena, candidate + size);
            placed.Add(i);
        }
        return new Plan(offsets, arena, TheoreticalMinimum(requests));
    }

    /// <summary>The largest total size of buffers alive at any one step: no placement can use less.</summary>
    public static long TheoreticalMinimum(IReadOnlyList<Request> requests)
    {
        if (requests.Count == 0) return 0;
        int steps = requests.Max(r => r.Last) + 1;
        var delta = new long[steps + 1];
        foreach (var r in requests)
        {
            delta[r.First] += Align(r.Bytes);
            delta[r.Last + 1] -= Align(r.Bytes);
        }
        long live = 0, max = 0;
        for (int s = 0; s < steps; s++)
        {
            live += delta[s];
            max = Math.Max(max, live);
        }
        return max;
    }
}
