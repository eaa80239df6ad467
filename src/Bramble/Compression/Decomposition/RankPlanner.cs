using Bramble.Kernels.Gemm;

namespace Bramble.Compression.Decomposition;

/// <summary>The ranks chosen for a list of layers (0 = left alone), what each layer was priced at, and why a layer was left alone.</summary>
internal sealed record RankPlan(int[] Ranks, RankCandidate[] Candidates, string[] Notes, string CostUnit)
{
    /// <summary>Set when a budget could not be met: every budgeted layer is at its cheapest rank on offer.</summary>
    public string? Warning { get; init; }
}

/// <summary>
/// Prices the candidate layers (MACs, or measured time at the ranks the request needs) and chooses their ranks:
/// explicit ranks and energy thresholds price only the rank they name (a layer it would not make cheaper is left
/// alone); a budget (--speedup, or milliseconds to save) prices a grid of ranks per layer and lets Zhang's criterion
/// (<see cref="RankSelection.ForBudget"/>) spend it.
/// </summary>
internal static class RankPlanner
{
    public static RankPlan Plan(IReadOnlyList<LayerInfo> layers, double[]?[] spectra, DecompositionOptions options)
    {
        Validate(options);
        bool timed = options.Cost == RankCost.Time;
        int tile = options.RankTile > 0 ? options.RankTile : timed ? GemmKernel.Select(options.Session.MaxIsa).MR : 1;
        var timer = timed ? options.Timer ?? new SessionLayerTimer(options.Method, options.Flatten, options.Session, options.TimingBatch, options.TimingRuns) : null;
        int n = layers.Count;
        // A fixed rank to price; 0 = price the grid (budgets); FullRank = the energy needs full rank; NotNamed = other layers were named.
        var requested = new int[n];
        for (int i = 0; i < n; i++) requested[i] = Requested(layers[i], spectra[i], options, tile);

        var candidates = new RankCandidate[n];
        for (int i = 0; i < n; i++)
        {
            var l = layers[i];
            int maxRank = LayerCosts.MaxRank(options.Method, l, options.Flatten);
            List<int> ranks = requested[i] > 0 ? [requested[i]] : Grid(LayerCosts.LargestUsefulRank(options.Method, l, options.Flatten, 1.0), timed ? tile : 1, timed ? options.TimedRanks : int.MaxValue);
            if (requested[i] < 0) ranks = [];
            double original;
            var priced = new List<RankOption>();
            if (timer != null)
            {
                var times = ranks.Count > 0 ? timer.Time(l, ranks) : new LayerTimes(double.NaN, []);
                original = times.OriginalMs;
                for (int k = 0; k < ranks.Count; k++) priced.Add(new RankOption(ranks[k], times.RankMs[k]));
            }
            else
            {
                original = l.Macs;
                // By MACs every rank is priced (cheap): an explicit rank beyond the useful range is then simply not offered.
                for (int r = 1; r <= maxRank; r++) priced.Add(new RankOption(r, LayerCosts.MacsAt(options.Method, l, r, options.Flatten)));
            }
            double gain = options.KeepUnprofitable ? 0 : timed ? options.MinimumTimeGain : options.MinimumGain;
            candidates[i] = new RankCandidate { OriginalCost = original, Options = RankCandidate.Profitable(original, priced, gain), Spectrum = spectra[i] };
        }

        var chosen = Choose(layers, candidates, requested, options, out string? warning);
        var notes = new string[n];
        for (int i = 0; i < n; i++)
        {
            if (chosen[i] > 0) continue;
            string unit = timed ? "time" : "MACs";
            if (requested[i] > 0) notes[i] = $"rank {requested[i]} would not save enough {unit}" + (timed && candidates[i].Options.Count == 0 ? $" (timed at {Cost(layers[i], requested[i], timer!)})" : "");
            else if (requested[i] == FullRank) notes[i] = "keeping the energy needs full rank";
            else if (requested[i] == NotNamed) notes[i] = "not named by --rank";
            else notes[i] = candidates[i].Options.Count == 0 ? $"no rank saves enough {unit}" : "left alone by rank selection";
        }
        return new RankPlan(chosen, candidates, notes, timer != null ? "ms (" + timer.Describe() + ")" : "MACs") { Warning = warning };
    }

    private static string Cost(LayerInfo l, int rank, ILayerTimer timer)
    {
        var t = timer.Time(l, [rank]); // memoised: no second measurement
        return $"{t.RankMs[0]:0.###} ms vs {t.OriginalMs:0.###} ms";
    }

