using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Checks a batch of route minutes (<c>route_minutes</c> set): no window content, whole minutes inside
/// [window_start, window_end), names within limits, counts and latencies non-negative and finite, at most
/// <see cref="BatchLimitDefaults.MaxRoutesPerMinute"/> route templates per minute. Null when acceptable.
/// </summary>
public static class RouteMinuteValidator
{
    private static readonly HashSet<string> StatusClasses = ["", "1xx", "2xx", "3xx", "4xx", "5xx"];

    public static string? Validate(Batch b, BatchLimits limits)
    {
        if (b.Kinds.Count > 0 || b.Samples.Count > 0 || b.Stacks.Count > 0 || b.Locations.Count > 0 || b.Functions.Count > 0 || b.Strings.Count > 0)
            return "a batch with route_minutes carries no window (kinds, strings, functions, locations, stacks, samples must be empty)";
        if (b.RouteMinutes.Count > BatchLimitDefaults.MaxRouteMinutes)
            return $"{b.RouteMinutes.Count} route_minutes, over max_route_minutes ({BatchLimitDefaults.MaxRouteMinutes})";
        var start = b.WindowStart.ToDateTimeOffset();
        var end = b.WindowEnd.ToDateTimeOffset();
        var routes = new Dictionary<DateTimeOffset, HashSet<string>>();
        for (var i = 0; i < b.RouteMinutes.Count; i++)
        {
            var r = b.RouteMinutes[i];
            if (r.Minute is null) return $"route_minutes[{i}].minute is required";
            var minute = r.Minute.ToDateTimeOffset();
            if (minute.UtcTicks % TimeSpan.TicksPerMinute != 0) return $"route_minutes[{i}].minute is not a whole minute";
            if (minute < start || minute >= end) return $"route_minutes[{i}].minute is outside [window_start, window_end)";
            if (r.Method.Length > BatchLimitDefaults.MaxMethodLength) return $"route_minutes[{i}].method is longer than {BatchLimitDefaults.MaxMethodLength}";
            if (r.Route.Length == 0) return $"route_minutes[{i}].route is empty";
            if (r.Route.Length > limits.MaxStringLength) return $"route_minutes[{i}].route is longer than max_string_length ({limits.MaxStringLength})";
            if (!StatusClasses.Contains(r.StatusClass)) return $"route_minutes[{i}].status_class must be 1xx..5xx or empty";
            if (r.Requests < 0) return $"route_minutes[{i}].requests is negative";
            foreach (var (name, v) in new[] { ("duration_sum_ms", r.DurationSumMs), ("p50_ms", r.P50Ms), ("p95_ms", r.P95Ms), ("p99_ms", r.P99Ms) })
                if (!double.IsFinite(v) || v < 0) return $"route_minutes[{i}].{name} must be a finite, non-negative number";
            if (!routes.TryGetValue(minute, out var seen)) routes[minute] = seen = new HashSet<string>(StringComparer.Ordinal);
            if (seen.Add(r.Route) && seen.Count > BatchLimitDefaults.MaxRoutesPerMinute)
                return $"route_minutes[{i}].route: more than {BatchLimitDefaults.MaxRoutesPerMinute} routes in minute {minute:u} (max_routes_per_minute): fold the rest into [other routes]";
        }
        return null;
    }
}
