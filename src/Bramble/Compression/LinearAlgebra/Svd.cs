namespace Bramble.Compression.LinearAlgebra;

/// <summary>
/// Thin singular value decomposition A = U·diag(S)·Vᵀ, singular values descending.
/// Columns of U (or V) whose singular value is zero are left zero: they carry no part of A.
/// </summary>
public sealed record SvdResult(DenseMatrix U, double[] S, DenseMatrix V)
{
    /// <summary>Squared singular values: the "energy" a rank-r truncation keeps is the sum of the first r.</summary>
    public double[] Energies => S.Select(s => s * s).ToArray();

    /// <summary>
    /// The best rank-r factors A ≈ L·Rᵀ with L = U_r·diag(S_r) (rows × r) and R = V_r (cols × r).
    /// </summary>
    public (DenseMatrix Left, DenseMatrix Right) Factors(int rank)
    {
        rank = Math.Clamp(rank, 0, S.Length);
        var left = new DenseMatrix(U.Rows, rank);
        var right = new DenseMatrix(V.Rows, rank);
        for (int i = 0; i < U.Rows; i++)
            for (int r = 0; r < rank; r++) left[i, r] = U[i, r] * S[r];
        for (int i = 0; i < V.Rows; i++)
            for (int r = 0; r < rank; r++) right[i, r] = V[i, r];
        return (left, right);
    }
}

/// <summary>
/// SVD through the eigen-decomposition of the smaller Gram matrix (AᵀA or AAᵀ). Squaring the matrix
/// halves the relative precision of tiny singular values, which truncation discards anyway; in double
/// precision this is far below the float32 the weights are stored in. The larger side's singular
/// vectors come from A·v / σ, so full-rank products U·S·Vᵀ reproduce A to rounding.
/// </summary>
public static class Svd
{
    public static SvdResult Decompose(DenseMatrix a)
    {
        bool tall = a.Rows >= a.Cols;
        // Work with the orientation whose Gram matrix is small: B has at least as many rows as columns.
        var b = tall ? a : a.Transpose();
        var gram = DenseMatrix.MultiplyTransposeA(b, b);
        var eig = SymmetricEigen.Decompose(gram);
        int n = b.Cols;
        var s = new double[n];
        double largest = Math.Sqrt(Math.Max(eig.Values.Length > 0 ? eig.Values[0] : 0, 0));
        var bv = DenseMatrix.Multiply(b, eig.Vectors); // columns: B·v_j = σ_j·u_j
        var u = new DenseMatrix(b.Rows, n);
        for (int j = 0; j < n; j++)
        {
            double norm = 0;
            for (int i = 0; i < b.Rows; i++) norm += bv[i, j] * bv[i, j];
            norm = Math.Sqrt(norm);
            // σ from ‖B·v‖ rather than √λ: exact for the vector actually used, and never NaN.
            s[j] = norm;
            if (norm <= largest * 1e-14 || norm == 0)
            {
                s[j] = 0;
                continue;
            }
            for (int i = 0; i < b.Rows; i++) u[i, j] = bv[i, j] / norm;
        }
        // Re-sort: ‖B·v‖ may reorder nearly equal values.
        var order = Enumerable.Range(0, n).OrderByDescending(j => s[j]).ToArray();
        var sortedS = order.Select(j => s[j]).ToArray();
        var uu = Permute(u, order);
        var vv = Permute(eig.Vectors, order);
        return tall ? new SvdResult(uu, sortedS, vv) : new SvdResult(vv, sortedS, uu);
    }

    private static DenseMatrix Permute(DenseMatrix m, int[] order)
    {
        var p = new DenseMatrix(m.Rows, order.Length);
        for (int i = 0; i < m.Rows; i++)
            for (int j = 0; j < order.Length; j++) p[i, j] = m[i, order[j]];
        return p;
    }
}
