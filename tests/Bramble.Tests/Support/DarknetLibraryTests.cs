using System.Runtime.CompilerServices;

namespace Bramble.Tests.Support;

public class DarknetLibraryTests
{
    [Fact]
    public void LoadingDarknetLeavesSubnormalArithmeticOnTheCallingThread()
    {
        if (TestResources.Require(DarknetLibrary.Path) is null) return;
        DarknetLibrary.Load();
        float smallest = Smallest();
        Assert.Equal(2, BitConverter.SingleToInt32Bits(smallest * 2f));
        Assert.Equal(1, BitConverter.SingleToInt32Bits(float.Parse("1.401298E-45", System.Globalization.CultureInfo.InvariantCulture)));
    }

    // Not inlined, so the multiplication above happens at run time under the thread's MXCSR, not in the JIT.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Smallest() => BitConverter.Int32BitsToSingle(1);
}
