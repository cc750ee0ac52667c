using System.Net;
using System.Text.Json;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Tests.Query;

/// <summary>The flamegraph explorer's routes (/api/flame, /api/timeline) through the real gateway with a reader key.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FlameHttpTests(PlatformFixture platform)
{
    private static long _sequence = 7_500_000;

    // Recent windows on whole minutes: inside every retention, so each range reads them raw or from their own minute
    // bucket (data a month old would be answered by the hour bucket that holds both windows).
    private static readonly DateTimeOffset T0 = new(DateTimeOffset.UtcNow.AddMinutes(-40).UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
    private static readonly string Range = $"from={Iso(T0.AddHours(-1))}&to={Iso(T0.AddHours(1))}";

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    private async Task<string> SeedAsync()
    {
        var service = "flame-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        // Two windows 30 minutes apart: the first one alone is range A of the diff, the second one range B.
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu((ulong)Interlocked.Increment(ref _sequence), service, "host-b", T0,
            ("Demo!Program.Main;Demo!Orders.Get;Demo!Json.Write", 6), ("Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query", 4)))).BodyCase);
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu((ulong)Interlocked.Increment(ref _sequence), service, "host-b", T0.AddMinutes(30),
            ("Demo!Program.Main;Demo!Orders.Get;Demo!Json.Write", 10)))).BodyCase);
        return service;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string[] Names(JsonElement flame)
    {
        var strings = flame.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToArray();
        return [.. flame.GetProperty("name").EnumerateArray().Select(i => strings[i.GetInt32()])];
    }

    private static long[] Longs(JsonElement flame, string field) => [.. flame.GetProperty(field).EnumerateArray().Select(v => v.GetInt64())];

    [Fact]
    public async Task A_reader_gets_the_flamegraph_as_parallel_arrays_in_preorder()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);

        var flame = await JsonAsync(await http.GetAsync($"/api/flame?service={service}&kind=cpu&{Range}"));

        Assert.Equal("fleetprofiler-flame/1", flame.GetProperty("format").GetString());
        Assert.Equal(["all", "Demo!Program.Main", "Demo!Orders.Get", "Demo!Json.Write", "Demo!Db.Query"], Names(flame));
        Assert.Equal([20L, 20, 20, 16, 4], Longs(flame, "total"));
        Assert.Equal([0L, 0, 0, 0, 16], Longs(flame, "offset"));
        Assert.Equal([-1L, 0, 1, 2, 2], Longs(flame, "parent"));
        Assert.Equal(2, flame.GetProperty("windows").GetInt32());
        Assert.Equal(0, flame.GetProperty("foldedNodes").GetInt32());
        Assert.Equal("Orders.cs", flame.GetProperty("strings")[(int)Longs(flame, "file")[2]].GetString());
    }

    [Fact]
    public async Task A_cap_folds_the_rest_into_other_and_says_so()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);

        var flame = await JsonAsync(await http.GetAsync($"/api/flame?service={service}&kind=cpu&max=4&{Range}"));

        Assert.Equal(["all", "Demo!Program.Main", "Demo!Orders.Get", "[other]"], Names(flame));
        Assert.Equal([20L, 20, 20, 20], Longs(flame, "total"));
        Assert.Equal(2, flame.GetProperty("foldedNodes").GetInt32());
    }

    [Fact]
    public async Task A_diff_of_two_ranges_gives_each_sides_share()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);
        var a = $"from={Iso(T0.AddMinutes(-1))}&to={Iso(T0.AddMinutes(1))}";
        var b = $"from_b={Iso(T0.AddMinutes(29))}&to_b={Iso(T0.AddMinutes(31))}";

        var flame = await JsonAsync(await http.GetAsync($"/api/flame?service={service}&kind=cpu&mode=diff&{a}&{b}"));

        Assert.True(flame.GetProperty("diff").GetBoolean());
        var names = Names(flame);
        var before = flame.GetProperty("before").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var after = flame.GetProperty("after").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int db = Array.IndexOf(names, "Demo!Db.Query"), json = Array.IndexOf(names, "Demo!Json.Write");
        Assert.Equal((0.4, 0.0), (before[db], after[db]));
        Assert.Equal((0.6, 1.0), (before[json], after[json]));
        Assert.Equal(10, flame.GetProperty("totalBefore").GetInt64());
        Assert.Equal(10, flame.GetProperty("totalAfter").GetInt64());
    }

    [Fact]
    public async Task A_diff_may_read_B_on_another_host_as_for_a_canary()
    {
        var service = await SeedAsync();
        var (canary, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using (canary)
        {
            Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await canary.SendBatchAsync(TestBatches.Cpu((ulong)Interlocked.Increment(ref _sequence), service, "host-c", T0,
                ("Demo!Program.Main;Demo!Orders.Get;Demo!Db.Query", 5)))).BodyCase);
        }
        using var http = platform.Http(TestKeys.Reader);
        var a = $"from={Iso(T0.AddMinutes(-1))}&to={Iso(T0.AddMinutes(1))}";
        var b = $"from_b={Iso(T0.AddMinutes(-1))}&to_b={Iso(T0.AddMinutes(1))}";

        var flame = await JsonAsync(await http.GetAsync($"/api/flame?service={service}&host=host-b&kind=cpu&mode=diff&{a}&{b}&host_b=host-c"));

        var names = Names(flame);
        var after = flame.GetProperty("after").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(1.0, after[Array.IndexOf(names, "Demo!Db.Query")]);
        Assert.Equal(0.0, after[Array.IndexOf(names, "Demo!Json.Write")]);
        Assert.Equal(5, flame.GetProperty("totalAfter").GetInt64());
        Assert.Equal(10, flame.GetProperty("totalBefore").GetInt64());
    }

    [Fact]
    public async Task The_timeline_sums_the_sample_volume_per_slot()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);

        // Whole-hour slots: a window lands in the slot of its hour whether it is read raw or from its minute or hour bucket.
        var timeline = await JsonAsync(await http.GetAsync($"/api/timeline?service={service}&kind=cpu&step=1h&{Range}"));

        var from = DateTimeOffset.Parse(timeline.GetProperty("from").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(T0.AddHours(-1).UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, from.UtcTicks);
        Assert.Equal(3600, timeline.GetProperty("stepSeconds").GetInt64());
        var expected = new long[Longs(timeline, "values").Length];
        var windows = new long[expected.Length];
        foreach (var (start, samples) in new[] { (T0, 10L), (T0.AddMinutes(30), 10L) })
        {
            var slot = (int)((start - from).Ticks / TimeSpan.TicksPerHour);
            expected[slot] += samples;
            windows[slot]++;
        }
        Assert.Equal(expected, Longs(timeline, "values"));
        Assert.Equal(windows, Longs(timeline, "windows"));
    }

    [Theory]
    [InlineData("/api/flame?service={0}&mode=sideways&{1}", "mode")]
    [InlineData("/api/flame?service={0}&mode=diff&{1}", "from_b")]
    [InlineData("/api/flame?service={0}&max=1&{1}", "max")]
    [InlineData("/api/flame?service={0}&kind=gpu&{1}", "kind")]
    [InlineData("/api/timeline?service={0}&step=10s&{1}", "step")]
    [InlineData("/api/timeline?service={0}&kind=inuse&{1}", "kind")]
    public async Task Bad_arguments_answer_400_naming_the_field(string url, string field)
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);
        var response = await http.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, service, Range));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(field, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_service_answers_404()
    {
        using var http = platform.Http(TestKeys.Reader);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/flame?service=never-seen&{Range}")).StatusCode);
    }

    [Fact]
    public async Task With_empty_ok_no_data_answers_200_saying_what_is_missing()
    {
        var service = await SeedAsync();
        using var http = platform.Http(TestKeys.Reader);
        var before = $"from={Iso(T0.AddHours(-3))}&to={Iso(T0.AddHours(-2))}";
        var empty = await JsonAsync(await http.GetAsync($"/api/flame?service={service}&kind=cpu&{before}&empty=ok"));
        Assert.Equal(0, empty.GetProperty("nodes").GetInt32());
        Assert.StartsWith("from/to: no profile data", empty.GetProperty("missing").GetString(), StringComparison.Ordinal);
        // Without it the same range is a 404; and data in the range answers the graph either way.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/flame?service={service}&kind=cpu&{before}")).StatusCode);
        Assert.True((await JsonAsync(await http.GetAsync($"/api/flame?service={service}&kind=cpu&{Range}&empty=ok"))).GetProperty("nodes").GetInt32() > 1);
    }
}
