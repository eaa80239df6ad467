using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Moves a block of Count planes (channels) between planar NCHW layout and the interleaved layout the
/// channel-vectorised kernels work in (pixel-major, one vector of channels per pixel), with a border of
/// padding on the way in. Shared by <see cref="DepthwiseInterleaved"/> (zero padding) and the small-plane
/// max pool (padding −∞). Both directions run as register transposes over flattened planes: 8×8 with AVX, 4×4
/// with SSE or NEON.
/// </summary>
internal static unsafe class InterleavedPlanes<TS, TV> where TS : struct, ISimdF<TV> where TV : struct
{
    /// <summary>
    /// Planes x, x + h·wd, … (<paramref name="lanes"/> of them, each h × wd) into the padded interleaved plane
    /// (hp × wp pixels of Count lanes, input pixel (iy, ix) at (iy + pt, ix + pl)); absent lanes and the padding
    /// are <paramref name="fill"/>. Whole input rows go through square register transposes over the flattened
    /// planes (a 7-wide row is shorter than one block), the rest pixel by pixel.
    /// </summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Interleave(float* x, int h, int wd, int pt, int pl, float* plane, int hp, int wp, int lanes, float fill) =>
        Interleave(new FloatPlanes(x, (long)h * wd), h, wd, pt, pl, plane, hp, wp, lanes, fill);

    /// <summary><see cref="Interleave(float*, int, int, int, int, float*, int, int, int, float)"/> over any source of plane values (e.g. quantized bytes).</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Interleave<TSource>(TSource x, int h, int wd, int pt, int pl, float* plane, int hp, int wp, int lanes, float fill)
        where TSource : struct, IPlaneSource
    {
        int v = TS.Count;
        // Input rows [iy0, iy1) and columns [ix0, ix1) land in the plane at row iy + pt, column ix + pl.
        int iy0 = Math.Max(0, -pt), iy1 = Math.Min(h, hp - pt), ix0 = Math.Max(0, -pl), ix1 = Math.Min(wd, wp - pl);
        if (iy1 <= iy0 || ix1 <= ix0)
        {
            new Span<float>(plane, hp * wp * v).Fill(fill);
            return;
        }
        // Padding: rows above and below, then the columns left and right of the data in each data row.
        new Span<float>(plane, (iy0 + pt) * wp * v).Fill(fill);
        new Span<float>(plane + (long)(iy1 + pt) * wp * v, (hp - iy1 - pt) * wp * v).Fill(fill);
        int left = ix0 + pl, right = wp - (ix1 + pl);
        for (int r = iy0 + pt; r < iy1 + pt; r++)
        {
            float* d = plane + (long)r * wp * v;
            if (left > 0) new Span<float>(d, left * v).Fill(fill);
            if (right > 0) new Span<float>(d + (long)(ix1 + pl) * v, right * v).Fill(fill);
        }

        if (ix0 != 0 || ix1 != wd)
        {
            // Cropped columns (large strides): pixel by pixel.
            for (int iy = iy0; iy < iy1; iy++)
                for (int ix = ix0; ix < ix1; ix++) Pixel(x, (long)iy * wd + ix, plane + ((long)(iy + pt) * wp + ix + pl) * v, lanes, v, fill);
            return;
        }
        // Whole rows: flat pixels [p0, p1) of the input; pixel p lands at plane row p / wd + pt, column p % wd + pl.
        long p0 = (long)iy0 * wd, p1 = (long)iy1 * wd, pix = p0;
        int row = iy0, col = 0;
        float* d0 = plane + ((long)(row + pt) * wp + pl) * v;
        if (typeof(TV) == typeof(Vector256<float>) && Transpose8x8.Supported)
        {
            var zero = Vector256.Create(fill);
            for (; pix + 8 <= p1; pix += 8)
            {
                var r0 = x.Load8(0, pix);
                var r1 = lanes > 1 ? x.Load8(1, pix) : zero;
                var r2 = lanes > 2 ? x.Load8(2, pix) : zero;
                var r3 = lanes > 3 ? x.Load8(3, pix) : zero;
                var r4 = lanes > 4 ? x.Load8(4, pix) : zero;
                var r5 = lanes > 5 ? x.Load8(5, pix) : zero;
                var r6 = lanes > 6 ? x.Load8(6, pix) : zero;
                var r7 = lanes > 7 ? x.Load8(7, pix) : zero;
                Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                Vector256.Store(r0, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r1, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r2, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r3, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r4, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r5, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r6, Next(ref d0, ref col, wd, wp, v));
                Vector256.Store(r7, Next(ref d0, ref col, wd, wp, v));
            }
        }
        else if (typeof(TV) == typeof(Vector128<float>) && Transpose4x4.Supported)
        {
            var zero = Vector128.Create(fill);
            for (; pix + 4 <= p1; pix += 4)
            {
                var r0 = x.Load4(0, pix);
                var r1 = lanes > 1 ? x.Load4(1, pix) : zero;
                var r2 = lanes > 2 ? x.Load4(2, pix) : zero;
                var r3 = lanes > 3 ? x.Load4(3, pix) : zero;
                Transpose4x4.Run(ref r0, ref r1, ref r2, ref r3);
                Vector128.Store(r0, Next(ref d0, ref col, wd, wp, v));
                Vector128.Store(r1, Next(ref d0, ref col, wd, wp, v));
                Vector128.Store(r2, Next(ref d0, ref col, wd, wp, v));
                Vector128.Store(r3, Next(ref d0, ref col, wd, wp, v));
            }
        }
        for (; pix < p1; pix++) Pixel(x, pix, Next(ref d0, ref col, wd, wp, v), lanes, v, fill);
    }

