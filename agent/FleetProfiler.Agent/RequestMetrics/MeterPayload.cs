using System.Globalization;

namespace FleetProfiler.Agent.RequestMetrics;

/// <summary>The route key of one request time series: method, route template and status class.</summary>
public readonly record struct RouteKey(string Method, string Route, string StatusClass);

/// <summary>
/// Parses the text payloads of the <c>System.Diagnostics.Metrics</c> EventSource: tags (<c>k=v,k=v</c>) and
/// quantiles (<c>0.5=1.2;0.95=3;0.99=4</c>), as MetricsEventSource writes them.
/// </summary>
public static class MeterPayload
{
    public const string NoRoute = "[no route]";
    public const string OtherRoutes = "[other routes]";

    /// <summary>
    /// Tags of one time series. Values are not escaped by the runtime, so a ',' inside a value (a route constraint
    /// such as <c>{n:range(1,9)}</c>) is told from a separator by what follows: a new tag starts with <c>name=</c>.
    /// </summary>
    public static Dictionary<string, string> ParseTags(string? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(tags))
        {
            return result;
        }
        string? key = null;
        foreach (var segment in tags.Split(','))
        {
            var eq = segment.IndexOf('=');
            if (eq > 0 && IsTagName(segment.AsSpan(0, eq)))
            {
                key = segment[..eq];
                result[key] = segment[(eq + 1)..];
            }
            else if (key is not null)
            {
                result[key] += "," + segment;
            }
        }
        return result;
    }

    private static bool IsTagName(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The route key of an <c>http.server.request.duration</c> series: template only, never a path.</summary>
    public static RouteKey RouteOf(IReadOnlyDictionary<string, string> tags)
    {
        var method = tags.GetValueOrDefault("http.request.method") ?? "";
        var route = tags.GetValueOrDefault("http.route");
        var status = tags.GetValueOrDefault("http.response.status_code");
        return new RouteKey(method, string.IsNullOrEmpty(route) ? NoRoute : route, StatusClassOf(status));
    }

    /// <summary>"2xx" for 200–299 and so on; "" for a missing or malformed code.</summary>
    public static string StatusClassOf(string? statusCode) =>
        int.TryParse(statusCode, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599
            ? $"{code / 100}xx"
            : "";

    /// <summary>Quantile → value; an interval without measurements has none.</summary>
    public static Dictionary<double, double> ParseQuantiles(string? quantiles)
    {
        var result = new Dictionary<double, double>();
        if (string.IsNullOrEmpty(quantiles))
        {
            return result;
        }
        foreach (var part in quantiles.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0
                && double.TryParse(part.AsSpan(0, eq), NumberStyles.Float, CultureInfo.InvariantCulture, out var q)
                && double.TryParse(part.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                result[q] = v;
            }
        }
        return result;
    }
}
