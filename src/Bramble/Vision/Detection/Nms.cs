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
        var order = new List<BoxCandidate>(dets.Count);
        for (int k = 0; k < classes; k++)
        {
            // Only boxes with a non-zero probability of class k can suppress or be suppressed for it (zeroing a
            // zero changes nothing), so the sort and the quadratic loop run over those alone: the same result as
            // Darknet's loop over all boxes, much faster when most boxes lack the class. A stable sort: Darknet's
            // qsort leaves ties in unspecified order; stability makes ours deterministic.
            order.Clear();
            foreach (var d in dets)
                if (d.Probabilities[k] != 0) order.Add(d);
            if (order.Count == 0) continue;
            int cls = k;
            var sorted = order.OrderByDescending(d => d.Probabilities[cls]).ToArray();
            for (int i = 0; i < sorted.Length; i++)
            {
                if (sorted[i].Probabilities[k] == 0) continue;
                var a = sorted[i].Box;
                for (int j = i + 1; j < sorted.Length; j++)
                    if (sorted[j].Probabilities[k] != 0 && DarknetBox.Iou(a, sorted[j].Box) > iouThreshold) sorted[j].Probabilities[k] = 0;
            }
        }
        return dets;
    }
}
