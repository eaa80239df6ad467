using Bramble.Kernels;

namespace Bramble.Tests.Kernels;

public class CpuFeaturesTests
{
    [Fact]
    public void RuntimeSwitchesLowerTheDetectedIsa()
    {
        // test.sh reruns the kernel tests with DOTNET_EnableAVX2=0: then every kernel must take the 128-bit path.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
            Assert.True(CpuFeatures.Best <= Isa.Vector128, $"AVX2 is disabled but the best ISA is {CpuFeatures.Best}");
        Assert.Equal(Isa.Scalar, CpuFeatures.Effective(Isa.Scalar));
        Assert.True(CpuFeatures.Effective(Isa.Vector512) == CpuFeatures.Best);
    }
}
