namespace Bramble.Kernels.Conv;

/// <summary>
/// When Winograd F(4×4, 3×3) beats the implicit-GEMM convolution, from measurements on the 2-core AVX2 EPYC
/// dev machine (bench `winograd 1`: per-thread CPU time, median of alternating runs, implicit-GEMM ÷ Winograd;
/// the machine was heavily shared, so ±15 %):
/// <code>
///   wins  64→64 @56² 1.75   128→128 @28² 1.77   256→256 @14² 1.66   64→64 @224² 2.28   256→256 @56² 1.98
///         512→512 @28² 2.14   32→64 @208² 1.93   64→128 @104² 1.83   128→256 @52² 1.93   256→512 @26² 1.92
///         512→1024 @13² 2.13   16→32 @208² 1.35   8→16 @56² 1.47   16→16 @28² 1.32   32→32 @14² 1.32
///   even  6→32 @104² 1.0      128→128 @12² 1.1 (9 tiles)   256→256 @10² 1.0   512→512 @9² 1.0
///   loses 3→32 @416² 0.78     4→32 @104² 0.8      512→512 @7² 0.74 (4 tiles)   64→64 @8² 0.82 (4 tiles)
/// </code>
/// Transform work per tile is ∝ C + K while GEMM work is ∝ C·K, so few channels on either side lose; with
/// fewer than 16 tiles the GEMMs are too narrow for the 16-column micro-kernel and the 4× larger transformed
/// weights dominate. Both-threads runs gave the same picture (noisier). Capped at Vector128 (the NEON-width
/// path) Winograd won everywhere measured, by more (64→64 @56² 2.26, 256→256 @56² 3.03, 512→512 @7² 1.32,
/// 3→32 @416² 1.12), so this AVX2-derived rule is the conservative one for both widths.
/// Memory: the transformed weights are 36/9 = 4× the originals (YOLOv3 at 416: peak RSS 0.83 → 1.6 GB), so
/// layers over <c>SessionOptions.WinogradMaxWeightBytes</c> run streamed (filters transformed per run). Streamed
/// vs implicit GEMM, 1 thread, per-thread CPU time, machine at load 15–40 (±20 %):
/// <code>
///   128→256 @52² 2.4–2.6   256→512 @26² 2.0–3.0   512→1024 @13² 1.2–1.5   256→256 @56² 3.2   512→512 @28² 2.6
///   (held: 2.1–2.3, 2.3–2.5, 2.0–2.3, 2.7, 2.6); small-channel layers lose more to the per-run packing
///   (3→32 @416² 0.8, 64→64 @224² 1.8 vs held 2.5), but their weights are small enough to be held.
/// </code>
/// At 13² (16 tiles) the per-run filter transform is ~¼ of the GEMM work, hence the smaller gain there.
/// Later, alone (bench `winograd`), SqueezeNet's expand layers ran faster on the implicit GEMM (16→64 @55² 0.8,
/// 48→192 @13² 0.7–0.8, 64→256 @13² 0.75–0.9, 32→128 @27² 0.8–1.1), but the whole model with them moved to the GEMM
/// tied at 1 thread and lost ~10 % at 2 (min latency, alternating builds), so the rule stands.
/// </summary>
internal static class WinogradSelection
{
    public const int MinChannels = 8;
    public const int MinTiles = 16;

    public static bool Wins(in ConvGeometry g)
    {
        long tiles = (long)((g.OutHeight + 3) / 4) * ((g.OutWidth + 3) / 4);
        return g.InChannels >= MinChannels && g.OutChannels >= MinChannels && tiles >= MinTiles;
    }
}
