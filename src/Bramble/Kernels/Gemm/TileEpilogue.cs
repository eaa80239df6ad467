using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// The epilogue applied by a micro-kernel to its accumulators before the one store of a full tile, so
/// layers with a short K (first layers, 1×1 convolutions over few channels) do not pay a second pass over
/// C. Only bias and the activations that cost one or two instructions run here (<see cref="Epilogue.RunsInKernel"/>);
/// the driver applies the others (and ragged edge tiles) with <see cref="Epilogue.Apply"/>. Same formulas
/// and operation order as <see cref="EpilogueVector"/>: (x + row bias) + column bias, then the activation.
/// </summary>
internal static unsafe class TileEpilogue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowBias(Epilogue* e, int row) => e->BiasKind == BiasKind.PerRow ? e->Bias[row] : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Col512(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector512.Load(e->Bias + col) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Col256(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector256.Load(e->Bias + col) : Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Col128(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? Vector128.Load(e->Bias + col) : Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Col(Epilogue* e, int col) => e->BiasKind == BiasKind.PerColumn ? e->Bias[col] : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Epilogue* e, Vector512<float> x, float rowBias, Vector512<float> colBias)
    {
        x = x + Vector512.Create(rowBias) + colBias;
        switch (e->Activation)
        {
            case Activation.Relu: return Vector512.Max(x, Vector512<float>.Zero);
            case Activation.LeakyRelu: return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), x, x * e->Alpha);
            case Activation.Clip: return Vector512.Min(Vector512.Max(x, Vector512.Create(e->Alpha)), Vector512.Create(e->Beta));
            default: return x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Epilogue* e, Vector256<float> x, float rowBias, Vector256<float> colBias)
    {
        x = x + Vector256.Create(rowBias) + colBias;
        switch (e->Activation)
        {
            case Activation.Relu: return Vector256.Max(x, Vector256<float>.Zero);
            case Activation.LeakyRelu: return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), x, x * e->Alpha);
            case Activation.Clip: return Vector256.Min(Vector256.Max(x, Vector256.Create(e->Alpha)), Vector256.Create(e->Beta));
            default: return x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Epilogue* e, Vector128<float> x, float rowBias, Vector128<float> colBias)
    {
        x = x + Vector128.Create(rowBias) + colBias;
        switch (e->Activation)
        {
            case Activation.Relu: return Vector128.Max(x, Vector128<float>.Zero);
            case Activation.LeakyRelu: return Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(x, Vector128<float>.Zero), x, x * e->Alpha);
            case Activation.Clip: return Vector128.Min(Vector128.Max(x, Vector128.Create(e->Alpha)), Vector128.Create(e->Beta));
            default: return x;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(Epilogue* e, float x, float rowBias, float colBias) => e->ApplyScalar(x + rowBias + colBias);
}
