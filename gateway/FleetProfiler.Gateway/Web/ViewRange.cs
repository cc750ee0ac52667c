using FleetProfiler.Gateway.Query;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Web;

/// <summary>
/// The time range a page shows: <c>since=1h</c> in its URL (the spans of the range picker, or any duration the JSON
/// routes accept), ending now. The URL keeps the span, not the instants, so that a shared link shows the latest data.
/// </summary>
public sealed record ViewRange(string Since, DateTimeOffset From, DateTimeOffset To)
{
    public const string Default = "1h";

    /// <summary>The spans the picker offers.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> Choices =
        [("15m", "15 minutes"), ("1h", "1 hour"), ("6h", "6 hours"), ("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days")];

    public Timestamp FromTimestamp => Timestamp.FromDateTimeOffset(From);

    public Timestamp ToTimestamp => Timestamp.FromDateTimeOffset(To);

    public TimeSpan Length => To - From;

    /// <summary>The range of <paramref name="since"/> (null or invalid: the default) ending at <paramref name="now"/>.</summary>
    public static ViewRange Parse(string? since, DateTimeOffset now)
    {
        TimeSpan span;
        try
        {
            span = ProfileHttpEndpoints.ParseSpan(string.IsNullOrEmpty(since) ? Default : since);
        }
        catch (RpcException)
        {
            since = Default;
            span = ProfileHttpEndpoints.ParseSpan(Default);
        }
        return new ViewRange(since ?? Default, now - span, now);
    }

    /// <summary><paramref name="count"/> equal consecutive parts of the range, oldest first (the points of a trend).</summary>
    public IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Split(int count)
    {
        var step = Length / count;
        return [.. Enumerable.Range(0, count).Select(i => (From + step * i, From + step * (i + 1)))];
    }

    public string Label => Choices.FirstOrDefault(c => c.Value == Since).Label ?? Since;
}