    private static void Validate(DecompositionOptions options)
    {
        if (options.Speedup is double s && !(s >= 1)) throw new BrambleException($"--speedup must be at least 1, not {s}");
        if (options.Energy is double e && !(e > 0 && e <= 1)) throw new BrambleException($"--energy must be in (0, 1], not {e}");
        if (options.Rank is int r && r < 1) throw new BrambleException($"--rank must be at least 1, not {r}");
        if (options.SaveMs is double ms && !(ms >= 0)) throw new BrambleException($"milliseconds to save must be non-negative, not {ms}");
        if (options.SaveMs != null && options.Cost != RankCost.Time) throw new BrambleException("a time target needs time pricing (--cost time)");
        if (options.Speedup == null && options.SaveMs == null && options.Energy == null && options.Rank == null && options.LayerRanks.Count == 0)
            throw new BrambleException("choose ranks with --rank, --energy, --speedup or --target-ms");
        if (options.TimedRanks < 1) throw new BrambleException($"ranks timed per layer must be at least 1, not {options.TimedRanks}");
    }

    private const int FullRank = -1, NotNamed = -2;

    /// <summary>The one rank an explicit or energy request names for this layer (0 = a budget decides; or FullRank, NotNamed).</summary>
    private static int Requested(LayerInfo l, double[]? spectrum, DecompositionOptions options, int tile)
    {
        int maxRank = LayerCosts.MaxRank(options.Method, l, options.Flatten);
        if (options.LayerRanks.TryGetValue(l.Name, out int named))
        {
            if (named < 1) throw new BrambleException($"--rank {l.Name}={named}: rank must be at least 1");
            return Math.Min(named, maxRank);
        }
        if (options.Speedup != null || options.SaveMs != null) return 0;
        if (options.Energy is double energy)
        {
            if (spectrum == null) throw new BrambleException("this decomposition has no energy spectrum: give --rank or --speedup");
            int needed = RankSelection.NeededForEnergy(spectrum, energy);
            // Rounded up to the kernel's tile: same time, more energy.
            int rounded = Math.Min((needed + tile - 1) / tile * tile, maxRank);
            return rounded >= maxRank && !options.KeepUnprofitable ? FullRank : rounded;
        }
        if (options.Rank is int rank) return Math.Min(rank, maxRank);
        return NotNamed;
    }

    /// <summary>Multiples of <paramref name="tile"/> up to <paramref name="maxUseful"/> (or just it, when below one tile), thinned evenly to <paramref name="points"/>.</summary>
    internal static List<int> Grid(int maxUseful, int tile, int points)
    {
        var all = new List<int>();
        for (int r = tile; r <= maxUseful; r += tile) all.Add(r);
        if (all.Count == 0 && maxUseful > 0) all.Add(maxUseful);
        if (all.Count <= points) return all;
        var thinned = new List<int>();
        for (int k = 0; k < points; k++)
        {
            int r = all[(int)Math.Round((double)k * (all.Count - 1) / Math.Max(points - 1, 1))];
            if (!thinned.Contains(r)) thinned.Add(r);
        }
        return thinned;
    }

    private static int[] Choose(IReadOnlyList<LayerInfo> layers, RankCandidate[] candidates, int[] requested, DecompositionOptions options, out string? warning)
    {
        warning = null;
        int n = layers.Count;
        var ranks = new int[n];
        double total = 0;
        foreach (var c in candidates) total += double.IsFinite(c.OriginalCost) ? c.OriginalCost : 0;
        double? speedup = options.Speedup;
        double? budget = speedup is double x ? total / x : options.SaveMs is double ms ? total - ms : null;
        var budgeted = Enumerable.Range(0, n).Where(i => requested[i] == 0).ToList();
        if (budget is double b && budgeted.Count > 0)
        {
            // Layers with a named rank (or left alone) spend their share of the budget first.
            double fixedCost = 0;
            for (int i = 0; i < n; i++)
                if (requested[i] != 0 && double.IsFinite(candidates[i].OriginalCost))
                    fixedCost += Offered(candidates[i], requested[i]) ? candidates[i].CostAt(requested[i]) : candidates[i].OriginalCost;
            var subset = budgeted.Select(i => candidates[i]).ToList();
            int[] picked = subset.All(c => c.Spectrum != null)
                ? RankSelection.ForBudget(subset, b - fixedCost)
                : RankSelection.Uniform(subset, speedup ?? total / Math.Max(b, 1e-9));
            for (int k = 0; k < budgeted.Count; k++) ranks[budgeted[k]] = picked[k];
            double reached = fixedCost + RankSelection.TotalCost(subset, picked);
            if (reached > b * (1 + 1e-9))
                warning = $"the budget is out of reach: the cheapest ranks on offer take the layers from {total:0.###} to {reached:0.###} " +
                          $"({total / reached:0.00}x), not {b:0.###}";
        }
        for (int i = 0; i < n; i++)
            if (requested[i] > 0 && Offered(candidates[i], requested[i])) ranks[i] = requested[i];
        return ranks;
    }

    private static bool Offered(RankCandidate c, int rank) => c.Options.Any(o => o.Rank == rank);
}
