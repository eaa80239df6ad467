using Bramble.Tests.Cli;
using Bramble.Tests.Support;

namespace Bramble.Tests.Training;

public class TrainCliTests
{
    [Fact]
    public void TrainThenEvalOnAnImageFolder()
    {
        string root = Path.Combine(Path.GetTempPath(), "bramble-train-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            TwoClassImageFolder.Write(root, seed: 1);
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
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
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
