using Bramble.Compression.LinearAlgebra;

namespace Bramble.Compression.Decomposition;

/// <summary>A rank-r affine map of responses, y ≈ P·Qᵀ·x + b (P, Q: d×r).</summary>
public sealed record ResponseMap(DenseMatrix P, DenseMatrix Q, double[] B);

/// <summary>
/// Zhang et al.'s response reconstruction. Samples are columns: a d×n matrix holds n response vectors.
/// <list type="bullet">
/// <item>Linear, symmetric: PCA of the responses, P = Q = top-r eigenvectors V, b = ȳ − V·Vᵀ·ȳ.</item>
/// <item>Asymmetric: targets Y (the exact network) against inputs X (responses computed from the approximated
/// layers before): reduced-rank regression, M = C_yx·C_xx⁻¹, P = top-r eigenvectors of M·C_xy, Qᵀ = Pᵀ·M.</item>
/// <item>Nonlinear: minimise Σ‖ReLU(y) − ReLU(P·Qᵀ·x + b)‖² by alternating the closed-form per-element
/// auxiliary z (penalty λ‖z − (P·Qᵀ·x + b)‖², λ 0.01 then 1) with the reduced-rank regression onto z.</item>
/// </list>
/// </summary>
public static class ResponseFit
{
    /// <summary>Column means.</summary>
    public static double[] Mean(DenseMatrix samples)
    {
        var mean = new double[samples.Rows];
        for (int i = 0; i < samples.Rows; i++)
        {
            double s = 0;
            foreach (double v in samples.Row(i)) s += v;
            mean[i] = samples.Cols > 0 ? s / samples.Cols : 0;
        }
        return mean;
    }

    private static DenseMatrix Centered(DenseMatrix samples, double[] mean)
    {
        var c = samples.Clone();
        for (int i = 0; i < c.Rows; i++)
        {
            var row = c.Row(i);
            for (int j = 0; j < row.Length; j++) row[j] -= mean[i];
        }
        return c;
    }

    /// <summary>Covariance of the responses (d×d) and its eigen-decomposition: the PCA spectrum.</summary>
    public static EigenResult Spectrum(DenseMatrix samples)
    {
        var centered = Centered(samples, Mean(samples));
        var cov = DenseMatrix.GramOfRows(centered);
        Scale(cov, 1.0 / Math.Max(samples.Cols, 1));
        return SymmetricEigen.Decompose(cov);
    }

    /// <summary>Linear PCA reconstruction of <paramref name="y"/> at rank r (the symmetric case).</summary>
    public static ResponseMap Pca(DenseMatrix y, int rank, EigenResult? spectrum = null)
    {
        var mean = Mean(y);
        var eig = spectrum ?? Spectrum(y);
        var v = eig.Vectors.LeadingColumns(rank);
        return new ResponseMap(v, v, Offset(mean, v, v, mean));
    }

    /// <summary>Reduced-rank regression of targets <paramref name="t"/> on inputs <paramref name="x"/> (both d×n).</summary>
    public static ResponseMap Regress(DenseMatrix t, DenseMatrix x, int rank)
    {
        var tMean = Mean(t);
        var xMean = Mean(x);
        var tc = Centered(t, tMean);
        var xc = Centered(x, xMean);
        var cxx = DenseMatrix.GramOfRows(xc);
        var ctx = DenseMatrix.MultiplyTransposeB(tc, xc);
        // Scale cancels in M; a small ridge keeps dead (constant) channels from making C_xx singular.
        var m = Cholesky.SolveRight(ctx, cxx, relativeRidge: 1e-9);
        var fitted = DenseMatrix.MultiplyTransposeB(m, ctx); // M·C_xt = C_tx·C_xx⁻¹·C_xt, symmetric
        var eig = SymmetricEigen.Decompose(fitted);
        var p = eig.Vectors.LeadingColumns(rank);
        var q = DenseMatrix.MultiplyTransposeA(m, p); // Q = Mᵀ·P, so P·Qᵀ = P·Pᵀ·M
        return new ResponseMap(p, q, Offset(tMean, p, q, xMean));
    }

    /// <summary>Zhang's nonlinear reconstruction; starts from the linear fit and keeps the best iterate.</summary>
    public static ResponseMap Nonlinear(DenseMatrix y, DenseMatrix x, int rank, int iterations, bool symmetric)
    {
        var best = symmetric ? Pca(y, rank) : Regress(y, x, rank);
        var relu = y.Clone();
        for (int i = 0; i < relu.Data.Length; i++) relu.Data[i] = Math.Max(relu.Data[i], 0);
        double bestLoss = ReluLoss(relu, Apply(best, x));
        var current = best;
        var z = new DenseMatrix(y.Rows, y.Cols);
        for (int it = 0; it < iterations; it++)
        {
            double lambda = it < iterations / 2 ? 0.01 : 1.0;
            var u = Apply(current, x);
            for (int i = 0; i < z.Data.Length; i++) z.Data[i] = SolveZ(relu.Data[i], u.Data[i], lambda);
            current = Regress(z, x, rank);
            double loss = ReluLoss(relu, Apply(current, x));
            if (loss < bestLoss)
            {
                bestLoss = loss;
                best = current;
            }
        }
        return best;
    }

    /// <summary>argmin_z (r − max(z, 0))² + λ(z − u)², comparing the best z ≤ 0 with the best z ≥ 0.</summary>
    internal static double SolveZ(double r, double u, double lambda)
    {
        double z0 = Math.Min(u, 0);
        double c0 = r * r + lambda * (z0 - u) * (z0 - u);
        double z1 = Math.Max((r + lambda * u) / (1 + lambda), 0);
        double c1 = (r - z1) * (r - z1) + lambda * (z1 - u) * (z1 - u);
        return c0 <= c1 ? z0 : z1;
    }

    /// <summary>P·Qᵀ·x + b for every sample.</summary>
    public static DenseMatrix Apply(ResponseMap map, DenseMatrix x)
    {
        var inner = DenseMatrix.MultiplyTransposeA(map.Q, x);  // r×n
        var y = DenseMatrix.Multiply(map.P, inner);             // d×n
        for (int i = 0; i < y.Rows; i++)
        {
            var row = y.Row(i);
            for (int j = 0; j < row.Length; j++) row[j] += map.B[i];
        }
        return y;
    }

    private static double ReluLoss(DenseMatrix reluTarget, DenseMatrix fitted)
    {
        double s = 0;
        for (int i = 0; i < fitted.Data.Length; i++)
        {
            double e = reluTarget.Data[i] - Math.Max(fitted.Data[i], 0);
            s += e * e;
        }
        return s;
    }

    /// <summary>b = t̄ − P·Qᵀ·x̄.</summary>
    private static double[] Offset(double[] tMean, DenseMatrix p, DenseMatrix q, double[] xMean)
    {
        int d = p.Rows, r = p.Cols;
        var qx = new double[r];
        for (int k = 0; k < r; k++)
            for (int i = 0; i < q.Rows; i++) qx[k] += q[i, k] * xMean[i];
        var b = new double[d];
        for (int i = 0; i < d; i++)
        {
            double s = 0;
            for (int k = 0; k < r; k++) s += p[i, k] * qx[k];
            b[i] = tMean[i] - s;
        }
        return b;
    }

    private static void Scale(DenseMatrix m, double s)
    {
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] *= s;
    }
}
