using System.Numerics;

namespace Bramble.Ops.Reduce;

/// <summary>
/// How one ONNX Reduce* op folds a set of values: acc = Init; acc = Step(acc, x) for each x; Finish(acc, n).
/// A is the accumulator type: double for floating-point inputs, and for integer inputs the input type
/// itself when <see cref="IntegerAccumulator"/> (exact, wrapping like C) or else double.
/// </summary>
public interface IReduceFn
{
    /// <summary>Whether integer inputs accumulate exactly in their own type (Sum, Max…) rather than in double (LogSum…).</summary>
    bool IntegerAccumulator { get; }

    /// <summary>Whether Step and Finish need the set's maximum, found in a first pass (LogSumExp's shift).</summary>
    bool NeedsMax { get; }

    A Init<A>() where A : INumber<A>, IMinMaxValue<A>;
    A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A>;
    A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A>;
}

internal static class Acc
{
    // -inf for floating accumulators, MinValue for integers (CreateSaturating does both).
    public static A Lowest<A>() where A : INumber<A> => A.CreateSaturating(double.NegativeInfinity);
    public static A Highest<A>() where A : INumber<A> => A.CreateSaturating(double.PositiveInfinity);
    public static A Abs<A>(A x) where A : INumber<A> => A.IsNegative(x) ? -x : x;
    public static A Real<A>(A x, Func<double, double> f) where A : INumber<A> => A.CreateTruncating(f(double.CreateTruncating(x)));
}

public readonly struct ReduceSumFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

/// <summary>Sum / count; integer inputs divide with truncation; the mean of nothing is NaN (0 for integers).</summary>
public readonly struct ReduceMeanFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> =>
        count == 0 ? A.CreateSaturating(double.NaN) : acc / A.CreateTruncating(count);
}

public readonly struct ReduceMaxFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => Acc.Lowest<A>();
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => A.Max(acc, x);
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

public readonly struct ReduceMinFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => Acc.Highest<A>();
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => A.Min(acc, x);
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

public readonly struct ReduceProdFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.One;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc * x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

public readonly struct ReduceL1Fn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + Acc.Abs(x);
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

public readonly struct ReduceSumSquareFn : IReduceFn
{
    public bool IntegerAccumulator => true;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + x * x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => acc;
}

public readonly struct ReduceL2Fn : IReduceFn
{
    public bool IntegerAccumulator => false;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + x * x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => Acc.Real(acc, Math.Sqrt);
}

public readonly struct ReduceLogSumFn : IReduceFn
{
    public bool IntegerAccumulator => false;
    public bool NeedsMax => false;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + x;
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> => Acc.Real(acc, Math.Log);
}

/// <summary>log Σ exp(x), shifted by the maximum so large inputs do not overflow.</summary>
public readonly struct ReduceLogSumExpFn : IReduceFn
{
    public bool IntegerAccumulator => false;
    public bool NeedsMax => true;
    public A Init<A>() where A : INumber<A>, IMinMaxValue<A> => A.Zero;
    public A Step<A>(A acc, A x, A max) where A : INumber<A>, IMinMaxValue<A> => acc + Acc.Real(x - max, Math.Exp);

    // An infinite (or NaN) maximum is the answer itself; shifting by it would compute inf - inf.
    public A Finish<A>(A acc, long count, A max) where A : INumber<A>, IMinMaxValue<A> =>
        A.IsFinite(max) ? Acc.Real(acc, Math.Log) + max : max;
}
