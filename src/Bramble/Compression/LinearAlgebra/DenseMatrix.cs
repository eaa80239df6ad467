using System.Numerics;

namespace Bramble.Compression.LinearAlgebra;

/// <summary>
/// A small dense row-major matrix of doubles for the offline factorisations (PCA, SVD, CP): sizes up to a
/// few thousand, so plain O(n³) loops with SIMD inner loops are enough. Not used on any inference path.
/// </summary>
public sealed class DenseMatrix
{
    public DenseMatrix(int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), "matrix dimensions must be non-negative");
        Rows = rows;
        Cols = cols;
        Data = new double[(long)rows * cols];
    }

    public DenseMatrix(int rows, int cols, double[] data)
    {
        if (data.Length != (long)rows * cols) throw new ArgumentException($"{rows}x{cols} matrix needs {rows * cols} values, got {data.Length}");
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Row-major storage: element (i, j) is at i·Cols + j.</summary>
    public double[] Data { get; }

    public double this[int i, int j]
    {
        get => Data[(long)i * Cols + j];
        set => Data[(long)i * Cols + j] = value;
    }

    public Span<double> Row(int i) => Data.AsSpan(i * Cols, Cols);

    public static DenseMatrix Identity(int n)
    {
        var m = new DenseMatrix(n, n);
        for (int i = 0; i < n; i++) m[i, i] = 1;
        return m;
    }

    public DenseMatrix Clone() => new(Rows, Cols, (double[])Data.Clone());

    public DenseMatrix Transpose()
    {
        var t = new DenseMatrix(Cols, Rows);
        for (int i = 0; i < Rows; i++)
            for (int j = 0; j < Cols; j++) t[j, i] = this[i, j];
        return t;
    }

    /// <summary>The first <paramref name="count"/> columns.</summary>
    public DenseMatrix LeadingColumns(int count)
    {
        var m = new DenseMatrix(Rows, count);
        for (int i = 0; i < Rows; i++) Row(i)[..count].CopyTo(m.Row(i));
        return m;
    }

    /// <summary>A · B.</summary>
    public static DenseMatrix Multiply(DenseMatrix a, DenseMatrix b)
    {
        if (a.Cols != b.Rows) throw new ArgumentException($"cannot multiply {a.Rows}x{a.Cols} by {b.Rows}x{b.Cols}");
        var c = new DenseMatrix(a.Rows, b.Cols);
        for (int i = 0; i < a.Rows; i++)
        {
            var ci = c.Row(i);
            for (int k = 0; k < a.Cols; k++)
            {
                double s = a[i, k];
                if (s != 0) Axpy(s, b.Row(k), ci);
            }
        }
        return c;
    }

    /// <summary>Aᵀ · B without forming Aᵀ.</summary>
    public static DenseMatrix MultiplyTransposeA(DenseMatrix a, DenseMatrix b)
    {
        if (a.Rows != b.Rows) throw new ArgumentException($"cannot multiply ({a.Rows}x{a.Cols})ᵀ by {b.Rows}x{b.Cols}");
        var c = new DenseMatrix(a.Cols, b.Cols);
        for (int k = 0; k < a.Rows; k++)
        {
            var ak = a.Row(k);
            var bk = b.Row(k);
            for (int i = 0; i < a.Cols; i++)
                if (ak[i] != 0) Axpy(ak[i], bk, c.Row(i));
        }
        return c;
    }

    /// <summary>A · Bᵀ: every entry is a contiguous dot product.</summary>
    public static DenseMatrix MultiplyTransposeB(DenseMatrix a, DenseMatrix b)
    {
        if (a.Cols != b.Cols) throw new ArgumentException($"cannot multiply {a.Rows}x{a.Cols} by ({b.Rows}x{b.Cols})ᵀ");
        var c = new DenseMatrix(a.Rows, b.Rows);
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j < b.Rows; j++) c[i, j] = Dot(a.Row(i), b.Row(j));
        return c;
    }

    /// <summary>A · Aᵀ (symmetric; only half is computed).</summary>
    public static DenseMatrix GramOfRows(DenseMatrix a)
    {
        var g = new DenseMatrix(a.Rows, a.Rows);
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j <= i; j++) g[i, j] = g[j, i] = Dot(a.Row(i), a.Row(j));
        return g;
    }

    public double FrobeniusNorm() => Math.Sqrt(Dot(Data, Data));

    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length, i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
                acc += new Vector<double>(x[i..]) * new Vector<double>(y[i..]);
        double s = Vector.Sum(acc);
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y += s·x.</summary>
    public static void Axpy(double s, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vs = new Vector<double>(s);
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
                (new Vector<double>(y[i..]) + vs * new Vector<double>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < n; i++) y[i] += s * x[i];
    }
}
