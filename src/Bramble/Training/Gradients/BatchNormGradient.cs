using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// BatchNormalization over [N, C, ...]. Training: normalise with the batch's mean and biased variance,
/// and move the running statistics (inputs 3 and 4, updated in place) towards the batch's with ONNX's
/// momentum (new = momentum·old + (1−momentum)·batch; running variance uses the unbiased estimate as
/// PyTorch does). Inference (evaluation, or a frozen network): the running statistics, an affine map.
/// The exported graph is therefore already the ONNX inference form.
/// </summary>
public sealed class BatchNormGradient : GradientOp
{
    private readonly float _epsilon, _momentum;
    private float[] _mean = [], _invStd = [];
    private bool _usedBatchStats;
    private int _n, _c, _spatial;

    public BatchNormGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs)
    {
        _epsilon = node.GetFloat("epsilon", 1e-5f);
        _momentum = node.GetFloat("momentum", 0.9f);
    }

    /// <summary>When false, training still uses the running statistics (fine-tuning with frozen BN).</summary>
    public bool UpdateStatistics { get; set; } = true;

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        if (x.Shape.Length < 2) throw ShapeError($"input {Tensors.ShapeUtil.Format(x.Shape)} has no channel axis");
        _n = x.Shape[0];
        _c = x.Shape[1];
        _spatial = x.Length / Math.Max(1, _n * _c);
        for (int i = 1; i < 5; i++)
            if (In(i).Length != _c) throw ShapeError($"input {i} has {In(i).Length} values for {_c} channels");
        Out.Resize(x.Shape);
        if (_mean.Length != _c) { _mean = new float[_c]; _invStd = new float[_c]; }
        float[] scale = In(1).Data, bias = In(2).Data, runMean = In(3).Data, runVar = In(4).Data;
        _usedBatchStats = ctx.Training && UpdateStatistics;
        long count = (long)_n * _spatial;
        for (int c = 0; c < _c; c++)
        {
            float mean, variance;
            if (_usedBatchStats)
            {
                double sum = 0, sq = 0;
                for (int n = 0; n < _n; n++)
                {
                    int o = (n * _c + c) * _spatial;
                    for (int i = 0; i < _spatial; i++) sum += x.Data[o + i];
                }
                mean = (float)(sum / count);
                for (int n = 0; n < _n; n++)
                {
                    int o = (n * _c + c) * _spatial;
                    for (int i = 0; i < _spatial; i++) { double d = x.Data[o + i] - mean; sq += d * d; }
                }
                variance = (float)(sq / count);
                float unbiased = count > 1 ? (float)(sq / (count - 1)) : variance;
                runMean[c] = _momentum * runMean[c] + (1 - _momentum) * mean;
                runVar[c] = _momentum * runVar[c] + (1 - _momentum) * unbiased;
            }
            else
            {
                mean = runMean[c];
                variance = runVar[c];
            }
            _mean[c] = mean;
            float inv = 1f / MathF.Sqrt(variance + _epsilon);
            _invStd[c] = inv;
            float a = scale[c] * inv, b = bias[c] - mean * a;
            for (int n = 0; n < _n; n++)
            {
                int o = (n * _c + c) * _spatial;
                for (int i = 0; i < _spatial; i++) Out.Data[o + i] = x.Data[o + i] * a + b;
            }
        }
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        var scale = In(1);
        var bias = In(2);
        float[] dy = Out.Grad;
        long count = (long)_n * _spatial;
        for (int c = 0; c < _c; c++)
        {
            float mean = _mean[c], inv = _invStd[c];
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < _n; n++)
            {
                int o = (n * _c + c) * _spatial;
                for (int i = 0; i < _spatial; i++)
                {
                    float g = dy[o + i];
                    sumDy += g;
                    sumDyXhat += g * (x.Data[o + i] - mean) * inv;
                }
            }
            if (scale.NeedsGrad) scale.Grad[c] += (float)sumDyXhat;
            if (bias.NeedsGrad) bias.Grad[c] += (float)sumDy;
            if (!x.NeedsGrad) continue;
            float gamma = scale.Data[c];
            if (_usedBatchStats)
            {
                // dx = γ·inv/N · (N·dy − Σdy − x̂·Σ(dy·x̂)): the batch statistics depend on x too.
                float k = gamma * inv / count;
                float meanDy = (float)sumDy, meanDyXhat = (float)sumDyXhat;
                for (int n = 0; n < _n; n++)
                {
                    int o = (n * _c + c) * _spatial;
                    for (int i = 0; i < _spatial; i++)
                    {
                        float xhat = (x.Data[o + i] - mean) * inv;
                        x.Grad[o + i] += k * (count * dy[o + i] - meanDy - xhat * meanDyXhat);
                    }
                }
            }
            else
            {
                float k = gamma * inv;
                for (int n = 0; n < _n; n++)
                {
                    int o = (n * _c + c) * _spatial;
                    for (int i = 0; i < _spatial; i++) x.Grad[o + i] += k * dy[o + i];
                }
            }
        }
    }
}
