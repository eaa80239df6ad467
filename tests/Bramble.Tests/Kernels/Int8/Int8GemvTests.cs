using Bramble.Kernels;
using Bramble.Kernels.Int8;
using Bramble.Kernels.Threading;
using Bramble.Ops.Quantized;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels.Int8;

/// <summary>The int8 fully connected kernel (bytes and words forms, every ISA) against the reference loops: bit-exact.</summary>
public unsafe class Int8GemvTests
{
    public static TheoryData<Isa> Caps() => Int8ConvTests.Caps();

    private static readonly int[] Ks = [1, 3, 15, 17, 63, 64, 65, 257, 1000];
    private static readonly int[] Ns = [1, 3, 4, 5, 17, 64, 65];
    private static readonly int[] Ms = [1, 2, 5];

    /// <summary>
    /// Every K × N of ragged sizes (partial steps of 32 and 16, partial blocks of four columns), M = 1, 2, 5; uint8 and
    /// int8 activations and outputs; per-tensor and per-column weights with and without zero points; weights within
    /// ±64 of their zero point (the bytes / pmaddubsw form) and full-range ones (the words form); transB; a fused range.
    /// </summary>
    [Theory]
    [MemberData(nameof(Caps))]
    public void FastKernelIsBitExactWithReference(Isa isa)
    {
        var rng = new Random(17 + (int)isa);
        int i = 0;
        foreach (int k in Ks)
            foreach (int n in Ns)
            {
                var c = new Case(rng, k, n, Ms[i % 3], xSigned: i % 2 == 1, ySigned: i % 3 == 1, perColumn: i % 4 < 2,
                    sevenBit: i % 5 != 0, transB: i % 3 != 2, fused: i % 7 == 3, withBias: i % 6 != 5, threads: 1 + i % 2);
                c.AssertBitExact(isa);
                i++;
            }
    }

    /// <summary>The extremes: activations 0 and 255 against weights ±64 (the largest pmaddubsw pair sums) and ±255 (words).</summary>
    [Theory]
    [MemberData(nameof(Caps))]
    public void ExtremeValuesAreBitExact(Isa isa)
    {
        var rng = new Random(5);
        foreach (bool sevenBit in new[] { true, false })
            foreach (bool xSigned in new[] { false, true })
            {
                var c = new Case(rng, 1000, 9, 2, xSigned, ySigned: false, perColumn: true, sevenBit, transB: true, fused: false, withBias: true, threads: 1);
                c.Extremes(rng);
                c.AssertBitExact(isa);
            }
    }

    /// <summary>The kernel picks the bytes form exactly when every |w − w_zp| ≤ 64.</summary>
    [Fact]
    public void FormFollowsTheWeightRange()
    {
        var rng = new Random(3);
        var fits = new Case(rng, 40, 6, 1, false, false, perColumn: true, sevenBit: true, transB: false, fused: false, withBias: false, threads: 1);
        Assert.Contains("bytes", fits.Kernel(Isa.Scalar).Name);
        var wide = new Case(rng, 40, 6, 1, false, false, perColumn: true, sevenBit: true, transB: false, fused: false, withBias: false, threads: 1);
        wide.SetWeight(39, 5, 65 + wide.WeightZeroPoint(5));
        Assert.Contains("words", wide.Kernel(Isa.Scalar).Name);
    }

    /// <summary>The portable 128-bit bodies (what ARM runs; x86 takes SSE) equal the scalar definitions.</summary>
    [Fact]
    public void PortableBodiesMatchScalar()
    {
        var rng = new Random(9);
        foreach (int steps in new[] { 1, 2, 7, 40 })
        {
            var x = new byte[steps * GemvKernels.StepBytes];
            var w = new sbyte[steps * GemvKernels.Columns * GemvKernels.StepBytes];
            var xw = new short[x.Length / 2];
            var ww = new short[w.Length / 2];
            for (int j = 0; j < x.Length; j++) x[j] = (byte)(j % 5 == 0 ? 255 : rng.Next(256));
            for (int j = 0; j < w.Length; j++) w[j] = (sbyte)(j % 3 == 0 ? (j % 2 == 0 ? 64 : -64) : rng.Next(-64, 65));
            for (int j = 0; j < xw.Length; j++) xw[j] = (short)rng.Next(-255, 256);
            for (int j = 0; j < ww.Length; j++) ww[j] = (short)(j % 4 == 0 ? -255 : rng.Next(-255, 256));
            var expected = new int[GemvKernels.Columns];
            var actual = new int[GemvKernels.Columns];
            fixed (byte* px = x) fixed (sbyte* pw = w) fixed (short* pxw = xw, pww = ww) fixed (int* pe = expected, pa = actual)
            {
                GemvKernels.BytesScalar(px, pw, steps, pe);
                GemvKernels.BytesPortable(px, pw, steps, pa);
                Assert.Equal(expected, actual);
                GemvKernels.WordsScalar(pxw, pww, steps, pe);
                GemvKernels.WordsPortable(pxw, pww, steps, pa);
                Assert.Equal(expected, actual);
            }
        }
    }

