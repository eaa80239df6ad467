namespace Bramble.Training.Gradients;

/// <summary>
/// Hinton et al.'s soft-target loss for knowledge distillation: T² · mean over the batch of
/// KL(softmax(teacher/T) ‖ softmax(student/T)). A compressed network fine-tuned against its own
/// uncompressed original learns the original's whole output distribution per image (which wrong classes
/// look alike), not just the label: far more signal per image than the hard label, which is what a
/// decomposed layer needs to recover its lost directions in a few epochs.
/// </summary>
public static class DistillationLoss
{
    /// <summary>
    /// Returns the mean soft-target loss and ADDS <paramref name="weight"/> times its gradient with respect to
    /// the student logits, T · (softmax(student/T) − softmax(teacher/T)) / N, to <paramref name="dLogits"/>
    /// (so it blends with a hard-label gradient already there). The T² factor keeps the gradient's size
    /// comparable to the hard-label loss's whatever the temperature.
    /// </summary>
    public static double Compute(ReadOnlySpan<float> student, ReadOnlySpan<float> teacher, int batch, int classes,
        float temperature, float weight, Span<float> dLogits)
    {
        if (student.Length != batch * classes || teacher.Length != student.Length)
            throw new ShapeException($"distillation loss: {student.Length} student and {teacher.Length} teacher logits for {batch} rows of {classes} classes");
        if (!(temperature > 0) || !float.IsFinite(temperature)) throw new BrambleException($"distillation loss: temperature must be positive, got {temperature}");
        if (!dLogits.IsEmpty && dLogits.Length != student.Length)
            throw new ShapeException($"distillation loss: {dLogits.Length} gradient values for {student.Length} logits");
        double invT = 1.0 / temperature, total = 0;
        for (int n = 0; n < batch; n++)
        {
            var s = student.Slice(n * classes, classes);
            var t = teacher.Slice(n * classes, classes);
            double lseS = LogSumExp(s, invT), lseT = LogSumExp(t, invT);
            for (int c = 0; c < classes; c++)
            {
                double logPs = s[c] * invT - lseS, logPt = t[c] * invT - lseT;
                double pt = Math.Exp(logPt);
                total += pt * (logPt - logPs);
                if (!dLogits.IsEmpty) dLogits[n * classes + c] += (float)(weight * temperature * (Math.Exp(logPs) - pt) / batch);
            }
        }
        return temperature * temperature * total / batch;
    }

    /// <summary>log Σ exp(x·scale), with the maximum subtracted so large logits do not overflow.</summary>
    private static double LogSumExp(ReadOnlySpan<float> x, double scale)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v * scale);
        double sum = 0;
        foreach (float v in x) sum += Math.Exp(v * scale - max);
        return max + Math.Log(sum);
    }
}
