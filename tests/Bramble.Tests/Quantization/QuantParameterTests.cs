using System.IO.Compression;
using Bramble.Kernels;
using Bramble.Kernels.Int8;
using Bramble.Quantization;
using Bramble.Tensors;

namespace Bramble.Tests.Quantization;

public unsafe class QuantParameterTests
{
    [Fact]
    public void ActivationParametersCoverTheRangeAndZero()
    {
        var (s, z) = QuantParameters.Activation(-1f, 3f, signed: false);
        Assert.Equal(4f / 255, s, 6);
        Assert.Equal(64, z);
        (s, z) = QuantParameters.Activation(0.5f, 2f, signed: true); // range widened to include 0
        Assert.Equal(2f / 255, s, 6);
        Assert.Equal(-128, z);
        Assert.Equal((1f, 0), QuantParameters.Activation(0, 0, signed: false));
    }

    [Fact]
    public void WeightsAreSymmetricPerChannel()
    {
        using var w = Tensor.FromArray(new float[] { 1, -2, 0.5f, 0.25f, 0.1f, -0.05f }, 2, 3);
        var scales = QuantParameters.WeightScales(w, 0, perChannel: true);
        Assert.Equal([2f / 127, 0.25f / 127], scales);
        var (q, err) = QuantParameters.QuantizeWeights(w, 0, scales);
        Assert.Equal(new sbyte[] { 64, -127, 32, 127, 51, -25 }, q);
        Assert.InRange(err, 0, 0.01);
        Assert.Single(QuantParameters.WeightScales(w, 0, perChannel: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void VectorQuantizeMatchesScalar(bool signed)
    {
        var rng = new Random(9);
        var x = new float[203];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 40 - 20);
        x[5] = float.NaN;
        x[17] = float.PositiveInfinity;
        x[18] = 0.25f; // exactly half a step: rounds to even
        var fast = new byte[x.Length];
        var slow = new byte[x.Length];
        var back = new float[x.Length];
        fixed (float* px = x, pb = back)
        fixed (byte* pf = fast, ps = slow)
        {
            QuantizeKernels.Quantize(CpuFeatures.Best, px, x.Length, 0.5f, signed ? 3 : 128, signed, pf);
            QuantizeKernels.Quantize(Isa.Scalar, px, x.Length, 0.5f, signed ? 3 : 128, signed, ps);
            QuantizeKernels.Dequantize(CpuFeatures.Best, pf, x.Length, 0.5f, signed ? 3 : 128, signed, pb);
        }
        Assert.Equal(slow, fast);
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(((signed ? (sbyte)fast[i] : fast[i]) - (signed ? 3 : 128)) * 0.5f, back[i]);
    }

    [Fact]
    public void IdxReaderReadsGzipAndRejectsGarbage()
    {
        string dir = Directory.CreateTempSubdirectory("bramble-idx").FullName;
        try
        {
            string path = Path.Combine(dir, "x-idx3-ubyte.gz");
            using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
                gz.Write([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
            using var t = IdxReader.Read(path, limit: 1);
            Assert.Equal([1, 2, 3], t.Shape);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<byte>());
            File.WriteAllBytes(Path.Combine(dir, "bad"), [1, 2, 3, 4]);
            Assert.Throws<ModelFormatException>(() => IdxReader.Read(Path.Combine(dir, "bad")));
            File.WriteAllBytes(Path.Combine(dir, "short"), [0, 0, 8, 1, 0, 0, 0, 9, 1]);
            Assert.Throws<ModelFormatException>(() => IdxReader.Read(Path.Combine(dir, "short")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FashionMnistDatasetLoadsWhenInstalled()
    {
        if (Bramble.Tests.Support.TestResources.Require(IdxReader.FashionMnistDirectory) == null) return;
        var samples = CalibrationSource.FashionMnist(3, train: false).ToList();
        Assert.Equal(3, samples.Count);
        Assert.Equal([1, 1, 28, 28], samples[0].Image.Shape);
        Assert.InRange(samples[0].Label, 0, 9);
        foreach (var (image, _) in samples) image.Dispose();
    }
}
