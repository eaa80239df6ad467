namespace Bramble.Compression.LinearAlgebra;

/// <summary>Eigenvalues (descending) and the matching orthonormal eigenvectors (columns of <see cref="Vectors"/>).</summary>
public sealed record EigenResult(double[] Values, DenseMatrix Vectors);

/// <summary>
/// Dense symmetric eigen-decomposition in double precision: Householder reduction to tridiagonal form
/// followed by the implicit QL algorithm with shifts (the EISPACK tred2/tql2 pair). O(n³); n up to a few
/// thousand. The QL rotations act on rows of the transposed eigenvector matrix so they run over
/// contiguous memory.
/// </summary>
public static class SymmetricEigen
{
    public static EigenResult Decompose(DenseMatrix a)
    {
        if (a.Rows != a.Cols) throw new ArgumentException($"eigen-decomposition needs a square matrix, got {a.Rows}x{a.Cols}");
        int n = a.Rows;
        if (n == 0) return new EigenResult([], new DenseMatrix(0, 0));
        foreach (double x in a.Data)
            if (!double.IsFinite(x)) throw new BrambleException("eigen-decomposition: the matrix contains NaN or infinity");
        var v = new double[n][];
        for (int i = 0; i < n; i++)
        {
            v[i] = new double[n];
            // Symmetrise: callers pass covariances accumulated in floating point.
            for (int j = 0; j < n; j++) v[i][j] = 0.5 * (a[i, j] + a[j, i]);
        }
        var d = new double[n];
        var e = new double[n];
        Tridiagonalize(v, d, e);
        // z[i] = eigenvector i (a row), so QL's plane rotations touch two contiguous rows.
        var z = new double[n][];
        for (int i = 0; i < n; i++)
        {
            z[i] = new double[n];
            for (int k = 0; k < n; k++) z[i][k] = v[k][i];
        }
        QlImplicit(z, d, e);

        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (p, q) => d[q].CompareTo(d[p]));
        var values = new double[n];
        var vectors = new DenseMatrix(n, n);
        for (int c = 0; c < n; c++)
        {
            values[c] = d[order[c]];
            var row = z[order[c]];
            for (int k = 0; k < n; k++) vectors[k, c] = row[k];
        }
        return new EigenResult(values, vectors);
    }

    /// <summary>Householder reduction: on return v holds the accumulated orthogonal transform, d the diagonal, e the sub-diagonal (e[0] = 0).</summary>
    private static void Tridiagonalize(double[][] v, double[] d, double[] e)
    {
        int n = d.Length;
        for (int j = 0; j < n; j++) d[j] = v[n - 1][j];
        for (int i = n - 1; i > 0; i--)
        {
            double scale = 0, h = 0;
            for (int k = 0; k < i; k++) scale += Math.Abs(d[k]);
            if (scale == 0)
            {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++)
                {
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                    v[j][i] = 0;
                }
            }
            else
            {
                for (int k = 0; k < i; k++)
                {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.Sqrt(h);
                if (f > 0) g = -g;
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) e[j] = 0;
                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    v[j][i] = f;
                    g = e[j] + v[j][j] * f;
                    for (int k = j + 1; k <= i - 1; k++)
                    {
                        g += v[k][j] * d[k];
                        e[k] += v[k][j] * f;
                    }
                    e[j] = g;
                }
                f = 0;
                for (int j = 0; j < i; j++)
                {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) e[j] -= hh * d[j];
                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) v[k][j] -= f * e[k] + g * d[k];
                    d[j] = v[i - 1][j];
                    v[i][j] = 0;
                }
            }
            d[i] = h;
        }
        for (int i = 0; i < n - 1; i++)
        {
            v[n - 1][i] = v[i][i];
            v[i][i] = 1;
            double h = d[i + 1];
            if (h != 0)
            {
                for (int k = 0; k <= i; k++) d[k] = v[k][i + 1] / h;
                for (int j = 0; j <= i; j++)
                {
                    double g = 0;
                    for (int k = 0; k <= i; k++) g += v[k][i + 1] * v[k][j];
                    for (int k = 0; k <= i; k++) v[k][j] -= g * d[k];
                }
            }
            for (int k = 0; k <= i; k++) v[k][i + 1] = 0;
        }
        for (int j = 0; j < n; j++)
        {
            d[j] = v[n - 1][j];
            v[n - 1][j] = 0;
        }
        v[n - 1][n - 1] = 1;
        e[0] = 0;
    }

    /// <summary>Implicit QL with Wilkinson-style shifts on the tridiagonal (d, e); rotations applied to the rows of z.</summary>
    private static void QlImplicit(double[][] z, double[] d, double[] e)
    {
        int n = d.Length;
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0;
        double f = 0, tst1 = 0;
        const double eps = 2.220446049250313e-16;
        int budget = 60 * n + 60; // QL converges in ~2 iterations per eigenvalue; the cap only guards against NaN loops
        for (int l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.Abs(e[m]) > eps * tst1) m++;
            if (m > l)
            {
                do
                {
                    if (--budget < 0) throw new BrambleException("eigen-decomposition did not converge");
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Hypot(p, 1);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1;
                    double el1 = e[l + 1];
                    double s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        Rotate(z[i], z[i + 1], c, s);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }

    /// <summary>(zi, zi1) ← (c·zi − s·zi1, s·zi + c·zi1).</summary>
    private static void Rotate(double[] zi, double[] zi1, double c, double s)
    {
        for (int k = 0; k < zi.Length; k++)
        {
            double h = zi1[k];
            zi1[k] = s * zi[k] + c * h;
            zi[k] = c * zi[k] - s * h;
        }
    }

    private static double Hypot(double a, double b)
    {
        a = Math.Abs(a);
        b = Math.Abs(b);
        if (a > b) return a * Math.Sqrt(1 + b / a * (b / a));
        return b == 0 ? 0 : b * Math.Sqrt(1 + a / b * (a / b));
    }
}
