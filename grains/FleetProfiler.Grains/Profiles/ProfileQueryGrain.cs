using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using Orleans.Concurrency;

namespace FleetProfiler.Grains.Profiles;

[StatelessWorker]
public sealed class ProfileQueryGrain(IProfileStore store) : Grain, IProfileQueryGrain
{
    public async Task<MergedProfile> GetProfileAsync(string service, string? host, TimeRange range, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");

        // One more than asked: tells whether the range held more windows than were merged.
        var windows = await store.ReadWindowsAsync(service, host, range.From, range.To, maxWindows + 1);
        var truncated = windows.Count > maxWindows;
        var merged = new CallTree();
        double intervalSum = 0;
        var intervalCount = 0;
        foreach (var w in windows.Take(maxWindows))
        {
            merged.MergeFrom(CallTreeCodec.Deserialize(w.Tree));
            if (w.SamplingIntervalMs > 0) { intervalSum += w.SamplingIntervalMs; intervalCount++; }
        }
        return new MergedProfile(CallTreeCodec.Serialize(merged), Math.Min(windows.Count, maxWindows), truncated,
            intervalCount == 0 ? 0 : intervalSum / intervalCount);
    }
}
