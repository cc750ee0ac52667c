using System.Net;
using System.Text;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// Issue 10 item 8: every <c>/api</c> route, enumerated from the gateway's own endpoint table, answers garbage query
/// strings, path segments and bodies with a 4xx (400 bad argument, 404 nothing there, 409, 413…), never a 5xx: an
/// unhandled exception in a route is a bug the caller cannot fix.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class GarbageQueryTests(PlatformFixture platform)
{
    /// <summary>The parameter names the gateway's routes read, each given the same hostile value at once.</summary>
    private static readonly string[] Names =
    [
        "service", "host", "endpoint", "kind", "format", "from", "to", "since", "ago", "step", "limit", "max", "min", "top",
        "mode", "order", "by", "day", "team", "path", "prefix", "period", "window", "windows", "types", "values", "source",
        "root", "basis", "id", "usd", "instance_hours", "selector", "selector_a", "selector_b", "from_a", "to_a", "from_b",
        "to_b", "service_b", "host_b", "endpoint_b", "a", "b", "missed", "request",
    ];

    /// <summary>Hostile values: empty, unparseable, out of range, enormous, control characters, traversal, NaN.</summary>
    private static readonly string[] Values =
    [
        "", "%00", "not-a-date", "-1", "0", "99999999999999999999", "-9223372036854775808", "NaN", "Infinity", "1e308",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "..%2F..%2Fetc%2Fpasswd", "%E2%80%AE%F0%9F%92%A5",
        "%FF%FE", "a%0Ab%0D%0Ac", "%3Cscript%3E", "gpu", "GET%20%2Fx", new string('x', 5000),
    ];

    public static TheoryData<string, string> ApiRoutes()
    {
        var routes = new TheoryData<string, string>();
        foreach (var r in GatewaySurface.HttpRoutes.Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)))
            routes.Add(r.Method, r.Path);
        return routes;
    }

    [Fact]
    public void The_api_routes_are_found_by_enumeration() =>
        Assert.True(ApiRoutes().Count() >= 10, $"only {ApiRoutes().Count()} /api routes found: the enumeration is broken");

    [Theory]
    [MemberData(nameof(ApiRoutes))]
    public async Task A_route_answers_garbage_with_a_client_error_never_a_server_error(string method, string path)
    {
        using var http = platform.Http(TestKeys.Operator);
        var failures = new List<string>();
        foreach (var value in Values)
        {
            // Every known parameter at once, then each alone with the others absent (a missing one is garbage too).
            var all = string.Join('&', Names.Select(n => $"{n}={value}"));
            var segment = path.Replace("/x", "/" + (value.Length == 0 ? "%20" : value), StringComparison.Ordinal);
            foreach (var target in new[] { $"{path}?{all}", $"{segment}?{all}", $"{path}?{Names[value.Length % Names.Length]}={value}" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), target);
                if (method is "POST" or "PUT") request.Content = new StringContent(value.Length == 0 ? "{\"x\":" : value, Encoding.UTF8, "application/json");
                using var response = await http.SendAsync(request);
                if ((int)response.StatusCode >= 500)
                    failures.Add($"{method} {Truncate(target)} -> {(int)response.StatusCode} {Truncate(await response.Content.ReadAsStringAsync())}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync(path)).StatusCode); // the key is accepted: the garbage was read
    }

    private static string Truncate(string s) => s.Length <= 160 ? s : s[..160] + "…";
}
