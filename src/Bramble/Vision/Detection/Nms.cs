namespace Bramble.Vision.Detection;

/// <summary>Darknet's non-maximum suppression.</summary>
public static class Nms
{
    /// <summary>
    /// do_nms_sort: drops candidates with zero objectness, then for each class sorts by that class's
    /// probability (descending) and zeroes the class probability of every later box whose IoU with a
    /// kept box exceeds <paramref name="iouThreshold"/>. Returns the surviving candidates (same objects, probabilities updated).
    /// </summary>
    public static List<BoxCandidate> DoNmsSort(IEnumerable<BoxCandidate> candidates, int classes, float iouThreshold)
    {
        var dets = new List<BoxCandidate>();
        foreach (var d in candidates)
            if (d.Objectness != 0) dets.Add(d);
        var order = new BoxCandidate[dets.Count];
        for (int k = 0; k < classes; k++)
        {
            dets.CopyTo(order);
            // A stable sort: Darknet's qsort leaves ties in unspecified order; stability makes ours deterministic.
            int cls = k;
            var sorted = order.OrderByDescending(d => d.Probabilities[cls]).ToArray();
            for (int i = 0; i < sorted.Length; i++)
            {
                if (sorted[i].Probabilities[k] == 0) continue;
                var a = sorted[i].Box;
                for (int j = i + 1; j < sorted.Length; j++)
                    if (DarknetBox.Iou(a, sorted[j].Box) > iouThreshold) sorted[j].Probabilities[k] = 0;
            }
        }
        return dets;
    }
}
