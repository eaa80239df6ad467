using System.Diagnostics;
using Bramble.Tensors;
using Bramble.Tests.Support;

namespace Bramble.Tests.IO;

/// <summary>
/// Files written by numpy itself (/usr/bin/python3, package python3-numpy) read by Bramble, and files
/// written by Bramble read back by numpy. Skipped locally when numpy is absent; a failure in CI.
/// </summary>
public class NpyNumpyInteropTests
{
    private static string? Python()
    {
        var python = TestResources.PythonWith("numpy");
        if (python == null && TestResources.InCi)
            throw new InvalidOperationException("/usr/bin/python3 with numpy is missing; install it with: sudo apt-get install python3-numpy");
        return python;
    }

    private static string RunPython(string python, string script, string workDir)
    {
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "python timed out");
        Assert.True(p.ExitCode == 0, $"python failed: {stderr}");
        return stdout.Result;
    }

    // Element i of every array is f(i) = (i * 7 % 23) - 11, cast to the dtype: exact in every type.
    private static double Expected(long i, DataType type) => type switch
    {
        DataType.UInt8 or DataType.Bool => type == DataType.Bool ? ((i * 7 % 23) - 11 > 0 ? 1 : 0) : (byte)(sbyte)((i * 7 % 23) - 11),
        _ => (i * 7 % 23) - 11,
    };

    [Fact]
    public void ReadsWhatNumpyWrites()
    {
        if (Python() is not { } python) return;
        using var dir = TestResources.CreateTempDir();
        RunPython(python, """
            import numpy as np
            from numpy.lib import format as fmt
            def f(shape, dtype):
                n = int(np.prod(shape))
                v = (np.arange(n) * 7 % 23) - 11
                if dtype == np.bool_: v = v > 0
                return v.astype(dtype).reshape(shape)
            for name, dt in [('f4', np.float32), ('f8', np.float64), ('i8', np.int64), ('i4', np.int32),
                             ('u1', np.uint8), ('i1', np.int8), ('b1', np.bool_), ('f2', np.float16)]:
                np.save(name + '.npy', f((2, 3, 4), dt))
                np.save(name + '_be.npy', f((2, 3, 4), np.dtype(dt).newbyteorder('>')))
                np.save(name + '_fortran.npy', np.asfortranarray(f((2, 3, 4), dt)))
            for version in [(1, 0), (2, 0), (3, 0)]:
                with open('v%d.npy' % version[0], 'wb') as fh:
                    fmt.write_array(fh, f((5, 2), np.float32), version=version)
            np.save('scalar.npy', np.float32(-11))
            np.save('empty.npy', np.zeros((0, 3), np.float32))
            """, dir.Path);

        (string File, DataType Type)[] dtypes =
        [
            ("f4", DataType.Float32), ("f8", DataType.Float64), ("i8", DataType.Int64), ("i4", DataType.Int32),
            ("u1", DataType.UInt8), ("i1", DataType.Int8), ("b1", DataType.Bool), ("f2", DataType.Float16),
        ];
        foreach (var (file, type) in dtypes)
            foreach (var variant in new[] { "", "_be", "_fortran" })
            {
                using var t = Bramble.IO.Npy.Read(dir.File(file + variant + ".npy"));
                Assert.Equal(type, t.Type);
                Assert.Equal(new[] { 2, 3, 4 }, t.Shape);
                for (long i = 0; i < t.Length; i++)
                    Assert.True(Expected(i, type) == t.GetDouble(i), $"{file}{variant}.npy element {i}: {t.GetDouble(i)} != {Expected(i, type)}");
            }
        for (int major = 1; major <= 3; major++)
        {
            using var t = Bramble.IO.Npy.Read(dir.File($"v{major}.npy"));
            Assert.Equal(new[] { 5, 2 }, t.Shape);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)Expected(i, DataType.Float32)), t.ToArray<float>());
        }
        using (var s = Bramble.IO.Npy.Read(dir.File("scalar.npy")))
        {
            Assert.Empty(s.Shape);
            Assert.Equal(-11f, s.ToArray<float>()[0]);
        }
        using (var e = Bramble.IO.Npy.Read(dir.File("empty.npy")))
            Assert.Equal(new[] { 0, 3 }, e.Shape);
    }

    [Fact]
    public void NumpyReadsWhatBrambleWrites()
    {
        if (Python() is not { } python) return;
        using var dir = TestResources.CreateTempDir();
        var tensors = new (string Name, Tensor Tensor)[]
        {
            ("f4", Tensor.FromArray(new float[] { 1.5f, -2, 3.25f, 0, 1e-8f, -7 }, 2, 3)),
            ("f8", Tensor.FromArray(new double[] { Math.PI, -1e300 }, 2)),
            ("i8", Tensor.FromArray(new long[] { long.MinValue, long.MaxValue, 0 }, 3, 1)),
            ("i4", Tensor.FromArray(new int[] { -1, 2 }, 1, 1, 2)),
            ("u1", Tensor.FromArray(new byte[] { 0, 255, 17 }, 3)),
            ("i1", Tensor.FromArray(new sbyte[] { -128, 127 }, 2)),
            ("f2", Tensor.FromArray(new Half[] { (Half)0.5, (Half)(-65504) }, 2)),
            ("scalar", Tensor.Scalar(42f)),
        };
        try
        {
            foreach (var (name, t) in tensors) Bramble.IO.Npy.Write(dir.File(name + ".npy"), t);
            string output = RunPython(python, """
                import numpy as np
                for name in ['f4', 'f8', 'i8', 'i4', 'u1', 'i1', 'f2', 'scalar']:
                    a = np.load(name + '.npy', allow_pickle=False)
                    print(name, a.dtype.str, a.shape, a.flatten().tolist())
                """, dir.Path);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("f4 <f4 (2, 3) [1.5, -2.0, 3.25, 0.0, 9.99999993922529e-09, -7.0]", lines[0]);
            Assert.Equal("f8 <f8 (2,) [3.141592653589793, -1e+300]", lines[1]);
            Assert.Equal("i8 <i8 (3, 1) [-9223372036854775808, 9223372036854775807, 0]", lines[2]);
            Assert.Equal("i4 <i4 (1, 1, 2) [-1, 2]", lines[3]);
            Assert.Equal("u1 |u1 (3,) [0, 255, 17]", lines[4]);
            Assert.Equal("i1 |i1 (2,) [-128, 127]", lines[5]);
            Assert.Equal("f2 <f2 (2,) [0.5, -65504.0]", lines[6]);
            Assert.Equal("scalar <f4 () [42.0]", lines[7]);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }
}
