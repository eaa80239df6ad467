using Bramble.Compression.LinearAlgebra;
using Xunit;

namespace Bramble.Tests.Compression.LinearAlgebra;

public class LinearAlgebraTests
{
    private static DenseMatrix RandomMatrix(int rows, int cols, int seed)
    {
        var random = new Random(seed);
        var m = new DenseMatrix(rows, cols);
        for (int i = 0; i < m.Data.Length; i++) m.Data[i] = random.NextDouble() * 2 - 1;
        return m;
    }

    private static double MaxAbsDiff(DenseMatrix a, DenseMatrix b)
    {
        Assert.Equal(a.Rows, b.Rows);
        Assert.Equal(a.Cols, b.Cols);
        double m = 0;
        for (int i = 0; i < a.Data.Length; i++) m = Math.Max(m, Math.Abs(a.Data[i] - b.Data[i]));
        return m;
    }

    private static void AssertOrthonormalColumns(DenseMatrix m, int columns, double tolerance)
    {
        var g = DenseMatrix.MultiplyTransposeA(m.LeadingColumns(columns), m.LeadingColumns(columns));
        Assert.True(MaxAbsDiff(g, DenseMatrix.Identity(columns)) < tolerance, "columns are not orthonormal");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(64)]
    public void Eigen_reconstructs_a_symmetric_matrix_with_orthonormal_vectors(int n)
    {
        var a = RandomMatrix(n, n, n);
        var sym = DenseMatrix.MultiplyTransposeB(a, a); // positive semi-definite
        for (int i = 0; i < n; i++) sym[i, i] -= 0.5;    // and some negative eigenvalues
        var eig = SymmetricEigen.Decompose(sym);
        AssertOrthonormalColumns(eig.Vectors, n, 1e-10);
        for (int i = 1; i < n; i++) Assert.True(eig.Values[i - 1] >= eig.Values[i], "eigenvalues must be descending");
        var lambda = new DenseMatrix(n, n);
        for (int i = 0; i < n; i++) lambda[i, i] = eig.Values[i];
        var rebuilt = DenseMatrix.MultiplyTransposeB(DenseMatrix.Multiply(eig.Vectors, lambda), eig.Vectors);
        Assert.True(MaxAbsDiff(rebuilt, sym) < 1e-9 * Math.Max(1, n));
    }

    [Fact]
    public void Eigen_of_a_diagonal_matrix_is_its_sorted_diagonal()
    {
        var d = new DenseMatrix(4, 4);
        double[] values = [3, -1, 7, 0];
        for (int i = 0; i < 4; i++) d[i, i] = values[i];
        var eig = SymmetricEigen.Decompose(d);
        Assert.Equal(new[] { 7.0, 3.0, 0.0, -1.0 }, eig.Values.Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal(1.0, Math.Abs(eig.Vectors[2, 0]), 12); // eigenvector of 7 is e_2
    }

    [Fact]
    public void Eigen_rejects_non_finite_input()
    {
        var m = DenseMatrix.Identity(3);
        m[1, 1] = double.NaN;
        Assert.Throws<BrambleException>(() => SymmetricEigen.Decompose(m));
    }

    [Theory]
    [InlineData(20, 7)]
    [InlineData(7, 20)]
    [InlineData(9, 9)]
    public void Svd_reconstructs_with_orthonormal_factors(int rows, int cols)
    {
        var a = RandomMatrix(rows, cols, rows * 31 + cols);
        var svd = Svd.Decompose(a);
        int k = Math.Min(rows, cols);
        Assert.Equal(k, svd.S.Length);
        AssertOrthonormalColumns(svd.U, k, 1e-9);
        AssertOrthonormalColumns(svd.V, k, 1e-9);
        var (l, r) = svd.Factors(k);
        Assert.True(MaxAbsDiff(DenseMatrix.MultiplyTransposeB(l, r), a) < 1e-10);
        for (int i = 1; i < k; i++) Assert.True(svd.S[i - 1] >= svd.S[i]);
    }

    [Fact]
    public void Svd_of_a_rank_deficient_matrix_has_zero_tail_and_exact_truncation()
    {
        var a = DenseMatrix.Multiply(RandomMatrix(12, 3, 1), RandomMatrix(3, 10, 2)); // rank 3
        var svd = Svd.Decompose(a);
        Assert.True(svd.S[2] > 1e-3);
        for (int i = 3; i < svd.S.Length; i++) Assert.True(svd.S[i] < 1e-6 * svd.S[0], $"σ{i} = {svd.S[i]}");
        var (l, r) = svd.Factors(3);
        Assert.True(MaxAbsDiff(DenseMatrix.MultiplyTransposeB(l, r), a) < 1e-9);
    }

    [Fact]
    public void Truncated_svd_error_is_the_discarded_singular_values()
    {
        var a = RandomMatrix(15, 11, 5);
        var svd = Svd.Decompose(a);
        var (l, r) = svd.Factors(4);
        var diff = DenseMatrix.MultiplyTransposeB(l, r);
        for (int i = 0; i < diff.Data.Length; i++) diff.Data[i] -= a.Data[i];
        double expected = Math.Sqrt(svd.S.Skip(4).Sum(s => s * s));
        Assert.Equal(expected, diff.FrobeniusNorm(), 9);
    }

    [Fact]
    public void Cholesky_solves_x_times_g_equals_b()
    {
        var a = RandomMatrix(8, 8, 3);
        var g = DenseMatrix.MultiplyTransposeB(a, a);
        for (int i = 0; i < 8; i++) g[i, i] += 1;
        var x = RandomMatrix(5, 8, 4);
        var b = DenseMatrix.Multiply(x, g);
        var solved = Cholesky.SolveRight(b, g, relativeRidge: 0);
        Assert.True(MaxAbsDiff(solved, x) < 1e-9);
    }

    [Theory]
    [InlineData(new[] { 6, 5, 3, 3 }, 2)]
    [InlineData(new[] { 5, 3, 3 }, 1)]
    public void Cp_recovers_an_exactly_low_rank_tensor(int[] dims, int rank)
    {
        var random = new Random(9);
        var factors = dims.Select(d => RandomMatrix(d, rank, random.Next())).ToArray();
        long total = dims.Aggregate(1L, (p, d) => p * d);
        var data = new double[total];
        var idx = new int[dims.Length];
        for (long flat = 0; flat < total; flat++)
        {
            long q = flat;
            for (int m = dims.Length - 1; m >= 0; m--) { idx[m] = (int)(q % dims[m]); q /= dims[m]; }
            double s = 0;
            for (int r = 0; r < rank; r++)
            {
                double p = 1;
                for (int m = 0; m < dims.Length; m++) p *= factors[m][idx[m], r];
                s += p;
            }
            data[flat] = s;
        }
        var cp = CpDecomposition.Decompose(data, dims, rank, maxIterations: 500, tolerance: 1e-14);
        Assert.True(cp.RelativeError < 1e-4, $"relative error {cp.RelativeError}");
    }

    [Fact]
    public void Cp_error_shrinks_as_rank_grows()
    {
        var data = RandomMatrix(1, 4 * 6 * 3 * 3, 11).Data;
        int[] dims = [4, 6, 3, 3];
        double e1 = CpDecomposition.Decompose(data, dims, 1).RelativeError;
        double e8 = CpDecomposition.Decompose(data, dims, 8).RelativeError;
        Assert.True(e8 < e1, $"rank 8 error {e8} not below rank 1 error {e1}");
        Assert.True(e1 < 1 && e1 > 0);
    }
}
