namespace Bramble.Ops.Elementwise;

/// <summary>The error function in double precision (.NET has none): accurate to ~1e-15, far beyond float32.</summary>
public static class ErrorFunction
{
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            // Maclaurin series erf(x) = 2/√π · Σ (-1)^n x^(2n+1) / (n! (2n+1)); terms stay below e^(x²) ≈ 518,
            // so cancellation costs at most ~3 of double's 16 digits.
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 100; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            r = sum * 2 / Math.Sqrt(Math.PI);
        }
        else if (ax < 27)
        {
            r = 1 - Erfc(ax);
        }
        else
        {
            r = 1;
        }
        return x < 0 ? -r : r;
    }

    // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), x ≥ 2.5, evaluated backwards.
    private static double Erfc(double x)
    {
        double f = x;
        for (int k = 120; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
