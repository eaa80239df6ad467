namespace Bramble.Compression.LinearAlgebra;

/// <summary>
/// A rank-R CP (CANDECOMP/PARAFAC) model X ≈ Σ_r F0[:, r] ⊗ F1[:, r] ⊗ … ⊗ F_{N−1}[:, r] of a dense
/// N-way tensor, and the relative error ‖X − X̂‖ / ‖X‖ it reached.
/// </summary>
public sealed record CpResult(DenseMatrix[] Factors, double RelativeError, int Iterations);

/// <summary>
/// CP decomposition by alternating least squares. Mode 0 should be the largest (filters): every iteration
/// costs two products of the mode-0 unfolding with an R-column matrix; the other modes reuse the tensor
/// contracted with F0 (which does not change while they are updated). Modes after the first start from
/// the leading eigenvectors of their unfolding's Gram matrix (HOSVD), padded with seeded random columns.
/// </summary>
public static class CpDecomposition
{
    /// <param name="data">Row-major tensor of shape <paramref name="dims"/>.</param>
    /// <param name="dims">The tensor's dimensions (modes); mode 0 should be the largest.</param>
    /// <param name="rank">Number of rank-1 terms.</param>
    /// <param name="maxIterations">Upper bound on ALS sweeps.</param>
    /// <param name="tolerance">Stop when the relative reconstruction error changes by less than this between sweeps.</param>
    /// <param name="seed">Seed of the random columns that pad the HOSVD start.</param>
    public static CpResult Decompose(ReadOnlySpan<double> data, int[] dims, int rank, int maxIterations = 50, double tolerance = 1e-7, int seed = 1)
    {
        if (dims.Length < 2) throw new ArgumentException("CP needs at least two modes");
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), "CP rank must be at least 1");
        long total = 1;
        foreach (int d in dims) total *= d;
        if (total != data.Length) throw new ArgumentException($"tensor of {data.Length} values does not have shape {string.Join("x", dims)}");
        int n0 = dims[0], rest = (int)(total / n0), modes = dims.Length;
        var x0 = new DenseMatrix(n0, rest, data.ToArray()); // mode-0 unfolding is the row-major layout itself
        double normSq = DenseMatrix.Dot(x0.Data, x0.Data);
        var factors = new DenseMatrix[modes];
        var random = new Random(seed);
        for (int m = 1; m < modes; m++) factors[m] = InitialFactor(x0, dims, m, rank, random);
        factors[0] = new DenseMatrix(n0, rank);
        if (normSq == 0) return new CpResult(factors, 0, 0);

        // Index of each mode (>0) for every column of the mode-0 unfolding.
        var index = new int[modes][];
        for (int m = 1; m < modes; m++) index[m] = new int[rest];
        for (int p = 0; p < rest; p++)
        {
            int q = p;
            for (int m = modes - 1; m >= 1; m--)
            {
                index[m][p] = q % dims[m];
                q /= dims[m];
            }
        }

        double previous = double.MaxValue, error = 1;
        int iteration = 0;
        while (iteration < maxIterations)
        {
            iteration++;
            // Mode 0: F0 = X_(0) · KR(F1..) · (⊛ FmᵀFm)⁻¹.
            var kr = KhatriRao(factors, index, rest, rank, skip: -1);
            var m0 = DenseMatrix.Multiply(x0, kr);
            factors[0] = Cholesky.SolveRight(m0, HadamardGram(factors, skip: 0));
            // X̂ inner products give the error without reconstructing the tensor.
            double inner = DenseMatrix.Dot(factors[0].Data, m0.Data);
            double hatSq = HadamardGramAll(factors);
            error = Math.Sqrt(Math.Max(normSq - 2 * inner + hatSq, 0) / normSq);

            // Remaining modes from T = X_(0)ᵀ·F0 (rest × R).
            var t = DenseMatrix.MultiplyTransposeA(x0, factors[0]);
            for (int m = 1; m < modes; m++)
            {
                var mm = new DenseMatrix(dims[m], rank);
                var weights = KhatriRao(factors, index, rest, rank, skip: m);
                for (int p = 0; p < rest; p++)
                {
                    var tp = t.Row(p);
                    var wp = weights.Row(p);
                    var target = mm.Row(index[m][p]);
                    for (int r = 0; r < rank; r++) target[r] += tp[r] * wp[r];
                }
                factors[m] = Cholesky.SolveRight(mm, HadamardGram(factors, skip: m));
            }
            NormalizeIntoFirst(factors);
            if (Math.Abs(previous - error) < tolerance) break;
            previous = error;
        }
        // Final error for the factors actually returned.
        var final = KhatriRao(factors, index, rest, rank, skip: -1);
        double errSq = 0;
        for (int i = 0; i < n0; i++)
        {
            var fi = factors[0].Row(i);
            var xi = x0.Row(i);
            for (int p = 0; p < rest; p++)
            {
                double diff = xi[p] - DenseMatrix.Dot(fi, final.Row(p));
                errSq += diff * diff;
            }
        }
        return new CpResult(factors, Math.Sqrt(errSq / normSq), iteration);
    }

    /// <summary>Row p = elementwise product over modes m ≥ 1 (except <paramref name="skip"/>) of F_m[index_m(p), :].</summary>
    private static DenseMatrix KhatriRao(DenseMatrix[] factors, int[][] index, int rest, int rank, int skip)
    {
        var kr = new DenseMatrix(rest, rank);
        for (int p = 0; p < rest; p++)
        {
            var row = kr.Row(p);
            row.Fill(1);
            for (int m = 1; m < factors.Length; m++)
            {
                if (m == skip) continue;
                var f = factors[m].Row(index[m][p]);
                for (int r = 0; r < rank; r++) row[r] *= f[r];
            }
        }
        return kr;
    }

    private static DenseMatrix HadamardGram(DenseMatrix[] factors, int skip)
    {
        int rank = factors[0].Cols;
        var g = new DenseMatrix(rank, rank);
        Array.Fill(g.Data, 1.0);
        for (int m = 0; m < factors.Length; m++)
        {
            if (m == skip) continue;
            var gm = DenseMatrix.MultiplyTransposeA(factors[m], factors[m]);
            for (int i = 0; i < g.Data.Length; i++) g.Data[i] *= gm.Data[i];
        }
        return g;
    }

    private static double HadamardGramAll(DenseMatrix[] factors)
    {
        var g = HadamardGram(factors, skip: -1);
        double s = 0;
        foreach (double v in g.Data) s += v;
        return s;
    }

    /// <summary>Unit-norm columns in modes ≥ 1, scale moved into mode 0 (keeps ALS well conditioned).</summary>
    private static void NormalizeIntoFirst(DenseMatrix[] factors)
    {
        int rank = factors[0].Cols;
        for (int m = 1; m < factors.Length; m++)
            for (int r = 0; r < rank; r++)
            {
                double norm = 0;
                for (int i = 0; i < factors[m].Rows; i++) norm += factors[m][i, r] * factors[m][i, r];
                norm = Math.Sqrt(norm);
                if (norm == 0) continue;
                for (int i = 0; i < factors[m].Rows; i++) factors[m][i, r] /= norm;
                for (int i = 0; i < factors[0].Rows; i++) factors[0][i, r] *= norm;
            }
    }

    /// <summary>Leading eigenvectors of the mode-m unfolding's Gram matrix, then seeded random unit columns.</summary>
    private static DenseMatrix InitialFactor(DenseMatrix x0, int[] dims, int m, int rank, Random random)
    {
        int size = dims[m];
        int inner = 1;
        for (int k = m + 1; k < dims.Length; k++) inner *= dims[k];
        int outer = x0.Data.Length / (size * inner);
        var gram = new DenseMatrix(size, size);
        var data = x0.Data;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < size; i++)
                for (int j = 0; j <= i; j++)
                {
                    var a = data.AsSpan((o * size + i) * inner, inner);
                    var b = data.AsSpan((o * size + j) * inner, inner);
                    gram[i, j] += DenseMatrix.Dot(a, b);
                }
        for (int i = 0; i < size; i++)
            for (int j = 0; j < i; j++) gram[j, i] = gram[i, j];
        var eig = SymmetricEigen.Decompose(gram);
        var f = new DenseMatrix(size, rank);
        for (int r = 0; r < rank; r++)
        {
            if (r < size)
            {
                for (int i = 0; i < size; i++) f[i, r] = eig.Vectors[i, r];
                continue;
            }
            double norm = 0;
            for (int i = 0; i < size; i++) norm += (f[i, r] = random.NextDouble() * 2 - 1) * f[i, r];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < size; i++) f[i, r] /= norm;
        }
        return f;
    }
}
