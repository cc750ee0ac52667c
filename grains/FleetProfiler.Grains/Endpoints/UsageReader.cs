using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Grains.Profiles;
using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Endpoints;

/// <summary>
/// Reads a service's endpoint usage over a range from the profile store: per period (one bucket: minutes for ranges
/// under <see cref="ProfileStoreOptions.HourPrecisionFrom"/>, else hours, days where hours are past retention) the
/// endpoint roots' totals of the period's bucket and not yet compacted windows, and the route minutes' requests.
/// Nothing is kept between calls.
/// </summary>
public sealed class UsageReader(IProfileStore store, ProfileReader reader, ProfileStoreOptions options, TimeProvider clock)
{
    /// <summary>Raw (not yet compacted) windows one usage read decodes at most; beyond it the read says Truncated.</summary>
    public const int MaxWindows = 20_000;

    /// <summary>
    /// Distinct endpoints one read keeps figures for; beyond it the lightest (by name order of arrival) go to
    /// <see cref="ServiceEndpointUsage.OtherEndpoints"/>. The gateway caps a window at 1064 endpoint labels.
    /// </summary>
    public const int MaxEndpointsPerRead = 10_000;

    /// <summary>(method, note) groups one read counts at most (notes vary with the agent's counts; methods are few).</summary>
    public const int MaxAttributionGroups = 100;

    /// <summary>
    /// Usage of <paramref name="service"/> over <paramref name="range"/> widened to whole minutes, per period with
    /// data; with <paramref name="endpoint"/> set, that endpoint's figures per period too.
    /// </summary>
    public async Task<UsageRead> ReadAsync(string service, TimeRange range, string? endpoint, CancellationToken ct = default)
    {
        if (!range.IsValid) throw new ArgumentException("the range's end must be after its start", nameof(range));
        var minutes = EndpointSummaries.WholeMinutes(range);
        var coarsest = minutes.To - minutes.From >= options.HourPrecisionFrom ? BucketLevel.Hour : BucketLevel.Minute;
        var plan = QueryPlan.For(minutes.From, minutes.To, hostLevel: false, clock.GetUtcNow(), options, coarsest);
        var periodCount = plan.Parts.Sum(p => p.Level is { } l ? (int)Math.Ceiling((p.To - p.From) / l.Length()) : 1);
        if (periodCount > EndpointUsage.MaxPeriods)
            throw new ArgumentException($"range: {periodCount} periods, over {EndpointUsage.MaxPeriods}; ask for a shorter range", nameof(range));

        var read = await store.ReadRangeAsync(service, null, plan.Parts, Math.Min(MaxWindows, options.MaxQueryWindows), ct);
        var covered = new TimeRange(plan.Parts[0].From, plan.Parts[^1].To);
        var rows = await store.ReadRouteMinutesAsync(service, covered.From, covered.To, ct);
        var groups = await store.CountAttributionsAsync(service, covered.From, covered.To, MaxAttributionGroups, ct);

        var periods = new SortedDictionary<DateTimeOffset, Period>();
        var byEndpoint = new Dictionary<string, FiguresSum>(StringComparer.Ordinal);
        var windows = 0;
        foreach (var b in read.Buckets)
        {
            var tree = reader.Decode(b);
            lock (tree) AddTree(PeriodOf(b.Start), tree, b.SamplingIntervalMs, b.Windows);
        }
        foreach (var w in read.Windows)
            AddTree(PeriodOf(w.Start), w.DecodeTree(), w.SamplingIntervalMs, 1);

        var minutesWithRequests = new HashSet<DateTimeOffset>();
        foreach (var row in rows)
        {
            var name = EndpointNames.Of(row.Method, row.Route);
            var period = PeriodOf(row.Minute);
            period.Service.AddRequests(row);
            if (name == endpoint) period.Endpoint.AddRequests(row);
            Sum(name).AddRequests(row);
            if (row.Requests > 0) minutesWithRequests.Add(row.Minute);
        }

        var list = periods.Values.Where(p => p.Windows > 0 || !p.Service.IsEmpty).ToList();
        return new UsageRead(range, covered, read.Truncated, list, byEndpoint, windows, minutesWithRequests.Count,
            WindowAttributions.From(groups, windows));

        Period PeriodOf(DateTimeOffset t)
        {
            var part = plan.Parts.FirstOrDefault(p => p.From <= t && t < p.To) ?? plan.Parts[^1];
            var (start, length) = part.Level is { } l ? (l.Floor(t), l.Length()) : (part.From, part.To - part.From);
            if (!periods.TryGetValue(start, out var period)) periods[start] = period = new Period(start, length);
            return period;
        }

        FiguresSum Sum(string name)
        {
            if (byEndpoint.TryGetValue(name, out var sum)) return sum;
            if (byEndpoint.Count >= MaxEndpointsPerRead) name = ServiceEndpointUsage.OtherEndpoints;
            if (!byEndpoint.TryGetValue(name, out sum)) byEndpoint[name] = sum = new FiguresSum();
            return sum;
        }

        void AddTree(Period period, CallTree tree, double intervalMs, int treeWindows)
        {
            period.Windows += treeWindows;
            windows += treeWindows;
            period.Service.AddSamples(tree.Total, intervalMs);
            var attributed = SampleValues.Zero;
            foreach (var e in tree.EndpointTotals())
            {
                attributed += e.Values;
                Sum(e.Endpoint).AddSamples(e.Values, intervalMs);
                if (e.Endpoint == endpoint) period.Endpoint.AddSamples(e.Values, intervalMs);
            }
            var rest = tree.Total - attributed;
            if (!rest.IsZero)
            {
                Sum(EndpointNames.NotAttributed).AddSamples(rest, intervalMs);
                if (endpoint == EndpointNames.NotAttributed) period.Endpoint.AddSamples(rest, intervalMs);
            }
        }
    }

    /// <summary>One period's sums while reading.</summary>
    public sealed class Period(DateTimeOffset start, TimeSpan length)
    {
        public DateTimeOffset Start { get; } = start;
        public TimeSpan Length { get; } = length;
        public int Windows { get; set; }
        public FiguresSum Service { get; } = new();
        public FiguresSum Endpoint { get; } = new();
    }
}

/// <summary>
/// What a usage read found: periods with data (oldest first), every endpoint's sums over the range, and the windows
/// behind the sample figures by attribution method (counted from the raw window rows of the covered range).
/// </summary>
public sealed record UsageRead(
    TimeRange Range,
    TimeRange Covered,
    bool Truncated,
    IReadOnlyList<UsageReader.Period> Periods,
    IReadOnlyDictionary<string, FiguresSum> Endpoints,
    int Windows,
    int MinutesWithRequests,
    WindowAttributions Attributions);
