using System.Text.Json;

namespace FleetProfiler.Web.Tests.Pages;

/// <summary>
/// Drives the flamegraph explorer through its test hook (window.fleetFlame.model(): the frames drawn, with names and
/// pixel extents, the zoom, the search and its matches): tests assert on what is drawn, not on pixels.
/// </summary>
internal static class FlameExplorer
{
    /// <summary>Pixel height of one row of frames (flame-draw.js ROW).</summary>
    public const int Row = 18;

    /// <summary>
    /// A minute the explorer's URLs end at (their <c>at</c>), once the demo's data before it is complete: a cpu window
    /// that started after it is stored (the agent sends its windows in order), and windows started at least
    /// <paramref name="dataBefore"/> before it exist. Two loads of a URL ending there draw the same data.
    /// </summary>
    public static async Task<DateTimeOffset> PinnedAtAsync(WebPlatform web, TimeSpan dataBefore = default)
    {
        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(web.Platform.Channel);
        async Task<int> WindowsAsync(DateTimeOffset from, DateTimeOffset to)
        {
            try
            {
                return (await query.GetProfileAsync(new FleetProfiler.Protocol.V1.GetProfileRequest
                {
                    Selector = new FleetProfiler.Protocol.V1.Selector { Service = WebPlatform.Service },
                    From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from),
                    To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(to),
                    Kind = "cpu",
                    Format = "folded",
                })).Windows;
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                return 0;
            }
        }
        // A later minute when the data is too young to have windows that far before this one.
        var at = DateTimeOffset.MinValue;
        await Eventually.Until(async () =>
        {
            var now = DateTimeOffset.UtcNow;
            if (at == DateTimeOffset.MinValue || await WindowsAsync(at.AddMinutes(-15), at - dataBefore) == 0)
                at = new DateTimeOffset(now.UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
            return await WindowsAsync(at.AddMinutes(-15), at - dataBefore) > 0 && await WindowsAsync(at, at.AddMinutes(10)) > 0;
        }, ok => ok, WebPlatform.DataDeadline, $"cpu windows of {WebPlatform.Service} before and after a pinned minute. Agent output:\n{web.AgentOutput}");
        return at;
    }

    public static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));

    /// <summary>The explorer on the demo service, its timeline ending at <paramref name="at"/>.</summary>
    public static string Url(DateTimeOffset at, string query) => $"/app/flame?service={WebPlatform.Service}&{query}&at={Iso(at)}";

    public static async Task<JsonElement> ModelAsync(BrowserPage page)
    {
        var json = await page.Page.EvaluateAsync<string>("() => JSON.stringify(window.fleetFlame.model())");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Waits until the graph was drawn more than <paramref name="times"/> times; returns the new count.</summary>
    public static async Task<int> WaitDrawnAsync(BrowserPage page, int times = 0)
    {
        await page.Page.WaitForFunctionAsync("n => Number(document.getElementById('flame')?.dataset.drawn || 0) > n", times);
        return int.Parse(await page.Page.Locator("#flame").GetAttributeAsync("data-drawn") ?? "0", CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until a zoom on node <paramref name="index"/> finished animating.</summary>
    public static Task WaitZoomedAsync(BrowserPage page, int index) =>
        page.Page.WaitForFunctionAsync("i => { const m = window.fleetFlame.model(); return m.zoom.index === i && !m.zooming; }", index);

    public static IEnumerable<JsonElement> Frames(JsonElement model) => model.GetProperty("frames").EnumerateArray();

    public static string Name(JsonElement frame) => frame.GetProperty("name").GetString()!;

    /// <summary>Clicks the middle of a drawn frame on the canvas.</summary>
    public static Task ClickFrameAsync(BrowserPage page, JsonElement frame, string canvas = "#flame-canvas") =>
        page.Page.Locator(canvas).ClickAsync(new LocatorClickOptions
        {
            Position = new Position
            {
                X = (float)(frame.GetProperty("x").GetDouble() + frame.GetProperty("width").GetDouble() / 2),
                Y = frame.GetProperty("depth").GetInt32() * Row + Row / 2f,
            },
        });
}
