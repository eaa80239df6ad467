namespace Bramble.Compression.Decomposition;

/// <summary>One rank a layer may take and what the decomposed layer costs there (MACs, or measured ms).</summary>
public readonly record struct RankOption(int Rank, double Cost);

/// <summary>
/// One layer as rank selection sees it: its cost now, the ranks it may take with their costs, and the energy
/// each rank keeps. Costs are in one unit per selection (MACs or measured milliseconds).
/// </summary>
public sealed class RankCandidate
{
    /// <summary>Cost of the layer as it is.</summary>
    public required double OriginalCost { get; init; }

    /// <summary>
    /// Ranks worth taking, ascending, each strictly cheaper than every higher one and than the layer itself
    /// (see <see cref="Profitable"/>); empty = decomposing never pays.
    /// </summary>
    public required IReadOnlyList<RankOption> Options { get; init; }

    /// <summary>Non-negative spectrum (PCA eigenvalues or squared singular values), descending; null when the method has none.</summary>
    public double[]? Spectrum { get; init; }

    /// <summary>Largest rank on offer (0: none).</summary>
    public int MaxUsefulRank => Options.Count == 0 ? 0 : Options[^1].Rank;

    /// <summary>The cost of an offered rank; the original cost for rank 0.</summary>
    public double CostAt(int rank)
    {
        if (rank == 0) return OriginalCost;
        foreach (var o in Options)
            if (o.Rank == rank) return o.Cost;
        throw new ArgumentOutOfRangeException(nameof(rank), $"rank {rank} is not on offer");
    }

    /// <summary>Fraction of the spectrum's energy the first r components hold.</summary>
    public double EnergyAt(int rank)
    {
        if (Spectrum == null) return double.NaN;
        double total = 0, kept = 0;
        for (int i = 0; i < Spectrum.Length; i++)
        {
            double v = Math.Max(Spectrum[i], 0);
            total += v;
            if (i < rank) kept += v;
        }
        return total > 0 ? kept / total : 1;
    }

    /// <summary>
    /// The options worth offering among <paramref name="priced"/>: cheaper than the layer by at least
    /// <paramref name="minimumGain"/> (0: any cost), and not dominated (a lower rank that costs no less than a higher one keeps
    /// less energy for nothing — this happens with measured times, e.g. when a rank below the Winograd threshold
    /// falls back to a slower algorithm).
    /// </summary>
    public static List<RankOption> Profitable(double originalCost, IEnumerable<RankOption> priced, double minimumGain)
    {
        double limit = minimumGain > 0 ? originalCost / minimumGain : double.PositiveInfinity;
        var kept = new List<RankOption>();
        double cheapest = double.PositiveInfinity;
        foreach (var o in priced.OrderByDescending(o => o.Rank))
        {
            if (o.Cost > limit || o.Cost >= cheapest) continue;
            kept.Add(o);
            cheapest = o.Cost;
        }
        kept.Reverse();
        return kept;
    }
}

/// <summary>
/// Chooses ranks. 0 in a result means "leave the layer alone".
/// The budgeted choice is Zhang et al.'s: maximise Π_l E_l(r_l) (energy kept) subject to Σ_l C_l(r_l) ≤ budget,
/// greedily: starting from every layer undecomposed, repeatedly take the step (undecomposed → largest rank on
/// offer, or one rank down the offer list) that loses the least log-energy per unit of cost saved, until the
/// budget is met. C is whatever the candidates were priced in (MACs or measured time).
/// </summary>
public static class RankSelection
{
    /// <summary>Smallest offered rank keeping at least <paramref name="energy"/> of the spectrum, or 0 when no offered rank does.</summary>
    public static int ForEnergy(RankCandidate c, double energy)
    {
        if (c.Spectrum == null) throw new BrambleException("this decomposition has no energy spectrum: give --rank or --speedup");
        foreach (var o in c.Options)
            if (c.EnergyAt(o.Rank) >= energy - 1e-12) return o.Rank;
        return 0;
    }

    /// <summary>Smallest rank (1..spectrum length) keeping at least <paramref name="energy"/>, before any cost is considered.</summary>
    public static int NeededForEnergy(double[] spectrum, double energy)
    {
        var probe = new RankCandidate { OriginalCost = 0, Options = [], Spectrum = spectrum };
        for (int r = 1; r <= spectrum.Length; r++)
            if (probe.EnergyAt(r) >= energy - 1e-12) return r;
        return spectrum.Length;
    }

    /// <summary>Ranks whose total cost (undecomposed layers at their own cost) is at most <paramref name="budget"/>, maximising Π energy.</summary>
    public static int[] ForBudget(IReadOnlyList<RankCandidate> layers, double budget)
    {
        int n = layers.Count;
        var at = new int[n]; // index into Options, −1 = undecomposed
        Array.Fill(at, -1);
        double total = 0;
        foreach (var l in layers) total += l.OriginalCost;
        while (total > budget)
        {
            int bestLayer = -1;
            double bestRatio = double.PositiveInfinity, bestSaving = 0;
            for (int i = 0; i < n; i++)
            {
                var l = layers[i];
                int next = at[i] < 0 ? l.Options.Count - 1 : at[i] - 1;
                if (next < 0) continue;
                double costNow = at[i] < 0 ? l.OriginalCost : l.Options[at[i]].Cost;
                double saving = costNow - l.Options[next].Cost;
                if (saving <= 0) continue;
                double loss = Math.Log(Energy(l, at[i] < 0 ? 0 : l.Options[at[i]].Rank)) - Math.Log(Energy(l, l.Options[next].Rank));
                double ratio = loss / saving;
                if (ratio < bestRatio || (ratio == bestRatio && saving > bestSaving))
                {
                    bestRatio = ratio;
                    bestSaving = saving;
                    bestLayer = i;
                }
            }
            if (bestLayer < 0) break; // every layer is at its cheapest option: the budget is out of reach
            total -= bestSaving;
            at[bestLayer] = at[bestLayer] < 0 ? layers[bestLayer].Options.Count - 1 : at[bestLayer] - 1;
        }
        var ranks = new int[n];
        for (int i = 0; i < n; i++) ranks[i] = at[i] < 0 ? 0 : layers[i].Options[at[i]].Rank;
        return ranks;
    }

    /// <summary>Without a spectrum (CP flattening): every layer gets the largest offered rank costing at most its own cost / speedup.</summary>
    public static int[] Uniform(IReadOnlyList<RankCandidate> layers, double speedup)
    {
        var ranks = new int[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            double limit = l.OriginalCost / speedup;
            int best = 0;
            foreach (var o in l.Options)
                if (o.Cost <= limit) best = o.Rank;
            // The target may be below the cheapest rank's cost: that rank is then the fastest this method offers.
            ranks[i] = best == 0 && l.Options.Count > 0 ? l.Options[0].Rank : best;
        }
        return ranks;
    }

    /// <summary>Sum of the layers' costs at <paramref name="ranks"/> (0 = the layer's own cost).</summary>
    public static double TotalCost(IReadOnlyList<RankCandidate> layers, int[] ranks)
    {
        double total = 0;
        for (int i = 0; i < layers.Count; i++) total += layers[i].CostAt(ranks[i]);
        return total;
    }

    private static double Energy(RankCandidate l, int rank)
    {
        if (l.Spectrum == null) throw new BrambleException("budgeted rank selection needs an energy spectrum");
        if (rank == 0) return 1.0;
        return Math.Max(l.EnergyAt(rank), 1e-300);
    }
}
