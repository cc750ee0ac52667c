using System.Text.RegularExpressions;
using FleetProfiler.Agent.Triggers;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The leak finder end to end: a target leaking at a known rate (tests/FleetProfiler.MemoryTarget, mode leak, beside
/// churn and a cache filled before any window) → a continuous inuse run of the agent daemon (signal-started windows
/// back to back, tracked objects carried over) → the platform → Query/Growth between an early and a late range.
/// </summary>
public sealed partial class InuseGrowthTests : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_growth_view_ranks_the_leaking_site_first()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var target = await MemoryTarget.StartAsync(new MemoryTargetOptions
        {
            Mode = "leak",
            ChurnMBPerSecond = 20,
            RetainMBPerSecond = 4,
            Environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x200000" },
        });
        var credential = PlatformFixture.AgentA;
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), platform.GrpcUrl, new Dictionary<string, string>
        {
            ["AgentId"] = credential.AgentId,
            ["Host"] = credential.Host,
            ["Token"] = credential.Token,
            ["SignalKinds"] = "inuse",
            ["InuseWindowSeconds"] = "3",
            ["Pids:0"] = target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await agent.WaitForLineAsync("Connected to gateway", Deadline);

        var start = DateTime.UtcNow;
        Signals.Send(agent.Pid, RealtimeSignals.Min + 1);
        var spooled = $"Spooled window of {target.Service}";
        await agent.WaitForLineAsync(spooled, Deadline);
        // A holds window 1 (or 2, if the next one started before this line was read); B holds window 4 or later.
        var endOfA = DateTime.UtcNow;
        await agent.WaitForLineAsync(_ => agent.Lines(spooled).Count >= 3, "a third window", Deadline);
        var startOfB = DateTime.UtcNow;
        await agent.WaitForLineAsync(_ => agent.Lines(spooled).Count >= 4, "a fourth window", Deadline);
        Signals.Send(agent.Pid, RealtimeSignals.Min + 2);
        var sequence = Batch().Match(agent.Lines(spooled)[3]).Groups[1].Value;
        await agent.WaitForLineAsync($"Gateway acked batch {sequence}", Deadline);
        Assert.Contains("continuous since", agent.Lines("in use at the end of the").Last());

        // On a busy machine range A can hold a whole minute, which is read from its minute bucket: roll up first.
        await Rollups.CompactAllAsync(platform.Channel, Deadline);
        var query = new Query.QueryClient(platform.Channel);
        var toB = DateTime.UtcNow.AddMinutes(1);
        var request = new GrowthRequest
        {
            Selector = new Selector { Service = target.Service },
            FromA = Timestamp.FromDateTime(start.AddSeconds(-1)),
            ToA = Timestamp.FromDateTime(endOfA),
            FromB = Timestamp.FromDateTime(startOfB),
            ToB = Timestamp.FromDateTime(toB),
            Limit = 5,
        };
        var growth = await query.GrowthAsync(request);

        var top = growth.Entries[0];
        Assert.True(top.Name.EndsWith("Retainer.Keep()", StringComparison.Ordinal), string.Join("\n", growth.Entries));
        // Two windows or more of leaking at 4 MB/s lie between A and B (3 s windows).
        Assert.True(top.Growth > 8L * 1024 * 1024, $"growth {top.Growth}:\n{string.Join("\n", growth.Entries)}");
        Assert.Contains("objects allocated before a window are not seen", growth.Note);
        // The cache filled before the run is invisible, as documented.
        Assert.DoesNotContain(growth.Entries, e => e.Name.EndsWith("Cache.Fill(int32)", StringComparison.Ordinal));

        // The same query as JSON on the HTTP port answers the same ranking. The stop signal keeps the window it cut
        // short, which may be stored between two queries: compare the JSON with gRPC answers taken just before and
        // just after it, until both agree (the agent sends nothing more once that window is in).
        using var http = platform.Http();
        var url = $"/api/growth?service={target.Service}&limit=5&from_a={Iso(start.AddSeconds(-1))}&to_a={Iso(endOfA)}&from_b={Iso(startOfB)}&to_b={Iso(toB)}";
        System.Text.Json.JsonElement first;
        GrowthEntry expected;
        for (var attempt = 1; ; attempt++)
        {
            var before = await query.GrowthAsync(request);
            using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(url));
            var after = await query.GrowthAsync(request);
            first = json.RootElement.GetProperty("entries")[0].Clone();
            expected = after.Entries[0];
            if (before.Entries[0].Equals(expected))
            {
                break;
            }

            Assert.True(attempt < 10, "the growth answer kept changing after the agent stopped");
        }

        Assert.Equal(expected.Name, first.GetProperty("name").GetString());
        Assert.Equal(expected.Growth.ToString(System.Globalization.CultureInfo.InvariantCulture), first.GetProperty("growth").GetString());
        using var bad = await http.GetAsync($"/api/growth?service={target.Service}&window=10m");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("ago: required", await bad.Content.ReadAsStringAsync());
    }

    private static string Iso(DateTime t) => Uri.EscapeDataString(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"as batch (\d+)")]
    private static partial Regex Batch();
}
