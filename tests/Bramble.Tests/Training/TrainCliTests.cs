using Bramble.Tests.Cli;
using Bramble.Tests.Support;

namespace Bramble.Tests.Training;

public class TrainCliTests
{
    /// <summary>Runs <paramref name="test"/> on a fresh two-class image folder, deleted afterwards.</summary>
    private static void WithImageFolder(int seed, Action<string> test)
    {
        string root = Path.Combine(Path.GetTempPath(), "bramble-train-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            TwoClassImageFolder.Write(root, seed: seed);
            test(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void TrainThenEvalOnAnImageFolder() => WithImageFolder(1, root =>
        {
            string model = Path.Combine(root, "model.onnx");
            var train = CliHarness.Run("train", "--arch", "lenet", "--dataset", root, "--image-size", "12", "--epochs", "4",
                "--batch", "8", "--lr", "0.003", "--threads", "1", "-o", model);
            Assert.True(train.Code == 0, train.Err);
            var losses = System.Text.RegularExpressions.Regex.Matches(train.Out, @"epoch \d+: loss ([0-9.]+)")
                .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(4, losses.Length);
            Assert.True(losses[^1] < losses[0], train.Out);
            Assert.True(File.Exists(model));

            var eval = CliHarness.Run("eval", model, "--dataset", root, "--image-size", "12", "--threads", "1");
            Assert.True(eval.Code == 0, eval.Err);
            Assert.Matches(@"Images: 24 +top-1: [0-9.]+ % +top-5: 100\.00 %", eval.Out);
            Assert.Contains("bright", eval.Out);
        });

    [Fact]
    public void ProfilePrintsWhereTheTimeWentForAWiderArchitecture() => WithImageFolder(2, root =>
        {
            string model = Path.Combine(root, "model.onnx");
            var train = CliHarness.Run("train", "--arch", "lenet", "--width", "1.5", "--label-smoothing", "0.1", "--dataset", root,
                "--image-size", "12", "--epochs", "1", "--batch", "8", "--threads", "1", "--profile", "-o", model);
            Assert.True(train.Code == 0, train.Err);
            Assert.Contains("backward ms", train.Out);
            Assert.Matches(@"│ Conv +│ 2 +│", train.Out);
            Assert.Matches(@"Training lenet \([0-9,]+ parameters\)", train.Out);
            // Width 1.5: 24 filters in the first conv instead of 16.
            using var trained = Bramble.Import.ModelLoader.Load(model);
            Assert.Contains(trained.Graph.Initializers.Values, t => t.Shape.SequenceEqual(new[] { 24, 1, 5, 5 }));
        });

    [Fact]
    public void BadLabelSmoothingAndWidthAreOneLineErrors()
    {
        var smoothing = CliHarness.Run("train", "--arch", "lenet", "--label-smoothing", "1.5", "-o", "x.onnx");
        Assert.Equal(2, smoothing.Code);
        Assert.Contains("--label-smoothing", smoothing.SingleErrorLine());
        var width = CliHarness.Run("train", "--arch", "lenet", "--width", "0", "-o", "x.onnx");
        Assert.Equal(2, width.Code);
        Assert.Contains("width", width.SingleErrorLine());
    }

    [Fact]
    public void TrainNeedsExactlyOneStartingPoint()
    {
        var r = CliHarness.Run("train", "--dataset", "fashion-mnist", "-o", "x.onnx");
        Assert.Equal(2, r.Code);
        Assert.Contains("--arch", r.SingleErrorLine());
        var unknown = CliHarness.Run("train", "--arch", "lenet", "--dataset", "no-such-dataset", "-o", "x.onnx");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no-such-dataset", unknown.SingleErrorLine());
    }
}
