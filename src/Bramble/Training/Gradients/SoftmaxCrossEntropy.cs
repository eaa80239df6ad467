namespace Bramble.Training.Gradients;

/// <summary>
/// The training loss: mean over the batch of −log softmax(logits)[label]. Its gradient with respect to
/// the logits is (softmax − onehot)/N, computed in the same pass with the max subtracted for stability.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Returns the mean loss and the number of rows whose arg-max equals the label; writes dLogits.</summary>
    public static (double Loss, int Correct) Compute(ReadOnlySpan<float> logits, int batch, int classes, ReadOnlySpan<int> labels,
        Span<float> dLogits, float labelSmoothing = 0f)
    {
        if (logits.Length != batch * classes || labels.Length < batch)
            throw new ShapeException($"loss: {logits.Length} logits for {batch} rows of {classes} classes and {labels.Length} labels");
        double total = 0;
        int correct = 0;
        for (int n = 0; n < batch; n++)
        {
            var row = logits.Slice(n * classes, classes);
            int label = labels[n];
            if ((uint)label >= (uint)classes) throw new BrambleException($"loss: label {label} of row {n} is outside 0..{classes - 1}");
            float max = float.NegativeInfinity;
            int best = 0;
            for (int c = 0; c < classes; c++) if (row[c] > max) { max = row[c]; best = c; }
            if (best == label) correct++;
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(row[c] - max);
            double logSum = Math.Log(sum) + max;
            float off = labelSmoothing / classes;
            for (int c = 0; c < classes; c++)
            {
                double target = (c == label ? 1 - labelSmoothing : 0) + off;
                total -= target * (row[c] - logSum);
                if (!dLogits.IsEmpty) dLogits[n * classes + c] = (float)((Math.Exp(row[c] - logSum) - target) / batch);
            }
        }
        return (total / batch, correct);
    }
}
