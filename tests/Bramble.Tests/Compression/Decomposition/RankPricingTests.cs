using Bramble.Compression.Decomposition;
using Bramble.Runtime;
using Xunit;

namespace Bramble.Tests.Compression.Decomposition;

/// <summary>Rank selection under priced costs: injected per-layer times (no timing asserts) and the real timer's probes.</summary>
public class RankPricingTests
{
    private static readonly SessionOptions Session = new() { Threads = 1 };

    /// <summary>Fixed times per layer and rank; records what it was asked.</summary>
    private sealed class FixedTimer(Func<LayerInfo, double> original, Func<LayerInfo, int, double> at) : ILayerTimer
    {
        public List<(string Layer, int Rank)> Asked { get; } = new();

        public LayerTimes Time(LayerInfo layer, IReadOnlyList<int> ranks)
        {
            foreach (int r in ranks) Asked.Add((layer.Name, r));
            return new LayerTimes(original(layer), ranks.Select(r => at(layer, r)).ToArray());
        }

        public string Describe() => "fixed";
    }

    // conv1 (3→8 @12²) never gets faster; conv2 (8→16 /s2) costs 0.5 ms per rank against 10 ms as it is.
    private static FixedTimer Timer() => new(l => l.Name == "conv1" ? 1.0 : 10.0, (l, r) => l.Name == "conv1" ? 1.2 : 0.5 * r);

    private static DecompositionResult Decompose(DecompositionOptions options)
    {
        using var model = SmallModels.Cnn();
        using var calibration = CalibrationSet.Random("x", [1, 3, 12, 12], 8, seed: 3);
        return Decomposer.Run(model, options with { Session = Session, Method = DecompositionMethod.Pca, Cost = RankCost.Time, RankTile = 2 }, calibration);
    }

    [Fact]
    public void Profitable_keeps_ranks_that_are_faster_and_not_dominated()
    {
        var priced = new[] { new RankOption(6, 4), new RankOption(12, 3.5), new RankOption(18, 6), new RankOption(24, 9.5), new RankOption(30, 12) };
        var kept = RankCandidate.Profitable(10, priced, 1.1);
        // 30 and 24 are not 1.1× faster than 10; 6 costs more than 12 (e.g. fell off the Winograd path): dominated.
        Assert.Equal([12, 18], kept.Select(o => o.Rank));
        Assert.Equal([12, 18, 24, 30], RankCandidate.Profitable(10, priced, 0).Select(o => o.Rank)); // gain 0: any cost, still undominated
    }

    [Fact]
    public void Grid_is_tile_multiples_thinned_to_the_point_count()
    {
        Assert.Equal([6, 12, 18, 24], RankPlanner.Grid(29, 6, 12));
        Assert.Equal([2, 6, 8, 12], RankPlanner.Grid(13, 2, 4));
        Assert.Equal([4], RankPlanner.Grid(4, 6, 12)); // below one tile: the largest useful rank itself
        Assert.Empty(RankPlanner.Grid(0, 6, 12));
    }

    [Fact]
    public void Time_budget_is_met_on_the_injected_times_and_layers_that_never_get_faster_are_left_alone()
    {
        var timer = Timer();
        using var result = Decompose(new DecompositionOptions { Speedup = 2, Timer = timer, TimedRanks = 4 });
        var conv1 = result.Layers.Single(l => l.Name == "conv1");
        var conv2 = result.Layers.Single(l => l.Name == "conv2");
        Assert.False(conv1.Decomposed);
        Assert.Contains("no rank saves enough time", conv1.Note);
        // Budget (1 + 10) / 2 = 5.5 with conv1 stuck at 1: conv2 at most 4.5 ms, i.e. rank ≤ 8 on the timed grid.
        Assert.Equal(8, conv2.Rank);
        Assert.Equal(4.0, conv2.CostAfter);
        Assert.True(result.Layers.Sum(l => l.CostAfter) <= 5.5);
        Assert.StartsWith("ms (fixed", result.CostUnit);
        // conv2's useful ranks by MACs are 1..13: tile multiples 2..12 thinned to four points.
        Assert.Equal([2, 6, 8, 12], timer.Asked.Where(a => a.Layer == "conv2").Select(a => a.Rank));
        Assert.All(timer.Asked, a => Assert.Equal(0, a.Rank % 2));
    }

