namespace Bramble.Vision.Imaging;

/// <summary>
/// PNG's five per-row filters (None, Sub, Up, Average, Paeth). Filtering predicts each byte from the byte
/// <c>bpp</c> to the left, the byte above, and the byte above-left; the first row of each pass sees a zero row above.
/// </summary>
internal static class PngFilters
{
    public const int None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>Reverses filter <paramref name="type"/> on <paramref name="row"/> in place; false for an unknown type.</summary>
    public static bool Unfilter(int type, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = row.Length;
        switch (type)
        {
            case None:
                return true;
            case Sub:
                for (int i = bpp; i < n; i++) row[i] = (byte)(row[i] + row[i - bpp]);
                return true;
            case Up:
                for (int i = 0; i < n; i++) row[i] = (byte)(row[i] + prior[i]);
                return true;
            case Average:
                for (int i = 0; i < bpp && i < n; i++) row[i] = (byte)(row[i] + (prior[i] >> 1));
                for (int i = bpp; i < n; i++) row[i] = (byte)(row[i] + ((row[i - bpp] + prior[i]) >> 1));
                return true;
            case Paeth:
                for (int i = 0; i < bpp && i < n; i++) row[i] = (byte)(row[i] + prior[i]);
                for (int i = bpp; i < n; i++) row[i] = (byte)(row[i] + Predict(row[i - bpp], prior[i], prior[i - bpp]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes filter <paramref name="type"/> of <paramref name="row"/> (given the unfiltered row above) into <paramref name="output"/>.</summary>
    public static void Filter(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        int n = row.Length;
        for (int i = 0; i < n; i++)
        {
            int left = i >= bpp ? row[i - bpp] : 0;
            int up = prior[i];
            int upLeft = i >= bpp ? prior[i - bpp] : 0;
            int prediction = type switch
            {
                Sub => left,
                Up => up,
                Average => (left + up) >> 1,
                Paeth => Predict(left, up, upLeft),
                _ => 0,
            };
            output[i] = (byte)(row[i] - prediction);
        }
    }

    /// <summary>The Paeth predictor: whichever of left, up, upper-left is closest to left + up - upper-left (ties in that order).</summary>
    public static int Predict(int left, int up, int upLeft)
    {
        int p = left + up - upLeft;
        int pa = Math.Abs(p - left), pb = Math.Abs(p - up), pc = Math.Abs(p - upLeft);
        if (pa <= pb && pa <= pc) return left;
        return pb <= pc ? up : upLeft;
    }
}
