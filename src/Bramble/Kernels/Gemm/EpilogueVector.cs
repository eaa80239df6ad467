using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// Vector forms of <see cref="Epilogue.ApplyScalar"/>, one per width (same formulas; Mish clamps its exponent
/// at 20 where mish(x) = x; Relu and Clip are the CPU's max/min instructions, x first, so a NaN becomes the lower bound).
/// Tails run the scalar definition.
/// </summary>
internal static unsafe class EpilogueVector
{
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public static void ApplyRow(in Epilogue e, float* row, int cols, float rowBias, float* colBias, Isa isa)
    {
        if (isa >= Isa.Vector512 && Vector512.IsHardwareAccelerated) Row512(e, row, cols, rowBias, colBias);
        else if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated) Row256(e, row, cols, rowBias, colBias);
        else if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated) Row128(e, row, cols, rowBias, colBias);
        else
            for (int j = 0; j < cols; j++) row[j] = e.ApplyScalar(row[j] + rowBias + (colBias != null ? colBias[j] : 0));
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Row512(in Epilogue e, float* row, int cols, float rowBias, float* colBias)
    {
        int j = 0;
        var rb = Vector512.Create(rowBias);
        for (; j + Vector512<float>.Count <= cols; j += Vector512<float>.Count)
        {
            var x = Vector512.Load(row + j) + rb;
            if (colBias != null) x += Vector512.Load(colBias + j);
            Vector512.Store(Activate512(e, x), row + j);
        }
        for (; j < cols; j++) row[j] = e.ApplyScalar(row[j] + rowBias + (colBias != null ? colBias[j] : 0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called per vector: a call (tier-0 at first) would dominate
    private static Vector512<float> Activate512(in Epilogue e, Vector512<float> x)
    {
        switch (e.Activation)
        {
            case Activation.Relu: return SimdMath.MaxNative(x, Vector512<float>.Zero);
            case Activation.LeakyRelu:
                return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), x, x * e.Alpha);
            case Activation.Clip: return SimdMath.MinNative(SimdMath.MaxNative(x, Vector512.Create(e.Alpha)), Vector512.Create(e.Beta));
            case Activation.Sigmoid: return Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));
            case Activation.HardSigmoid:
                return Vector512.Max(Vector512<float>.Zero, Vector512.Min(Vector512<float>.One, x * e.Alpha + Vector512.Create(e.Beta)));
            case Activation.HardSwish:
                return x * Vector512.Max(Vector512<float>.Zero, Vector512.Min(Vector512<float>.One, x * (1f / 6) + Vector512.Create(0.5f)));
            case Activation.SiLU: return x / (Vector512<float>.One + Vector512.Exp(-x));
            case Activation.Mish:
            {
                var ex = Vector512.Exp(Vector512.Min(x, Vector512.Create(20f)));
                var n = ex * (ex + Vector512.Create(2f));
                var y = x * n / (n + Vector512.Create(2f));
                return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(20f)), x, y);
            }
            default: return x;
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Row256(in Epilogue e, float* row, int cols, float rowBias, float* colBias)
    {
        int j = 0;
        var rb = Vector256.Create(rowBias);
        for (; j + Vector256<float>.Count <= cols; j += Vector256<float>.Count)
        {
            var x = Vector256.Load(row + j) + rb;
            if (colBias != null) x += Vector256.Load(colBias + j);
            Vector256.Store(Activate256(e, x), row + j);
        }
        for (; j < cols; j++) row[j] = e.ApplyScalar(row[j] + rowBias + (colBias != null ? colBias[j] : 0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called per vector: a call (tier-0 at first) would dominate
    private static Vector256<float> Activate256(in Epilogue e, Vector256<float> x)
    {
        switch (e.Activation)
        {
            case Activation.Relu: return SimdMath.MaxNative(x, Vector256<float>.Zero);
            case Activation.LeakyRelu:
                return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * e.Alpha);
            case Activation.Clip: return SimdMath.MinNative(SimdMath.MaxNative(x, Vector256.Create(e.Alpha)), Vector256.Create(e.Beta));
            case Activation.Sigmoid: return Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
            case Activation.HardSigmoid:
                return Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, x * e.Alpha + Vector256.Create(e.Beta)));
            case Activation.HardSwish:
                return x * Vector256.Max(Vector256<float>.Zero, Vector256.Min(Vector256<float>.One, x * (1f / 6) + Vector256.Create(0.5f)));
            case Activation.SiLU: return x / (Vector256<float>.One + Vector256.Exp(-x));
            case Activation.Mish:
            {
                var ex = Vector256.Exp(Vector256.Min(x, Vector256.Create(20f)));
                var n = ex * (ex + Vector256.Create(2f));
                var y = x * n / (n + Vector256.Create(2f));
                return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(20f)), x, y);
            }
            default: return x;
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Row128(in Epilogue e, float* row, int cols, float rowBias, float* colBias)
    {
        int j = 0;
        var rb = Vector128.Create(rowBias);
        for (; j + Vector128<float>.Count <= cols; j += Vector128<float>.Count)
        {
            var x = Vector128.Load(row + j) + rb;
            if (colBias != null) x += Vector128.Load(colBias + j);
            Vector128.Store(Activate128(e, x), row + j);
        }
        for (; j < cols; j++) row[j] = e.ApplyScalar(row[j] + rowBias + (colBias != null ? colBias[j] : 0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // called per vector: a call (tier-0 at first) would dominate
    private static Vector128<float> Activate128(in Epilogue e, Vector128<float> x)
    {
        switch (e.Activation)
        {
            case Activation.Relu: return SimdMath.MaxNative(x, Vector128<float>.Zero);
            case Activation.LeakyRelu:
                return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), x, x * e.Alpha);
            case Activation.Clip: return SimdMath.MinNative(SimdMath.MaxNative(x, Vector128.Create(e.Alpha)), Vector128.Create(e.Beta));
            case Activation.Sigmoid: return Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));
            case Activation.HardSigmoid:
                return Vector128.Max(Vector128<float>.Zero, Vector128.Min(Vector128<float>.One, x * e.Alpha + Vector128.Create(e.Beta)));
            case Activation.HardSwish:
                return x * Vector128.Max(Vector128<float>.Zero, Vector128.Min(Vector128<float>.One, x * (1f / 6) + Vector128.Create(0.5f)));
            case Activation.SiLU: return x / (Vector128<float>.One + Vector128.Exp(-x));
            case Activation.Mish:
            {
                var ex = Vector128.Exp(Vector128.Min(x, Vector128.Create(20f)));
                var n = ex * (ex + Vector128.Create(2f));
                var y = x * n / (n + Vector128.Create(2f));
                return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(20f)), x, y);
            }
            default: return x;
        }
    }
}
