using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Web.Tests.Pages;

/// <summary>
/// The live-memory views (issue 13) over synthetic in-use windows and heap snapshots sent through the real ingest
/// stream (a protocol-level agent on host-b, one service per test): the growth page, in-use on the top page and the
/// flamegraph explorer, the heap snapshot page.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class LiveMemoryTests(WebPlatform web)
{
    private const string CacheAdd = "app!Program.Main;app!Orders.Get;app!Cache.Add";
    private const string ChurnParse = "app!Program.Main;app!Orders.Get;app!Churn.Parse";
    private const string TempBuffer = "app!Program.Main;app!Temp.Buffer";
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// Snapshot A (25 min ago) and B (3 min ago): Churn.Parse holds the most in both but grows 2 MiB; Cache.Add grows
    /// 8 MiB (the leak); Temp.Buffer shrinks. Ranked by B's bytes Churn.Parse would come first; by growth, Cache.Add.
    /// </summary>
    private async Task<DateTimeOffset> SeedGrowthAsync(string service, ulong firstSequence)
    {
        var now = DateTimeOffset.UtcNow;
        var a = TestBatches.Inuse(firstSequence, service, PlatformFixture.AgentB.Host, now.AddMinutes(-25),
            (CacheAdd, "System.Byte[]", 1 * MiB, 10), (ChurnParse, "System.String", 16 * MiB, 1600), (TempBuffer, "System.Char[]", 3 * MiB, 30));
        var b = TestBatches.Inuse(firstSequence + 1, service, PlatformFixture.AgentB.Host, now.AddMinutes(-3),
            (CacheAdd, "System.Byte[]", 9 * MiB, 90), (ChurnParse, "System.String", 18 * MiB, 1800), (TempBuffer, "System.Char[]", 1 * MiB, 10));
        await SendAsync(service, a, b);
        // Acked = stored by the host grain; the query reads it back through the service's profile store.
        var query = new Query.QueryClient(web.Platform.Channel);
        await Eventually.Until(async () =>
        {
            try
            {
                var reply = await query.GrowthAsync(new GrowthRequest
                {
                    Selector = new Selector { Service = service },
                    FromA = Timestamp.FromDateTimeOffset(now.AddMinutes(-30)),
                    ToA = Timestamp.FromDateTimeOffset(now.AddMinutes(-20)),
                    FromB = Timestamp.FromDateTimeOffset(now.AddMinutes(-10)),
                    ToB = Timestamp.FromDateTimeOffset(now),
                });
                return reply.TotalA > 0 && reply.TotalB > 0;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, ok => ok, TestTimeouts.Convergence, $"both in-use snapshots of {service} queryable");
        return now;
    }

    private async Task SendAsync(string service, params Batch[] batches)
    {
        var agent = PlatformFixture.AgentB;
        var (stream, _) = await AgentStream.ConnectAsync(web.Platform.Channel, agent.AgentId, agent.Host, agent.Token, service);
        await using (stream)
        {
            foreach (var batch in batches) await stream.SendAckedAsync(batch);
        }
    }

    [Fact]
    public async Task The_growth_page_ranks_the_growing_site_first_with_its_delta_as_the_api_does_and_by_type_from_the_form()
    {
        const string service = "leaky-growth";
        var seeded = await SeedGrowthAsync(service, 101);
        const string query = "service=" + service + "&window=10m&ago=20m";
        await using var page = await web.OpenAsync("/app/growth?" + query, "growth");

        var rows = page.Page.Locator("[data-table=growth] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        var first = rows.First;
        Assert.Equal(CacheAdd.Split(';')[^1], await first.GetAttributeAsync("data-name"));
        Assert.Equal((8 * MiB).ToString(CultureInfo.InvariantCulture), await first.GetAttributeAsync("data-growth"));
        Assert.Equal("80", await first.GetAttributeAsync("data-count-growth"));
        await Assertions.Expect(first).ToContainTextAsync("+8.0 MB");
        await Assertions.Expect(first).ToContainTextAsync("1.0 MB");
        await Assertions.Expect(first).ToContainTextAsync("9.0 MB");
        Assert.Equal(ChurnParse.Split(';')[^1], await rows.Nth(1).GetAttributeAsync("data-name"));
        Assert.Equal((-2 * MiB).ToString(CultureInfo.InvariantCulture), await rows.Nth(2).GetAttributeAsync("data-growth"));
        await Assertions.Expect(page.Page.Locator("[data-panel=growth] [data-note=inuse]")).ToContainTextAsync("not seen");
        await Assertions.Expect(page.Page.Locator("[data-fact=totals]")).ToContainTextAsync("A 20.0 MB");

        // The JSON route answers the same ranking from the same parameters (fetched in the page, with its key).
        var api = await page.Page.EvaluateAsync<string>("q => fetch('/api/growth?' + q).then(r => r.text())", query);
        using (var json = System.Text.Json.JsonDocument.Parse(api))
        {
            var entry = json.RootElement.GetProperty("entries")[0];
            Assert.Equal(await first.GetAttributeAsync("data-name"), entry.GetProperty("name").GetString());
            Assert.Equal(await first.GetAttributeAsync("data-growth"), entry.GetProperty("growth").GetString());
            Assert.Equal("10", entry.GetProperty("countA").GetString());
            Assert.Equal("90", entry.GetProperty("countB").GetString());
        }

        // By type through the form: the leaking type first.
        await page.Page.Locator("#growth-by").SelectOptionAsync("type");
        await page.ClickAndWaitAsync(page.Page.Locator("form[data-form=relative] button[type=submit]"), "by-type");
        Assert.Contains("by=type", page.Page.Url, StringComparison.Ordinal);
        Assert.Contains("window=10m", page.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Page.Locator("[data-table=growth] tbody tr").First).ToHaveAttributeAsync("data-name", "System.Byte[]");

        // Explicit ranges through the other form: the same snapshots, the same leak.
        await page.Page.Locator("details.growth-explicit summary").ClickAsync();
        static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await page.Page.Locator("#growth-from-a").FillAsync(Iso(seeded.AddMinutes(-30)));
        await page.Page.Locator("#growth-to-a").FillAsync(Iso(seeded.AddMinutes(-20)));
        await page.Page.Locator("#growth-from-b").FillAsync(Iso(seeded.AddMinutes(-10)));
        await page.Page.Locator("#growth-to-b").FillAsync(Iso(seeded.AddMinutes(1)));
        await page.ClickAndWaitAsync(page.Page.Locator("form[data-form=explicit] button[type=submit]"), "explicit");
        Assert.DoesNotContain("window=", page.Page.Url, StringComparison.Ordinal);
        Assert.Contains("from_a=", page.Page.Url, StringComparison.Ordinal);
        var explicitFirst = page.Page.Locator("[data-table=growth] tbody tr").First;
        await Assertions.Expect(explicitFirst).ToHaveAttributeAsync("data-name", "System.Byte[]");
        await Assertions.Expect(explicitFirst).ToHaveAttributeAsync("data-growth", (8 * MiB).ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Page.Locator("details.growth-explicit")).ToHaveAttributeAsync("open", "");
        page.AssertClean();
    }

    [Fact]
    public async Task The_growth_page_says_what_is_wrong_with_a_comparison_as_text()
    {
        const string service = "leaky-errors";
        await SeedGrowthAsync(service, 151);
        await using var page = await web.OpenAsync($"/app/growth?service={service}&window=10m", "growth-400");
        var error = page.Page.Locator("[data-panel=growth] [data-error]");
        await Assertions.Expect(error).ToHaveAttributeAsync("data-error", "400");
        await Assertions.Expect(error).ToContainTextAsync("ago: required with window");
        Assert.Equal(0, await page.Page.Locator("[data-table=growth]").CountAsync());

        // Both ranges before the windows: nothing in use to compare.
        await page.GotoAsync($"/app/growth?service={service}&window=10m&ago=2h", "growth-404");
        await Assertions.Expect(error).ToHaveAttributeAsync("data-error", "404");
        await Assertions.Expect(error).ToContainTextAsync($"no profile data for '{service}'");

        // From the service page: without a range in the URL the page compares its defaults, the last 10 minutes with the
        // same 10 minutes an hour earlier (no snapshot there).
        await page.GotoAsync($"/app/service?service={service}&since=1h", "service");
        await page.ClickAndWaitAsync(page.Page.Locator("[data-insight=memory] a[data-link=growth]"), "growth-defaults");
        Assert.EndsWith($"/app/growth?service={service}", page.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Page.Locator("#growth-window")).ToHaveValueAsync("10m");
        await Assertions.Expect(page.Page.Locator("#growth-ago")).ToHaveValueAsync("1h");
        await Assertions.Expect(error).ToHaveAttributeAsync("data-error", "404");
        page.AssertClean();
    }

    [Fact]
    public async Task The_top_page_and_the_explorer_show_in_use_bytes_with_the_note_of_what_is_not_seen()
    {
        const string service = "leaky-top";
        await SeedGrowthAsync(service, 201);
        await using var page = await web.OpenAsync($"/app/top?service={service}&kind=inuse&since=1h", "top-inuse");

        // The latest snapshot (B): Churn.Parse holds the most.
        var first = page.Page.Locator("[data-table=top] tbody tr").First;
        await Assertions.Expect(first).ToContainTextAsync("Churn.Parse");
        await Assertions.Expect(first).ToContainTextAsync("18.0 MB");
        await Assertions.Expect(page.Page.Locator("[data-table=top] thead")).ToContainTextAsync("bytes");
        await Assertions.Expect(page.Page.Locator("[data-note=top]")).ToContainTextAsync("objects allocated before a window are not seen");
        await Assertions.Expect(page.Page.Locator("nav.more a[aria-current=page]")).ToHaveTextAsync("memory in use");
        Assert.Equal($"/app/growth?service={service}", await page.Page.Locator("a[data-link=growth]").GetAttributeAsync("href"));

        // In-use has no per-endpoint view: a URL asking for one is answered in words, not with an error page.
        await page.GotoAsync($"/app/top?service={service}&kind=inuse&since=1h&endpoint={Uri.EscapeDataString("GET /x")}", "top-inuse-endpoint");
        await Assertions.Expect(page.Page.Locator("[data-insight-full=memory] .missing")).ToContainTextAsync("no per-endpoint view");

        // The explorer draws the same snapshot, its status carrying the note; the timeline shows allocated bytes.
        await page.GotoAsync($"/app/flame?service={service}&kind=inuse&since=1h", "flame-inuse");
        await FlameExplorer.WaitDrawnAsync(page);
        Assert.Contains(FlameExplorer.Frames(await FlameExplorer.ModelAsync(page)), f => FlameExplorer.Name(f).Contains("Cache.Add", StringComparison.Ordinal));
        await Assertions.Expect(page.Page.Locator("#flame-status")).ToContainTextAsync("28.0 MiB");
        await Assertions.Expect(page.Page.Locator("#flame-status")).ToContainTextAsync("not seen");
        await Assertions.Expect(page.Page.Locator("#flame-timeline-note")).ToContainTextAsync("inuse is a snapshot");
        await Assertions.Expect(page.Page.Locator("#flame-kind")).ToHaveValueAsync("inuse");
        await page.ScreenshotAsync("flame-inuse-drawn");
        page.AssertClean();
    }

    [Fact]
    public async Task The_heap_page_shows_each_host_s_newest_snapshot_by_live_and_retained_bytes_with_its_pause()
    {
        const string service = "leaky-heap";
        var now = DateTimeOffset.UtcNow;
        await SendAsync(service,
            Heap(301, service, now.AddMinutes(-20), pauseUs: 40_000, ("Old.Thing", 5 * MiB, 50, 5 * MiB)),
            Heap(302, service, now.AddMinutes(-2), pauseUs: 12_500,
                ("Leaky.CacheEntry", 30 * MiB, 300_000, 46 * MiB), ("System.String", 20 * MiB, 200_000, 20 * MiB), ("Leaky.Cache", 64, 1, (46 * MiB) + 64)));
        await using var page = await web.OpenAsync($"/app/heap?service={service}", "heap");

        var snapshot = page.Page.Locator("[data-snapshot]");
        await Assertions.Expect(snapshot).ToHaveCountAsync(1);
        await Assertions.Expect(snapshot).ToHaveAttributeAsync("data-snapshot", PlatformFixture.AgentB.Host + "/2");
        await Assertions.Expect(snapshot.Locator("[data-fact=pause]")).ToContainTextAsync("12.5 ms");
        await Assertions.Expect(snapshot.Locator("[data-table=heap-types] tbody tr").First).ToHaveAttributeAsync("data-type", "Leaky.CacheEntry");
        await Assertions.Expect(page.Page.Locator("[data-table=heap-snapshots] tbody tr")).ToHaveCountAsync(2);

        await page.ClickAndWaitAsync(page.Page.GetByRole(AriaRole.Link, new() { Name = "by retained bytes" }), "heap-retained");
        var first = page.Page.Locator("[data-snapshot] [data-table=heap-types] tbody tr").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-type", "Leaky.Cache");
        await Assertions.Expect(first).ToContainTextAsync("46.0 MB");

        await page.ClickAndWaitAsync(page.Page.Locator("[data-table=heap-snapshots] tr[data-id$='/1'] a"), "heap-older");
        await Assertions.Expect(page.Page.Locator("[data-snapshot]")).ToHaveAttributeAsync("data-snapshot", PlatformFixture.AgentB.Host + "/1");
        await Assertions.Expect(page.Page.Locator("[data-snapshot] [data-fact=pause]")).ToContainTextAsync("40.0 ms");

        await page.GotoAsync($"/app/heap?service={service}&id=nonsense", "heap-400");
        await Assertions.Expect(page.Page.Locator("[data-error]")).ToHaveAttributeAsync("data-error", "400");
        page.AssertClean();
    }

    /// <summary>A heap snapshot batch as an agent sends one: the summary by type, the dump's pause.</summary>
    private static Batch Heap(ulong sequence, string service, DateTimeOffset takenAt, long pauseUs, params (string Type, long LiveBytes, long Objects, long RetainedBytes)[] types)
    {
        var batch = new Batch
        {
            Sequence = sequence,
            Service = service,
            Host = PlatformFixture.AgentB.Host,
            Pid = 4242,
            ProcessName = "dotnet",
            RuntimeVersion = "10.0.12",
            WindowStart = Timestamp.FromDateTimeOffset(takenAt),
            WindowEnd = Timestamp.FromDateTimeOffset(takenAt),
            HeapSnapshot = new HeapSnapshot
            {
                GcNumber = (long)sequence,
                PauseUs = pauseUs,
                GcUs = pauseUs / 2,
                DumpUs = pauseUs * 3,
                LiveBytes = types.Sum(t => t.LiveBytes),
                LiveObjects = types.Sum(t => t.Objects),
                RetainedComputed = true,
            },
        };
        batch.Kinds.Add("heap");
        foreach (var t in types) batch.HeapSnapshot.TypeRows.Add(new HeapTypeRow { Name = t.Type, LiveBytes = t.LiveBytes, Objects = t.Objects, RetainedBytes = t.RetainedBytes });
        return batch;
    }
}
