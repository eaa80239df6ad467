using Bramble.Tensors;
using Bramble.Training.Autodiff;
using Bramble.Training.Optimizers;
using Bramble.Training.Schedules;

namespace Bramble.Tests.Training;

public class OptimizerTests
{
    // y = x·k with x = 1 and d(loss)/dy = 1: every weight of k sees gradient 1 on every step.
    private static (TrainingGraph Graph, Parameter K) UnitGradient(float start)
    {
        var g = GradientCheck.Build([1, 2], [GradientCheck.Node("Mul", ["x", "k"])], ("k", [2], [start, start]));
        var tg = new TrainingGraph(g);
        return (tg, tg.Parameter("k"));
    }

    private static float Run(Optimizer optimizer, int steps, float lr, float start = 1f)
    {
        var (tg, k) = UnitGradient(start);
        using var ctx = new TrainContext(1);
        for (int i = 0; i < steps; i++)
        {
            tg.Forward([1f, 1f], 1, ctx);
            tg.Backward([1f, 1f], ctx);
            optimizer.Step(tg.Parameters, lr);
        }
        return k.Latent[0];
    }

    [Fact]
    public void SgdMomentumAndNesterovFollowTheirRecurrences()
    {
        Assert.Equal(1f - 0.1f - 0.1f, Run(new Sgd(), 2, 0.1f), 5);
        // v1 = 1, v2 = 1.9: w = 1 − 0.1·(1 + 1.9).
        Assert.Equal(1f - 0.29f, Run(new Sgd { Momentum = 0.9f }, 2, 0.1f), 5);
        // Nesterov steps by g + μ·v: 0.1·1.9 then 0.1·(1 + 0.9·1.9).
        Assert.Equal(1f - 0.19f - 0.271f, Run(new Sgd { Momentum = 0.9f, Nesterov = true }, 2, 0.1f), 5);
    }

    [Fact]
    public void AdamFirstStepMovesByTheLearningRate_AdamWDecaysTheWeight()
    {
        Assert.Equal(1f - 0.1f, Run(new Adam(), 1, 0.1f), 4);
        // Decoupled decay: w −= lr·λ·w before the Adam step.
        Assert.Equal(1f - 0.1f * 0.5f - 0.1f, Run(new Adam { WeightDecay = 0.5f, Decoupled = true, DecayAll = true }, 1, 0.1f), 4);
    }

    [Fact]
    public void WeightDecaySkipsBiasesUnlessAskedAndFrozenParametersStay()
    {
        // k has rank 1 (a bias-like vector): plain decay is skipped.
        Assert.Equal(1f - 0.1f, Run(new Sgd { WeightDecay = 1f }, 1, 0.1f), 5);
        Assert.Equal(1f - 0.1f * 2f, Run(new Sgd { WeightDecay = 1f, DecayAll = true }, 1, 0.1f), 5);

        var g = GradientCheck.Build([1, 2], [GradientCheck.Node("Mul", ["x", "k"], "h"), GradientCheck.Node("Add", ["h", "b"])], ("k", [2], [1f, 1f]), ("b", [2], [0f, 0f]));
        var tg = new TrainingGraph(g);
        tg.Parameter("k").Trainable = false;
        tg.RefreshGradientFlow();
        using var ctx = new TrainContext(1);
        tg.Forward([1f, 1f], 1, ctx);
        tg.Backward([1f, 1f], ctx);
        new Sgd().Step(tg.Parameters, 0.5f);
        Assert.Equal([1f, 1f], tg.Parameter("k").Latent);
        Assert.Equal([-0.5f, -0.5f], tg.Parameter("b").Latent);
    }

    [Fact]
    public void Schedules()
    {
        var cosine = new CosineSchedule(1f, 0.1f);
        Assert.Equal(1f, cosine.Rate(0, 11), 5);
        Assert.Equal(0.55f, cosine.Rate(5, 11), 5);
        Assert.Equal(0.1f, cosine.Rate(10, 11), 5);
        var step = new StepSchedule(1f, 10, 0.5f);
        Assert.Equal(1f, step.Rate(9, 100));
        Assert.Equal(0.25f, step.Rate(25, 100));
        var warm = new WarmupSchedule(new ConstantSchedule(0.4f), 4);
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f, 0.4f], Enumerable.Range(0, 5).Select(i => warm.Rate(i, 10)).ToArray());
        Assert.Throws<BrambleException>(() => LearningRateSchedule.Create("triangle", 1f, 10));
        Assert.Throws<BrambleException>(() => Optimizer.Create("lion", 0f));
    }
}
