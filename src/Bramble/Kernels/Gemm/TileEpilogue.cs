using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// The epilogue applied by a micro-kernel to its accumulators before the one store of a full tile, so
/// layers with a short K (first layers, 1×1 convolutions over few channels) do not pay a second pass over
/// C. Only bias, a residual and the activations that cost one or two instructions run here (<see cref="Epilogue.RunsInKernel"/>);
/// the driver applies the others (and ragged edge tiles) with <see cref="Epilogue.Apply"/>. Same formulas
/// and operation order as <see cref="EpilogueVector"/>: ((x + row bias) + column bias) + residual, then the activation
/// (Relu/Clip as the CPU's max and min instructions: a NaN becomes the lower bound, as in <see cref="EpilogueVector"/>).
/// </summary>
internal static unsafe class TileEpilogue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowBias(Epilogue* e, int row) => e->BiasKind == BiasKind.PerRow ? e->Bias[row] : 0f;

    /// <summary>Where the residual of (row, col) is, or null without one (then never read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* ResidualRow(Epilogue* e, int row, int col) => e->Residual == null ? null : e->Residual + row * e->ResidualStride + col;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Col512(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector512.Load(e->Bias + col) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Col256(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector256.Load(e->Bias + col) : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Col128(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector128.Load(e->Bias + col) : Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Col(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? e->Bias[col] : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Epilogue* e, Vector512<float> x, float rowBias, Vector512<float> colBias, float* residual)
    {
        x = x + Vector512.Create(rowBias) + colBias;
        if (e->Residual != null) x += Vector512.Load(residual);
        var activation = e->Activation;
        if (activation == Activation.None) return x;
        if (activation == Activation.LeakyRelu) return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), x, x * e->Alpha);
        return SimdMath.MinNative(SimdMath.MaxNative(x, Vector512.Create(e->ClampLow)), Vector512.Create(e->ClampHigh));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Epilogue* e, Vector256<float> x, float rowBias, Vector256<float> colBias, float* residual)
    {
        x = x + Vector256.Create(rowBias) + colBias;
        if (e->Residual != null) x += Vector256.Load(residual);
        // Two predictable branches and one max + one min instruction: the IEEE Vector256.Max/Min take a dozen
        // instructions each and, with twelve accumulators live, spill — for short-K layers that cost more than the loop.
        var activation = e->Activation;
        if (activation == Activation.None) return x;
        if (activation == Activation.LeakyRelu) return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * e->Alpha);
        return SimdMath.MinNative(SimdMath.MaxNative(x, Vector256.Create(e->ClampLow)), Vector256.Create(e->ClampHigh));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Epilogue* e, Vector128<float> x, float rowBias, Vector128<float> colBias, float* residual)
    {
        x = x + Vector128.Create(rowBias) + colBias;
        if (e->Residual != null) x += Vector128.Load(residual);
        // Two predictable branches and one max + one min instruction: the IEEE Vector128.Max/Min take a dozen
        // instructions each and, with twelve accumulators live, spill — for short-K layers that cost more than the loop.
        var activation = e->Activation;
        if (activation == Activation.None) return x;
        if (activation == Activation.LeakyRelu) return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), x, x * e->Alpha);
        return SimdMath.MinNative(SimdMath.MaxNative(x, Vector128.Create(e->ClampLow)), Vector128.Create(e->ClampHigh));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(Epilogue* e, float x, float rowBias, float colBias, float* residual) =>
        e->ApplyScalar(e->Residual != null ? x + rowBias + colBias + *residual : x + rowBias + colBias);
}
