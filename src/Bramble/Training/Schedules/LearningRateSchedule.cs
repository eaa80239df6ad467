namespace Bramble.Training.Schedules;

/// <summary>The learning rate at each optimiser step of a run of <c>totalSteps</c> steps.</summary>
public abstract class LearningRateSchedule
{
    protected LearningRateSchedule(float baseRate) => BaseRate = baseRate;

    public float BaseRate { get; }

    /// <summary>Rate for step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public abstract float Rate(long step, long totalSteps);

    /// <summary>Builds a schedule by name: constant, step, cosine; warm-up wraps any of them.</summary>
    public static LearningRateSchedule Create(string name, float baseRate, long stepsPerEpoch, int warmupEpochs = 0)
    {
        LearningRateSchedule s = name.ToLowerInvariant() switch
        {
            "constant" => new ConstantSchedule(baseRate),
            "step" => new StepSchedule(baseRate, Math.Max(1, stepsPerEpoch * 3), 0.3f),
            "cosine" => new CosineSchedule(baseRate),
            _ => throw new BrambleException($"unknown learning-rate schedule '{name}' (use constant, step or cosine)"),
        };
        return warmupEpochs > 0 ? new WarmupSchedule(s, warmupEpochs * stepsPerEpoch) : s;
    }
}

public sealed class ConstantSchedule(float rate) : LearningRateSchedule(rate)
{
    public override float Rate(long step, long totalSteps) => BaseRate;
}

/// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
public sealed class StepSchedule(float rate, long stepSize, float gamma) : LearningRateSchedule(rate)
{
    public override float Rate(long step, long totalSteps) => BaseRate * MathF.Pow(gamma, step / Math.Max(1, stepSize));
}

/// <summary>Cosine annealing from the base rate to <see cref="MinRate"/> over the run.</summary>
public sealed class CosineSchedule(float rate, float minRate = 0f) : LearningRateSchedule(rate)
{
    public float MinRate { get; } = minRate;

    public override float Rate(long step, long totalSteps)
    {
        double t = totalSteps <= 1 ? 1 : Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        return (float)(MinRate + (BaseRate - MinRate) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}

/// <summary>Linear warm-up from near zero over the first <paramref name="warmupSteps"/> steps, then <paramref name="inner"/>.</summary>
public sealed class WarmupSchedule(LearningRateSchedule inner, long warmupSteps) : LearningRateSchedule(inner.BaseRate)
{
    public override float Rate(long step, long totalSteps) =>
        step < warmupSteps ? inner.BaseRate * (step + 1) / warmupSteps : inner.Rate(step - warmupSteps, Math.Max(1, totalSteps - warmupSteps));
}
