namespace Bramble.Compression.Decomposition;

/// <summary>One layer as rank selection sees it: its MACs now, what each rank costs, and the energy each rank keeps.</summary>
public sealed class RankCandidate
{
    public required long OriginalMacs { get; init; }

    /// <summary>MACs at rank r (1 ≤ r ≤ <see cref="MaxUsefulRank"/>).</summary>
    public required Func<int, long> MacsAt { get; init; }

    /// <summary>Largest rank that still saves MACs (0: decomposing never pays).</summary>
    public required int MaxUsefulRank { get; init; }

    /// <summary>Non-negative spectrum (PCA eigenvalues or squared singular values), descending; null when the method has none.</summary>
    public double[]? Spectrum { get; init; }

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
}

/// <summary>
/// Chooses ranks. 0 in a result means "leave the layer alone".
/// The budgeted choice is Zhang et al.'s: maximise Π_l E_l(r_l) (energy kept) subject to Σ_l C_l(r_l) ≤ budget,
/// greedily: starting from every layer undecomposed, repeatedly take the step (undecomposed → largest useful
/// rank, or r → r−1) that loses the least log-energy per MAC saved, until the budget is met.
/// </summary>
public static class RankSelection
{
    /// <summary>Smallest rank keeping at least <paramref name="energy"/> of the spectrum, or 0 when that rank would not save MACs.</summary>
    public static int ForEnergy(RankCandidate c, double energy)
    {
        if (c.Spectrum == null) throw new BrambleException("this decomposition has no energy spectrum: give --rank or --speedup");
        for (int r = 1; r <= c.Spectrum.Length; r++)
            if (c.EnergyAt(r) >= energy - 1e-12) return r <= c.MaxUsefulRank ? r : 0;
        return 0;
    }

    /// <summary>Ranks whose total cost (undecomposed layers at their own MACs) is at most <paramref name="budget"/>, maximising Π energy.</summary>
    public static int[] ForBudget(IReadOnlyList<RankCandidate> layers, double budget)
    {
        int n = layers.Count;
        var rank = new int[n];
        double total = layers.Sum(l => (double)l.OriginalMacs);
        while (total > budget)
        {
            int bestLayer = -1, bestRank = 0;
            double bestRatio = double.PositiveInfinity, bestSaving = 0;
            for (int i = 0; i < n; i++)
            {
                var l = layers[i];
                if (l.MaxUsefulRank == 0 || rank[i] == 1) continue;
                int next = rank[i] == 0 ? l.MaxUsefulRank : rank[i] - 1;
                double costNow = rank[i] == 0 ? l.OriginalMacs : l.MacsAt(rank[i]);
                double saving = costNow - l.MacsAt(next);
                if (saving <= 0) continue;
                double loss = Math.Log(Energy(l, rank[i])) - Math.Log(Energy(l, next));
                double ratio = loss / saving;
                if (ratio < bestRatio || (ratio == bestRatio && saving > bestSaving))
                {
                    bestRatio = ratio;
                    bestSaving = saving;
                    bestLayer = i;
                    bestRank = next;
                }
            }
            if (bestLayer < 0) break; // every layer is at rank 1: the budget is out of reach
            total -= bestSaving;
            rank[bestLayer] = bestRank;
        }
        return rank;
    }

    /// <summary>Without a spectrum (CP flattening): every layer gets the largest rank costing at most its MACs / speedup.</summary>
    public static int[] Uniform(IReadOnlyList<RankCandidate> layers, double speedup)
    {
        var ranks = new int[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            double limit = l.OriginalMacs / speedup;
            int best = 0;
            for (int r = 1; r <= l.MaxUsefulRank && l.MacsAt(r) <= limit; r++) best = r;
            // The target may be below rank 1's cost: rank 1 is then the fastest this method offers.
            ranks[i] = best == 0 && l.MaxUsefulRank > 0 ? 1 : best;
        }
        return ranks;
    }

    private static double Energy(RankCandidate l, int rank)
    {
        if (l.Spectrum == null) throw new BrambleException("budgeted rank selection needs an energy spectrum");
        if (rank == 0) return 1.0;
        return Math.Max(l.EnergyAt(rank), 1e-300);
    }
}
