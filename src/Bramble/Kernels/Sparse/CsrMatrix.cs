using Bramble.Tensors;

namespace Bramble.Kernels.Sparse;

/// <summary>
/// A float matrix in compressed sparse row form: row r's non-zeros are Values[RowStart[r]..RowStart[r+1])
/// at columns Columns[same range]. Built from dense weights once, at load time.
/// </summary>
public sealed class CsrMatrix
{
    public CsrMatrix(int rows, int columns, float[] values, int[] columnIndices, int[] rowStart)
    {
        Rows = rows;
        ColumnCount = columns;
        Values = values;
        Columns = columnIndices;
        RowStart = rowStart;
        Validate();
    }

    public int Rows { get; }
    public int ColumnCount { get; }
    public float[] Values { get; }
    public int[] Columns { get; }
    public int[] RowStart { get; }
    public int NonZeros => Values.Length;
    public double Sparsity => Rows * (long)ColumnCount == 0 ? 0 : 1.0 - (double)NonZeros / ((long)Rows * ColumnCount);

    /// <summary>The exactly-non-zero entries of a dense row-major [rows × columns] matrix.</summary>
    public static CsrMatrix FromDense(ReadOnlySpan<float> dense, int rows, int columns)
    {
        if ((long)rows * columns != dense.Length) throw new ShapeException($"CSR: {dense.Length} values are not {rows}x{columns}");
        int nnz = 0;
        foreach (float v in dense) if (v != 0f) nnz++;
        var values = new float[nnz];
        var cols = new int[nnz];
        var start = new int[rows + 1];
        int at = 0;
        for (int r = 0; r < rows; r++)
        {
            start[r] = at;
            for (int c = 0; c < columns; c++)
            {
                float v = dense[r * columns + c];
                if (v == 0f) continue;
                values[at] = v;
                cols[at++] = c;
            }
        }
        start[rows] = at;
        return new CsrMatrix(rows, columns, values, cols, start);
    }

    /// <summary>Reads the three tensors of an ai.bramble:SparseConv node (values, column indices, row starts).</summary>
    public static CsrMatrix FromTensors(Tensor values, Tensor columns, Tensor rowStart, int columnCount) =>
        new(checked((int)rowStart.Length - 1), columnCount, values.AsReadOnlySpan<float>().ToArray(),
            columns.AsReadOnlySpan<int>().ToArray(), rowStart.AsReadOnlySpan<int>().ToArray());

    // A malformed matrix would make the kernel read outside X: every index is checked once here.
    private void Validate()
    {
        if (Rows < 0 || RowStart.Length != Rows + 1 || Columns.Length != Values.Length)
            throw new ShapeException($"CSR: {RowStart.Length} row starts for {Rows} rows, {Columns.Length} column indices for {Values.Length} values");
        if (RowStart[0] != 0 || RowStart[Rows] != Values.Length)
            throw new ShapeException($"CSR: row starts must run from 0 to {Values.Length}");
        for (int r = 0; r < Rows; r++)
            if (RowStart[r + 1] < RowStart[r]) throw new ShapeException($"CSR: row starts decrease at row {r}");
        foreach (int c in Columns)
            if ((uint)c >= (uint)ColumnCount) throw new ShapeException($"CSR: column index {c} outside 0..{ColumnCount - 1}");
    }
}
