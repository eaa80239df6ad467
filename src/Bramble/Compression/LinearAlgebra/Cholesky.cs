namespace Bramble.Compression.LinearAlgebra;

/// <summary>
/// Solves symmetric positive (semi-)definite systems by Cholesky factorisation. A relative ridge is
/// added on the diagonal so rank-deficient Gram matrices (dead filters, repeated factors) still give a
/// stable least-squares answer instead of an exception.
/// </summary>
public static class Cholesky
{
    /// <summary>Returns X with X·G = B (G symmetric, n×n; B m×n): the normal-equations solve of ALS and ridge regression.</summary>
    public static DenseMatrix SolveRight(DenseMatrix b, DenseMatrix g, double relativeRidge = 1e-10)
    {
        int n = g.Rows;
        if (g.Cols != n || b.Cols != n) throw new ArgumentException($"cannot solve X·G = B with G {g.Rows}x{g.Cols} and B {b.Rows}x{b.Cols}");
        var l = Factor(g, relativeRidge);
        var x = b.Clone();
        // X·L·Lᵀ = B: each row of X solves L·Lᵀ·xᵀ = bᵀ.
        for (int r = 0; r < x.Rows; r++)
        {
            var row = x.Row(r);
            for (int i = 0; i < n; i++)
            {
                double s = row[i];
                for (int k = 0; k < i; k++) s -= l[i, k] * row[k];
                row[i] = s / l[i, i];
            }
            for (int i = n - 1; i >= 0; i--)
            {
                double s = row[i];
                for (int k = i + 1; k < n; k++) s -= l[k, i] * row[k];
                row[i] = s / l[i, i];
            }
        }
        return x;
    }

    /// <summary>Lower-triangular L with L·Lᵀ = G + ridge·mean(diag G)·I.</summary>
    public static DenseMatrix Factor(DenseMatrix g, double relativeRidge)
    {
        int n = g.Rows;
        double trace = 0;
        for (int i = 0; i < n; i++) trace += Math.Abs(g[i, i]);
        double ridge = relativeRidge * (n > 0 ? trace / n : 0) + double.Epsilon;
        var l = new DenseMatrix(n, n);
        for (int j = 0; j < n; j++)
        {
            var lj = l.Row(j)[..j];
            double diag = g[j, j] + ridge - DenseMatrix.Dot(lj, lj);
            // Round-off can leave a semi-definite pivot slightly negative: clamp to the ridge.
            if (!(diag > ridge * 1e-3)) diag = Math.Max(ridge, 1e-300);
            double ljj = Math.Sqrt(diag);
            l[j, j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                l[i, j] = (g[i, j] - DenseMatrix.Dot(l.Row(i)[..j], lj)) / ljj;
            }
        }
        return l;
    }
}
