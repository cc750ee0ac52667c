using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Profiles;
using Orleans.Concurrency;

namespace FleetProfiler.Grains.Profiles;

/// <summary>Answers profile queries from the coarsest stored data (see <see cref="QueryPlan"/>); any silo can run it.</summary>
[StatelessWorker]
public sealed class ProfileQueryGrain(ProfileReader reader) : Grain, IProfileQueryGrain
{
    public async Task<MergedProfile> GetProfileAsync(string service, string? host, TimeRange range, int maxWindows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        if (maxWindows <= 0) throw new ArgumentOutOfRangeException(nameof(maxWindows), "must be positive");
        // Off the grain scheduler: decoding and merging are CPU-bound and SQLite reads are synchronous underneath.
        var read = await Task.Run(() => reader.ReadAsync(service, host, range.From, range.To, maxWindows));
        return new MergedProfile(CallTreeCodec.Serialize(read.Tree), read.Windows, read.Truncated, read.SamplingIntervalMs,
            read.Widened, new TimeRange(read.CoveredFrom, read.CoveredTo), read.BucketsRead, read.RawWindowsRead);
    }
}
