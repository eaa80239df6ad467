using Bramble.Tests.Support;
using Bramble.Graph;
using Bramble.Training;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;
using Bramble.Training.Gradients;
using Bramble.Training.Models;

namespace Bramble.Tests.Training;

/// <summary>Knowledge distillation: the soft-target loss and its gradient, and training a student towards a teacher.</summary>
public class DistillationTests
{
    private static readonly float[] Student = [1.5f, -0.5f, 0.25f, 2f, 0f, -1f, 0.75f, 3f];
    private static readonly float[] TeacherLogits = [0.5f, 1f, -2f, 1f, 2f, -0.5f, 0.5f, 1f];

    [Fact]
    public void LossAndGradientVanishWhenTheStudentMatchesTheTeacher()
    {
        var grad = new float[Student.Length];
        double loss = DistillationLoss.Compute(Student, Student, 2, 4, 3f, 1f, grad);
        Assert.Equal(0, loss, 9);
        Assert.All(grad, g => Assert.Equal(0f, g, 6));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(4f)]
    public void GradientMatchesCentralDifferences(float temperature)
    {
        var grad = new float[Student.Length];
        double loss = DistillationLoss.Compute(Student, TeacherLogits, 2, 4, temperature, 1f, grad);
        Assert.True(loss > 0.01, $"loss {loss} of different logits should be clearly positive");
        const float h = 1e-2f;
        for (int i = 0; i < Student.Length; i++)
        {
            float[] up = (float[])Student.Clone(), down = (float[])Student.Clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (DistillationLoss.Compute(up, TeacherLogits, 2, 4, temperature, 1f, Span<float>.Empty)
                - DistillationLoss.Compute(down, TeacherLogits, 2, 4, temperature, 1f, Span<float>.Empty)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) < 1e-3 + 1e-2 * Math.Abs(numeric), $"logit {i}: numeric {numeric}, analytic {grad[i]}");
        }
    }

    [Fact]
    public void GradientIsAddedScaledByTheWeight()
    {
        var full = new float[Student.Length];
        DistillationLoss.Compute(Student, TeacherLogits, 2, 4, 2f, 1f, full);
        var blended = Enumerable.Repeat(1f, Student.Length).ToArray();
        DistillationLoss.Compute(Student, TeacherLogits, 2, 4, 2f, 0.25f, blended);
        for (int i = 0; i < full.Length; i++) Assert.Equal(1f + 0.25f * full[i], blended[i], 5);
    }

    [Fact]
    public void MismatchedLogitsAreReported()
    {
        Assert.Throws<ShapeException>(() => DistillationLoss.Compute(Student, TeacherLogits.AsSpan(0, 4), 2, 4, 2f, 1f, Span<float>.Empty));
        Assert.Throws<BrambleException>(() => DistillationLoss.Compute(Student, TeacherLogits, 2, 4, 0f, 1f, Span<float>.Empty));
    }

    /// <summary>Mean soft-target loss of <paramref name="student"/> against <paramref name="teacher"/> over <paramref name="data"/>.</summary>
    private static double Disagreement(TrainingGraph student, Teacher teacher, Dataset data)
    {
        using var ctx = new TrainContext(1) { Training = false };
        var loader = new DataLoader(data, data.Count, shuffle: false);
        loader.StartEpoch(0);
        int n = loader.GetBatch(0, out var samples, out _);
        var s = student.Forward(samples, n, ctx).Data;
        return DistillationLoss.Compute(s, teacher.Logits(samples, n), n, 10, 2f, 1f, Span<float>.Empty);
    }

    [Fact]
    public void PureDistillationPullsTheStudentTowardsTheTeacher()
    {
        // Labels of random images carry nothing to learn: only the teacher's outputs can bring the two closer.
        var data = RandomImages.Create(96, 12, 7);
        using var teacherModel = new Model(Architectures.Build("lenet", size: 12, seed: 5));
        using var teacher = new Teacher(teacherModel);
        var student = new TrainingGraph(Architectures.Build("lenet", size: 12, seed: 6));
        double before = Disagreement(student, teacher, data);
        var options = new TrainOptions { Epochs = 4, BatchSize = 16, LearningRate = 3e-3f, Threads = 1, Seed = 2, DistillWeight = 1f, DistillTemperature = 2f };
        using (var trainer = new Trainer(student, options, teacher))
            trainer.Fit(data);
        double after = Disagreement(student, teacher, data);
        Assert.True(after < 0.5 * before, $"soft-target loss {before:F4} -> {after:F4}: distillation did not pull the student towards the teacher");
    }

    [Fact]
    public void DistillationWithoutATeacherOrWithAnotherInputIsRefused()
    {
        var student = new TrainingGraph(Architectures.Build("lenet", size: 12, seed: 6));
        Assert.Throws<BrambleException>(() => new Trainer(student, new TrainOptions { DistillWeight = 0.5f }));
        Assert.Throws<BrambleException>(() => new Trainer(student, new TrainOptions { DistillWeight = 1.5f }));
        using var other = new Model(Architectures.Build("lenet", size: 16, seed: 5));
        using var teacher = new Teacher(other);
        Assert.Throws<ShapeException>(() => new Trainer(student, new TrainOptions { DistillWeight = 0.5f }, teacher));
    }
}
