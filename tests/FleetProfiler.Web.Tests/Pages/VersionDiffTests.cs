using System.Text.Json;
using FleetProfiler.Protocol.V1;
using static FleetProfiler.Web.Tests.Pages.FlameExplorer;

namespace FleetProfiler.Web.Tests.Pages;

/// <summary>
/// The explorer's diff of two service versions, over windows sent through the real ingest stream with their
/// service_version (a protocol-level agent on host-c, a service of its own): the version pickers, the colours of what
/// grew and shrank, and the URL that restores the view.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class VersionDiffTests(WebPlatform web)
{
    private const string Service = "versioned-api";
    private const string Fast = "Api!Program.Main;Api!Orders.Get;Api!Orders.FastPath";
    private const string Slow = "Api!Program.Main;Api!Orders.Get;Api!Orders.SlowPath";
    private const string Shared = "Api!Program.Main;Api!Orders.Get;Api!Db.Query";
    private const string Unversioned = "Api!Program.Main;Api!Legacy.Loop";

    // flame-draw.js: Okabe-Ito orange (grew) and blue (shrank) at full strength, and the neutral grey of an unchanged share.
    private const string Grew = "rgb(230,159,0)";
    private const string Shrank = "rgb(0,114,178)";
    private const string Unchanged = "rgb(221,221,221)";

    /// <summary>
    /// Version 1.0 spends 80 % in FastPath, 2.0 (later) 80 % in SlowPath, both 20 % in Db.Query; a window between them
    /// has no version and belongs to neither side.
    /// </summary>
    private async Task<DateTimeOffset> SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        static Batch Versioned(Batch b, string version)
        {
            b.ServiceVersion = version;
            return b;
        }
        var agent = PlatformFixture.AgentC;
        var (stream, _) = await AgentStream.ConnectAsync(web.Platform.Channel, agent.AgentId, agent.Host, agent.Token, Service);
        await using (stream)
        {
            // Acked = stored: queries read it from then on.
            await stream.SendAckedAsync(Versioned(TestBatches.Cpu(9_100_001, Service, agent.Host, now.AddMinutes(-6), (Fast, 8), (Shared, 2)), "1.0"));
            await stream.SendAckedAsync(TestBatches.Cpu(9_100_002, Service, agent.Host, now.AddMinutes(-5), (Unversioned, 50)));
            await stream.SendAckedAsync(Versioned(TestBatches.Cpu(9_100_003, Service, agent.Host, now.AddMinutes(-4), (Slow, 8), (Shared, 2)), "2.0"));
        }
        return new DateTimeOffset((now.UtcTicks / TimeSpan.TicksPerMinute + 1) * TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }

    [Fact]
    public async Task Picking_two_versions_draws_their_diff_in_orange_and_blue_and_a_copied_url_restores_it()
    {
        var at = await SeedAsync();
        await using var page = await web.OpenAsync($"/app/flame?service={Service}&kind=cpu&since=15m&at={Iso(at)}", "flame-versions");
        await Assertions.Expect(page.Page.Locator("#flame-version-a option[value='1.0']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Page.Locator("#flame-version-b option[value='2.0']")).ToHaveCountAsync(1);
        var drawn = await WaitDrawnAsync(page);

        // Version A alone: a plain flamegraph of 1.0's windows only.
        await page.Page.Locator("#flame-version-a").SelectOptionAsync("1.0");
        drawn = await WaitDrawnAsync(page, drawn);
        var one = await ModelAsync(page);
        Assert.False(one.GetProperty("diff").GetBoolean());
        Assert.Equal("1.0", one.GetProperty("versionA").GetString());
        Assert.Contains(Frames(one), f => Name(f).Contains("FastPath", StringComparison.Ordinal));
        Assert.DoesNotContain(Frames(one), f => Name(f).Contains("SlowPath", StringComparison.Ordinal) || Name(f).Contains("Legacy", StringComparison.Ordinal));

        // Version B turns the diff on over the same range.
        await page.Page.Locator("#flame-version-b").SelectOptionAsync("2.0");
        await WaitDrawnAsync(page, drawn);
        var diff = await ModelAsync(page);
        AssertVersionDiff(diff);
        Assert.Contains("version=1.0", page.Page.Url, StringComparison.Ordinal);
        Assert.Contains("version_b=2.0", page.Page.Url, StringComparison.Ordinal);
        Assert.Contains("mode=diff", page.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Page.Locator("#flame-legend")).ToBeVisibleAsync();
        await Assertions.Expect(page.Page.Locator("#flame-status")).ToContainTextAsync("version 1.0 → 2.0");
        await page.ScreenshotAsync("version-diff");
        page.AssertClean();

        // The copied URL draws the same diff with the pickers set.
        await using var copy = await web.OpenAsync(new Uri(page.Page.Url).PathAndQuery, "flame-versions-restored");
        await WaitDrawnAsync(copy);
        var restored = await ModelAsync(copy);
        AssertVersionDiff(restored);
        Assert.Equal(ColoursByName(diff), ColoursByName(restored));
        await Assertions.Expect(copy.Page.Locator("#flame-version-a")).ToHaveValueAsync("1.0");
        await Assertions.Expect(copy.Page.Locator("#flame-version-b")).ToHaveValueAsync("2.0");
        copy.AssertClean();
    }

    private static void AssertVersionDiff(JsonElement model)
    {
        Assert.True(model.GetProperty("diff").GetBoolean());
        Assert.Equal(("1.0", "2.0"), (model.GetProperty("versionA").GetString(), model.GetProperty("versionB").GetString()));
        var colours = ColoursByName(model);
        Assert.Equal(Shrank, colours["Api!Orders.FastPath"]);
        Assert.Equal(Grew, colours["Api!Orders.SlowPath"]);
        Assert.Equal(Unchanged, colours["Api!Db.Query"]);
        Assert.Equal(Unchanged, colours["Api!Orders.Get"]);
        Assert.DoesNotContain(colours.Keys, n => n.Contains("Legacy", StringComparison.Ordinal));
    }

    /// <summary>The drawn frames' fill colours by function name (each appears once in these stacks), the root left out.</summary>
    private static SortedDictionary<string, string> ColoursByName(JsonElement model)
    {
        var colours = model.GetProperty("colours").EnumerateArray().Select(c => c.GetString()!).ToList();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (frame, colour) in Frames(model).Take(colours.Count).Zip(colours))
            if (frame.GetProperty("index").GetInt32() != 0) result[Name(frame)] = colour;
        return result;
    }
}