    /// <summary>The plane slot of the next flattened input pixel: column col of the current row, then advance.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Next(ref float* rowStart, ref int col, int wd, int wp, int v)
    {
        float* slot = rowStart + (long)col * v;
        if (++col == wd)
        {
            col = 0;
            rowStart += (long)wp * v;
        }
        return slot;
    }

    /// <summary>One pixel's lanes: plane c's value at flat index <paramref name="pix"/>, <paramref name="fill"/> past <paramref name="lanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pixel<TSource>(TSource x, long pix, float* d, int lanes, int v, float fill) where TSource : struct, IPlaneSource
    {
        int c = 0;
        for (; c < lanes; c++) d[c] = x.Load(c, pix);
        for (; c < v; c++) d[c] = fill;
    }

    /// <summary>The interleaved result (n pixels × Count lanes) into the lanes' output planes y, y + n, … of n floats each.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void Deinterleave(float* result, float* y, int n, int lanes)
    {
        int v = TS.Count;
        int pix = 0;
        if (typeof(TV) == typeof(Vector256<float>) && Transpose8x8.Supported)
        {
            for (; pix + 8 <= n; pix += 8)
            {
                float* s = result + (long)pix * 8;
                var r0 = Vector256.Load(s); var r1 = Vector256.Load(s + 8);
                var r2 = Vector256.Load(s + 16); var r3 = Vector256.Load(s + 24);
                var r4 = Vector256.Load(s + 32); var r5 = Vector256.Load(s + 40);
                var r6 = Vector256.Load(s + 48); var r7 = Vector256.Load(s + 56);
                Transpose8x8.Run(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                float* o = y + pix;
                Vector256.Store(r0, o);
                if (lanes > 1) Vector256.Store(r1, o + n);
                if (lanes > 2) Vector256.Store(r2, o + 2L * n);
                if (lanes > 3) Vector256.Store(r3, o + 3L * n);
                if (lanes > 4) Vector256.Store(r4, o + 4L * n);
                if (lanes > 5) Vector256.Store(r5, o + 5L * n);
                if (lanes > 6) Vector256.Store(r6, o + 6L * n);
                if (lanes > 7) Vector256.Store(r7, o + 7L * n);
            }
        }
        else if (typeof(TV) == typeof(Vector128<float>) && Transpose4x4.Supported)
        {
            for (; pix + 4 <= n; pix += 4)
            {
                float* s = result + (long)pix * 4;
                var r0 = Vector128.Load(s); var r1 = Vector128.Load(s + 4);
                var r2 = Vector128.Load(s + 8); var r3 = Vector128.Load(s + 12);
                Transpose4x4.Run(ref r0, ref r1, ref r2, ref r3);
                float* o = y + pix;
                Vector128.Store(r0, o);
                if (lanes > 1) Vector128.Store(r1, o + n);
                if (lanes > 2) Vector128.Store(r2, o + 2L * n);
                if (lanes > 3) Vector128.Store(r3, o + 3L * n);
            }
        }
        for (int c = 0; c < lanes; c++)
        {
            float* o = y + (long)c * n;
            float* s = result + c;
            for (int i = pix; i < n; i++) o[i] = s[(long)i * v];
        }
    }
}

/// <summary>
/// Where <see cref="InterleavedPlanes{TS, TV}.Interleave{TSource}"/> reads: the value at flat pixel index
/// <c>pixel</c> of plane <c>channel</c>, as float.
/// </summary>
internal interface IPlaneSource
{
    /// <summary>Pixels pixel … pixel + 7 (AVX2 machines only).</summary>
    Vector256<float> Load8(int channel, long pixel);
    /// <summary>Pixels pixel … pixel + 3.</summary>
    Vector128<float> Load4(int channel, long pixel);
    float Load(int channel, long pixel);
}

/// <summary>Float planes <paramref name="planeStride"/> floats apart, read as they are.</summary>
internal readonly unsafe struct FloatPlanes(float* x, long planeStride) : IPlaneSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Load8(int channel, long pixel) => Vector256.Load(x + channel * planeStride + pixel);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Load4(int channel, long pixel) => Vector128.Load(x + channel * planeStride + pixel);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Load(int channel, long pixel) => x[channel * planeStride + pixel];
}
