namespace FleetProfiler.Cli.Arguments;

/// <summary>A half-open range [From, To) of profile windows, by window start, as the gateway reads them.</summary>
public sealed record TimeWindow(DateTimeOffset From, DateTimeOffset To)
{
    public TimeSpan Length => To - From;

    /// <summary>
    /// <c>--since D</c> (the last D up to now) or <c>--from T [--to T]</c> (to defaults to now); neither means the last
    /// <paramref name="defaultSince"/>. Both, a lone --to, or a range that is empty or backwards are usage errors.
    /// </summary>
    public static TimeWindow Resolve(string? since, string? from, string? to, DateTimeOffset now, TimeSpan defaultSince,
        string sinceOption = "--since", string fromOption = "--from", string toOption = "--to")
    {
        if (since is not null && (from is not null || to is not null))
            throw new UsageException($"use either {sinceOption} or {fromOption}/{toOption}, not both");
        if (to is not null && from is null)
            throw new UsageException($"{toOption} needs {fromOption}");
        if (from is null)
        {
            var length = since is null ? defaultSince : Durations.Parse(since, sinceOption);
            return new TimeWindow(now - length, now);
        }
        return Between(from, to ?? "now", now, fromOption, toOption);
    }

    public static TimeWindow Between(string from, string to, DateTimeOffset now, string fromOption, string toOption)
    {
        var start = Timestamps.Parse(from, fromOption, now);
        var end = Timestamps.Parse(to, toOption, now);
        if (start == end)
            throw new UsageException($"{fromOption} and {toOption} are the same time ({Describe(start)}): the range is empty");
        if (start > end)
            throw new UsageException($"{fromOption} ({Describe(start)}) must be before {toOption} ({Describe(end)})");
        return new TimeWindow(start, end);
    }

    public static string Describe(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public override string ToString() => $"{Describe(From)} – {Describe(To)}";
}
