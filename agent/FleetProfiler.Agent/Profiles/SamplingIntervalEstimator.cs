namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// The sample profiler's real interval, observed: per thread the mean gap between its samples, then the median
/// over threads with enough samples. The configured rate (1 ms by default) stretches when the runtime is busy,
/// since every sample suspends it.
/// </summary>
public sealed class SamplingIntervalEstimator
{
    private const int MinSamplesPerThread = 10;
    private readonly Dictionary<int, (double FirstMSec, double LastMSec, int Count)> _threads = [];

    public void Add(int threadId, double timestampMSec)
    {
        _threads[threadId] = _threads.TryGetValue(threadId, out var t)
            ? (t.FirstMSec, timestampMSec, t.Count + 1)
            : (timestampMSec, timestampMSec, 1);
    }

    public TimeSpan? Estimate()
    {
        var perThread = _threads.Values
            .Where(t => t.Count >= MinSamplesPerThread && t.LastMSec > t.FirstMSec)
            .Select(t => (t.LastMSec - t.FirstMSec) / (t.Count - 1))
            .Order()
            .ToList();
        return perThread.Count == 0 ? null : TimeSpan.FromMilliseconds(perThread[perThread.Count / 2]);
    }
}
