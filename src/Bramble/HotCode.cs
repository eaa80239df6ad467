using System.Runtime.CompilerServices;

namespace Bramble;

/// <summary>
/// How hot kernels are compiled: every kernel says <c>[MethodImpl(HotCode.Options)]</c>.
/// Under the JIT (<c>bramble run</c>, the library) that is <see cref="MethodImplOptions.AggressiveOptimization"/>:
/// a kernel is hot from its first call, so it goes straight to optimised code instead of tier 0.
/// A compiled executable (`bramble compile`) builds these sources with BRAMBLE_PRECOMPILED: ReadyToRun
/// never precompiles AggressiveOptimization methods, so there the attribute is dropped and the kernels are
/// precompiled for the target's instruction set instead of JIT-compiled during the first inference.
/// </summary>
internal static class HotCode
{
#if BRAMBLE_PRECOMPILED
    public const MethodImplOptions Options = 0;
#else
    public const MethodImplOptions Options = MethodImplOptions.AggressiveOptimization;
#endif
}