    [Fact]
    public void Out_of_reach_budget_takes_the_cheapest_ranks_and_says_so()
    {
        using var result = Decompose(new DecompositionOptions { Speedup = 8, Timer = Timer() });
        // Cheapest on offer: conv1 as it is (1 ms) + conv2 at rank 2 (1 ms) = 2 ms, not 11 / 8.
        Assert.Equal(2, result.Layers.Single(l => l.Name == "conv2").Rank);
        Assert.Contains("out of reach", result.Warning);
        Assert.Contains("5.50x", result.Warning);
        using var reachable = Decompose(new DecompositionOptions { Speedup = 2, Timer = Timer() });
        Assert.Null(reachable.Warning);
    }

    [Fact]
    public void Milliseconds_to_save_are_taken_from_the_layers()
    {
        using var result = Decompose(new DecompositionOptions { SaveMs = 7, Timer = Timer() });
        double before = result.Layers.Sum(l => l.CostBefore), after = result.Layers.Sum(l => l.CostAfter);
        Assert.True(after <= before - 7, $"{before} -> {after}");
        // 11 − 7 = 4 ms left and conv1 keeps its 1 ms: conv2 ≤ 3 ms, rank 6 on the grid 2, 4, …, 12.
        Assert.Equal(6, result.Layers.Single(l => l.Name == "conv2").Rank);
    }

    [Fact]
    public void Energy_rank_is_rounded_up_to_the_tile_and_kept_only_if_faster()
    {
        var timer = Timer();
        using var result = Decompose(new DecompositionOptions { Energy = 0.9, Timer = timer });
        var conv2 = result.Layers.Single(l => l.Name == "conv2");
        Assert.True(conv2.Decomposed);
        Assert.Equal(0, conv2.Rank % 2);
        Assert.True(conv2.EnergyKept >= 0.9);
        Assert.Single(timer.Asked, a => a.Layer == "conv2"); // only the rank the energy names is timed
        var conv1 = result.Layers.Single(l => l.Name == "conv1");
        Assert.False(conv1.Decomposed);
    }

    [Fact]
    public void Explicit_rank_that_is_not_faster_is_left_alone_with_its_times()
    {
        using var result = Decompose(new DecompositionOptions { Rank = 4, Timer = Timer() });
        var conv1 = result.Layers.Single(l => l.Name == "conv1");
        Assert.False(conv1.Decomposed);
        Assert.Contains("1.2 ms vs 1 ms", conv1.Note);
        Assert.Equal(4, result.Layers.Single(l => l.Name == "conv2").Rank);
    }

    [Fact]
    public void Time_target_needs_time_pricing()
    {
        using var model = SmallModels.Cnn();
        using var calibration = CalibrationSet.Random("x", [1, 3, 12, 12], 4, seed: 3);
        var e = Assert.Throws<BrambleException>(() => Decomposer.Run(model, new DecompositionOptions { SaveMs = 1, Session = Session }, calibration));
        Assert.Contains("--cost time", e.Message);
    }

    [Theory]
    [InlineData(DecompositionMethod.Pca, FlattenMode.Cp)]
    [InlineData(DecompositionMethod.Spatial, FlattenMode.Cp)]
    [InlineData(DecompositionMethod.Flatten, FlattenMode.Cp)]
    [InlineData(DecompositionMethod.Flatten, FlattenMode.PerFilter)]
    [InlineData(DecompositionMethod.Svd, FlattenMode.Cp)]
    public void Session_timer_runs_every_method_probe_and_memoises(DecompositionMethod method, FlattenMode flatten)
    {
        using var model = SmallModels.Cnn();
        var shapes = Decomposer.ValueShapes(model, Session);
        var layer = LayerInfo.Find(model, shapes).First(l => LayerCosts.Applies(method, l));
        var timer = new SessionLayerTimer(method, flatten, Session, batch: 2, runs: 2);
        var first = timer.Time(layer, [1, 2]);
        Assert.True(double.IsFinite(first.OriginalMs) && first.OriginalMs > 0);
        Assert.All(first.RankMs, ms => Assert.True(double.IsFinite(ms) && ms > 0));
        var again = timer.Time(layer, [2, 1]);
        Assert.Equal(first.OriginalMs, again.OriginalMs);
        Assert.Equal(first.RankMs[1], again.RankMs[0]);
        Assert.Contains("batch 2", timer.Describe());
    }
}
