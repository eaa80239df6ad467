namespace Bramble.Vision.Imaging;

/// <summary>
/// Resizes one float plane (row-major, <c>sw * sh</c> values) into another (<c>dw * dh</c>). Each filter is a
/// plain reference implementation; preprocessing runs once per frame, far from the inference hot path.
/// </summary>
internal static class Resampler
{
    public static void Resize(Interpolation filter, ReadOnlySpan<float> src, int sw, int sh, Span<float> dst, int dw, int dh, float[] scratch)
    {
        switch (filter)
        {
            case Interpolation.Nearest: Nearest(src, sw, sh, dst, dw, dh); break;
            case Interpolation.Darknet: Darknet(src, sw, sh, dst, dw, dh, scratch); break;
            default: Bilinear(src, sw, sh, dst, dw, dh, scratch); break;
        }
    }

    /// <summary>Scratch floats <see cref="Resize"/> needs for these sizes.</summary>
    public static int ScratchSize(int sh, int dw) => dw * sh;

    /// <summary>Nearest neighbour: source index floor(d * s / d_size), OpenCV's INTER_NEAREST convention.</summary>
    public static void Nearest(ReadOnlySpan<float> src, int sw, int sh, Span<float> dst, int dw, int dh)
    {
        Span<int> xs = dw <= 4096 ? stackalloc int[dw] : new int[dw];
        for (int x = 0; x < dw; x++) xs[x] = (int)Math.Min(sw - 1, (long)x * sw / dw);
        for (int y = 0; y < dh; y++)
        {
            int sy = (int)Math.Min(sh - 1, (long)y * sh / dh);
            var srow = src.Slice(sy * sw, sw);
            var drow = dst.Slice(y * dw, dw);
            for (int x = 0; x < dw; x++) drow[x] = srow[xs[x]];
        }
    }

    /// <summary>
    /// Bilinear with half-pixel centres: source coordinate (d + 0.5) * s / d_size - 0.5, clamped at the edges.
    /// Interpolates as a + t * (b - a) so that equal neighbours give exactly their value.
    /// </summary>
    public static void Bilinear(ReadOnlySpan<float> src, int sw, int sh, Span<float> dst, int dw, int dh, float[] scratch)
    {
        // Horizontal pass into scratch (dw x sh), then vertical into dst.
        var part = scratch.AsSpan(0, dw * sh);
        Span<int> x0s = dw <= 2048 ? stackalloc int[dw] : new int[dw];
        Span<float> wxs = dw <= 2048 ? stackalloc float[dw] : new float[dw];
        for (int x = 0; x < dw; x++) Coordinate(x, sw, dw, out x0s[x], out wxs[x]);
        for (int y = 0; y < sh; y++)
        {
            var srow = src.Slice(y * sw, sw);
            var prow = part.Slice(y * dw, dw);
            for (int x = 0; x < dw; x++)
            {
                int x0 = x0s[x];
                float a = srow[x0];
                float b = srow[Math.Min(x0 + 1, sw - 1)];
                prow[x] = a + wxs[x] * (b - a);
            }
        }
        for (int y = 0; y < dh; y++)
        {
            Coordinate(y, sh, dh, out int y0, out float wy);
            var r0 = part.Slice(y0 * dw, dw);
            var r1 = part.Slice(Math.Min(y0 + 1, sh - 1) * dw, dw);
            var drow = dst.Slice(y * dw, dw);
            for (int x = 0; x < dw; x++) drow[x] = r0[x] + wy * (r1[x] - r0[x]);
        }
    }

    private static void Coordinate(int d, int sourceSize, int destSize, out int index, out float weight)
    {
        double s = (d + 0.5) * sourceSize / destSize - 0.5;
        if (s <= 0) { index = 0; weight = 0; return; }
        index = (int)s;
        if (index >= sourceSize - 1) { index = sourceSize - 1; weight = 0; return; }
        weight = (float)(s - index);
    }

    /// <summary>
    /// Darknet's resize_image, operation for operation in single precision so results match bit for bit
    /// (on compilers that do not fuse multiply-adds): a horizontal pass sampling at c * (sw-1)/(dw-1), where the
    /// last column copies the source's last column, then a vertical pass computing (1-dy)*top and, except on
    /// the last row, adding dy*bottom. Darknet leaves a 1-pixel-tall target undefined; here it takes row 0.
    /// </summary>
    public static void Darknet(ReadOnlySpan<float> src, int sw, int sh, Span<float> dst, int dw, int dh, float[] scratch)
    {
        var part = scratch.AsSpan(0, dw * sh);
        float wScale = dw > 1 ? (float)(sw - 1) / (dw - 1) : 0f;
        float hScale = dh > 1 ? (float)(sh - 1) / (dh - 1) : 0f;
        for (int r = 0; r < sh; r++)
        {
            var srow = src.Slice(r * sw, sw);
            var prow = part.Slice(r * dw, dw);
            for (int c = 0; c < dw; c++)
            {
                float val;
                if (c == dw - 1 || sw == 1)
                {
                    val = srow[sw - 1];
                }
                else
                {
                    float sx = c * wScale;
                    int ix = (int)sx;
                    float dx = sx - ix;
                    val = (1 - dx) * srow[ix] + dx * srow[ix + 1];
                }
                prow[c] = val;
            }
        }
        for (int r = 0; r < dh; r++)
        {
            float sy = r * hScale;
            int iy = (int)sy;
            float dy = sy - iy;
            var top = part.Slice(iy * dw, dw);
            var drow = dst.Slice(r * dw, dw);
            for (int c = 0; c < dw; c++) drow[c] = (1 - dy) * top[c];
            if (r == dh - 1 || sh == 1) continue;
            var bottom = part.Slice((iy + 1) * dw, dw);
            for (int c = 0; c < dw; c++) drow[c] += dy * bottom[c];
        }
    }
}
