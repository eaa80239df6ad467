using System.Numerics;
using System.Runtime.InteropServices;

namespace Bramble.Training.Gradients;

/// <summary>
/// Vector loops the training ops share. Scalar loops with a data-dependent branch per element (x &gt; 0 ?)
/// mispredict about half the time on activations, which made Relu and BatchNormalization cost as much
/// as the convolutions; these are branch-free. Elementwise results do not depend on the vector width; the
/// reductions (Sum, Dot, SumSquaredDeviation) round per lane, so they are fixed for a given instruction set
/// and training stays reproducible on one machine.
/// </summary>
internal static class PointwiseVectors
{
    /// <summary>dx[i] += x[i] &gt; 0 ? dy[i] : 0 (Relu's backward).</summary>
    public static void AddWherePositive(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), gs = ref MemoryMarshal.GetReference(dy), ds = ref MemoryMarshal.GetReference(dx);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var mask = Vector.GreaterThan(Vector.LoadUnsafe(ref xs, (nuint)i), Vector<float>.Zero);
            (Vector.LoadUnsafe(ref ds, (nuint)i) + Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref gs, (nuint)i), Vector<float>.Zero)).StoreUnsafe(ref ds, (nuint)i);
        }
        for (; i < n; i++) if (x[i] > 0) dx[i] += dy[i];
    }

    /// <summary>dx[i] += lo ≤ x[i] ≤ hi ? dy[i] : 0 (Clip's backward).</summary>
    public static void AddWhereInRange(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float lo, float hi)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), gs = ref MemoryMarshal.GetReference(dy), ds = ref MemoryMarshal.GetReference(dx);
        var low = new Vector<float>(lo);
        var high = new Vector<float>(hi);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref xs, (nuint)i);
            var mask = Vector.GreaterThanOrEqual(v, low) & Vector.LessThanOrEqual(v, high);
            (Vector.LoadUnsafe(ref ds, (nuint)i) + Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref gs, (nuint)i), Vector<float>.Zero)).StoreUnsafe(ref ds, (nuint)i);
        }
        for (; i < n; i++) if (x[i] >= lo && x[i] <= hi) dx[i] += dy[i];
    }

    /// <summary>y[i] = x[i] ≥ 0 ? x[i] : alpha·x[i] (LeakyRelu).</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref xs, (nuint)i);
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<float>.Zero), v, v * alpha).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < n; i++) y[i] = x[i] >= 0 ? x[i] : alpha * x[i];
    }

    /// <summary>dx[i] += x[i] ≥ 0 ? dy[i] : alpha·dy[i] (LeakyRelu's backward).</summary>
    public static void AddLeakyRelu(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), gs = ref MemoryMarshal.GetReference(dy), ds = ref MemoryMarshal.GetReference(dx);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var g = Vector.LoadUnsafe(ref gs, (nuint)i);
            var mask = Vector.GreaterThanOrEqual(Vector.LoadUnsafe(ref xs, (nuint)i), Vector<float>.Zero);
            (Vector.LoadUnsafe(ref ds, (nuint)i) + Vector.ConditionalSelect(mask, g, g * alpha)).StoreUnsafe(ref ds, (nuint)i);
        }
        for (; i < n; i++) dx[i] += x[i] >= 0 ? dy[i] : alpha * dy[i];
    }

    /// <summary>y[i] = a·x[i] + b.</summary>
    public static void Affine(ReadOnlySpan<float> x, Span<float> y, float a, float b)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (Vector.LoadUnsafe(ref xs, (nuint)i) * va + vb).StoreUnsafe(ref ys, (nuint)i);
        for (; i < n; i++) y[i] = x[i] * a + b;
    }

    /// <summary>acc[i] += a·dy[i] + b·x[i] + c (BatchNormalization's input gradient, expanded).</summary>
    public static void AddAffine2(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> acc, float a, float b, float c)
    {
        ref float gs = ref MemoryMarshal.GetReference(dy), xs = ref MemoryMarshal.GetReference(x), ds = ref MemoryMarshal.GetReference(acc);
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        var vc = new Vector<float>(c);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (Vector.LoadUnsafe(ref ds, (nuint)i) + Vector.LoadUnsafe(ref gs, (nuint)i) * va + Vector.LoadUnsafe(ref xs, (nuint)i) * vb + vc).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) acc[i] += a * dy[i] + b * x[i] + c;
    }

    /// <summary>Σ (x[i] − mean)², in float lanes.</summary>
    public static float SumSquaredDeviation(ReadOnlySpan<float> x, float mean)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        var m = new Vector<float>(mean);
        var acc = Vector<float>.Zero;
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var d = Vector.LoadUnsafe(ref xs, (nuint)i) - m;
            acc += d * d;
        }
        float s = Vector.Sum(acc);
        for (; i < n; i++) { float d = x[i] - mean; s += d * d; }
        return s;
    }

    /// <summary>Σ x[i], in float lanes.</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        var acc = Vector<float>.Zero;
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) acc += Vector.LoadUnsafe(ref xs, (nuint)i);
        float s = Vector.Sum(acc);
        for (; i < n; i++) s += x[i];
        return s;
    }

    /// <summary>Σ a[i]·b[i], in float lanes.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref float xs = ref MemoryMarshal.GetReference(a), ys = ref MemoryMarshal.GetReference(b);
        var acc = Vector<float>.Zero;
        int i = 0, n = a.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) acc += Vector.LoadUnsafe(ref xs, (nuint)i) * Vector.LoadUnsafe(ref ys, (nuint)i);
        float s = Vector.Sum(acc);
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>acc[i] += a·x[i].</summary>
    public static void AddScaled(ReadOnlySpan<float> x, float a, Span<float> acc)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ds = ref MemoryMarshal.GetReference(acc);
        var va = new Vector<float>(a);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (Vector.LoadUnsafe(ref ds, (nuint)i) + Vector.LoadUnsafe(ref xs, (nuint)i) * va).StoreUnsafe(ref ds, (nuint)i);
        for (; i < n; i++) acc[i] += a * x[i];
    }

    /// <summary>y[i] = min(max(x[i], lo), hi) (Relu: lo = 0, hi = +∞); NaN becomes lo as in the scalar loops it replaces.</summary>
    public static void Clamp(ReadOnlySpan<float> x, Span<float> y, float lo, float hi)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        var low = new Vector<float>(lo);
        var high = new Vector<float>(hi);
        int i = 0, n = x.Length;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.LoadUnsafe(ref xs, (nuint)i);
            v = Vector.ConditionalSelect(Vector.GreaterThan(v, low), v, low);
            Vector.ConditionalSelect(Vector.LessThan(v, high), v, high).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < n; i++)
        {
            float v = x[i] > lo ? x[i] : lo;
            y[i] = v < hi ? v : hi;
        }
    }
}