    /// <summary>One random layer: its quantized operands and parameters, run through the kernel and the reference.</summary>
    private sealed class Case
    {
        private readonly int _k, _n, _m, _threads, _xZp, _yZp, _lo, _hi;
        private readonly bool _xSigned, _ySigned, _transB;
        private readonly byte[] _x, _w;
        private readonly float[] _wScale;
        private readonly int[] _wZp, _bias;
        private readonly float _xScale, _yScale;
        private readonly bool _withBias, _sevenBit;

        public Case(Random rng, int k, int n, int m, bool xSigned, bool ySigned, bool perColumn, bool sevenBit, bool transB, bool fused,
            bool withBias, int threads)
        {
            (_k, _n, _m, _xSigned, _ySigned, _transB, _threads, _withBias, _sevenBit) = (k, n, m, xSigned, ySigned, transB, threads, withBias, sevenBit);
            _x = new byte[m * k];
            rng.NextBytes(_x);
            int columns = perColumn ? n : 1;
            _wScale = new float[columns];
            _wZp = new int[columns];
            for (int j = 0; j < columns; j++)
            {
                _wScale[j] = 0.001f + (float)rng.NextDouble() * 0.01f;
                _wZp[j] = j % 2 == 0 ? 0 : rng.Next(-5, 6);
            }
            _w = new byte[k * n];
            for (int j = 0; j < _w.Length; j++)
            {
                int v = sevenBit ? rng.Next(-64, 65) : rng.Next(-128, 128);
                int col = transB ? j / k : j % n;
                // Seven-bit: w − w_zp within ±64 (w_zp is at most ±5, so w stays an int8).
                _w[j] = (byte)(sbyte)(sevenBit ? v + WeightZeroPoint(col) : v);
            }
            _bias = new int[n];
            for (int j = 0; j < n; j++) _bias[j] = rng.Next(-20000, 20000);
            _xScale = 0.02f;
            _xZp = xSigned ? rng.Next(-10, 10) : rng.Next(100, 140);
            _yScale = 0.02f * 0.006f * MathF.Sqrt(k) * 70;
            _yZp = ySigned ? rng.Next(-5, 5) : rng.Next(110, 140);
            (_lo, _hi) = Requantize.Range(ySigned);
            if (fused) _lo = _yZp + 3;
        }

        public int WeightZeroPoint(int column) => _wZp[_wZp.Length == 1 ? 0 : column];

        public void SetWeight(int k, int n, int value) => _w[_transB ? n * _k + k : k * _n + n] = (byte)(sbyte)value;

        /// <summary>Activations at 0 and 255 (as stored bytes) and weights at the ends of their range (w_zp ± 64, or −128 / 127).</summary>
        public void Extremes(Random rng)
        {
            for (int j = 0; j < _x.Length; j++) _x[j] = (byte)(j % 3 == 0 ? 0 : 255);
            for (int j = 0; j < _w.Length; j++)
            {
                int zp = WeightZeroPoint(_transB ? j / _k : j % _n);
                bool up = rng.Next(2) == 0;
                _w[j] = (byte)(sbyte)(_sevenBit ? zp + (up ? 64 : -64) : (up ? 127 : -128));
            }
        }

        public Int8Gemv Kernel(Isa isa)
        {
            using var w = Tensor.FromArray(Array.ConvertAll(_w, b => (sbyte)b), _transB ? [_n, _k] : [_k, _n]);
            using var ws = Tensor.FromArray(_wScale, _wScale.Length);
            using var wz = Tensor.FromArray(Array.ConvertAll(_wZp, v => (sbyte)v), _wZp.Length);
            using var b = Tensor.FromArray(_bias, _n);
            return new Int8Gemv(isa, w, _transB, wz, _xSigned, _xZp, _xScale, ws, _yScale, _yZp, _ySigned, _lo, _hi, _withBias ? b : null, _m);
        }

        public void AssertBitExact(Isa isa)
        {
            var kernel = Kernel(isa);
            var expected = new byte[_m * _n];
            var actual = new byte[_m * _n];
            var workspace = new byte[kernel.WorkspaceBytes];
            using var pool = new WorkerPool(_threads);
            using var wScale = Tensor.FromArray(_wScale, _wScale.Length);
            fixed (byte* x = _x, w = _w, y = expected, f = actual, ws = workspace)
            fixed (int* bias = _bias)
            {
                var sink = new QLinearConv.RequantSink
                {
                    Y = y, Signed = _ySigned, Bias = _withBias ? bias : null, Lo = _lo, Hi = _hi, XScale = _xScale, WScale = wScale,
                    YScale = _yScale, YZp = _yZp,
                };
                IntegerMatMulReference.ForEachRow(_m, _k, _n, x, _xSigned, _xZp, w, true, _transB, _wZp, ref sink);
                kernel.Run(x, f, ws, pool);
            }
            string what = $"{kernel.Name} m={_m} k={_k} n={_n} transB={_transB} xSigned={_xSigned} ySigned={_ySigned} columns={_wScale.Length}";
            for (int j = 0; j < expected.Length; j++)
                if (expected[j] != actual[j]) Assert.Fail($"{what}: element {j} reference {expected[j]} fast {actual[j]}");
            // A test that cannot fail proves nothing: the outputs must not all sit at one clamp.
            if (_k >= 15 && expected.Length >= 16) Assert.True(expected.Distinct().Count() > 3, $"{what}: degenerate outputs");
        }
    }
}
