using System.Text.Json;
using HeapClient = FleetProfiler.Protocol.V1.HeapSnapshots.HeapSnapshotsClient;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// Heap snapshots end to end: the memory target in mode graph (a Holder retaining ~40 MB) → the agent daemon, asked
/// once by its heap signal and once by a gateway command (Query/Trigger kind heap) → the real gateway and silo → the
/// HeapSnapshots gRPC service, <c>/api/heap…</c> JSON and the CLI's <c>heap list|show|diff</c>; and an inuse window
/// asked the same way (Query/Trigger kind inuse).
/// </summary>
public sealed class HeapSnapshotPlatformTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Snapshots_taken_by_command_and_signal_are_listed_shown_and_compared_through_the_platform()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var target = await MemoryTarget.StartAsync(new MemoryTargetOptions { Mode = "graph", ChurnMBPerSecond = 0, RetainCapMB = 40 });
        var credential = PlatformAgent.Credential;
        await using var agent = await PlatformAgent.StartAsync(platform, _dir.Combine("spool"), target);

        // By signal first: its batch makes the gateway attach the agent to the service's host grain.
        await PlatformAgent.SnapshotBySignalAsync(agent, target);

        // Then on demand, through the gateway.
        var query = new Query.QueryClient(platform.Channel);
        await query.TriggerAsync(new TriggerRequest { Service = target.Service, Host = credential.Host, Pid = target.Pid, Kind = "heap", Seconds = 1 });
        await PlatformAgent.WaitAckedAsync(agent, PlatformAgent.HeapSpooled(target), 2);

        var heap = new HeapClient(platform.Channel);
        var list = await heap.ListHeapSnapshotsAsync(new ListHeapSnapshotsRequest { Service = target.Service });
        Assert.Equal([$"{credential.Host}/2", $"{credential.Host}/1"], list.Snapshots.Select(s => s.Id));
        Assert.All(list.Snapshots, s => Assert.True(s.LiveBytes >= 38L * 1024 * 1024 && s.PauseUs > 0 && s.Pid == target.Pid, s.ToString()));

        var newest = await heap.GetHeapSnapshotAsync(new GetHeapSnapshotRequest { Service = target.Service, OrderBy = "retained", Limit = 5 });
        Assert.Equal($"{credential.Host}/2", newest.Info.Id);
        Assert.Equal("Holder", newest.Rows[0].Name);
        Assert.True(newest.Rows[0].RetainedBytes >= 38L * 1024 * 1024, newest.Rows[0].ToString());
        Assert.Equal(newest.Info.TypeCount, newest.Rows.Count + newest.OtherTypes);

        var diff = await heap.DiffHeapSnapshotsAsync(new DiffHeapSnapshotsRequest { Service = target.Service, Limit = 10_000 });
        Assert.Equal(($"{credential.Host}/1", $"{credential.Host}/2"), (diff.A.Id, diff.B.Id));
        // The registry was filled before both: its entries neither grew nor shrank.
        var entries = diff.Rows.Single(r => r.Name == "Entry");
        Assert.Equal((0L, entries.ObjectsA), (entries.Growth, entries.ObjectsB));
        Assert.True(entries.ObjectsA > 10_000, entries.ToString());

        using var http = platform.Http();
        using var json = JsonDocument.Parse(await http.GetStringAsync($"/api/heap/snapshot?service={target.Service}&id={credential.Host}/1&order=retained&limit=3"));
        Assert.Equal("Holder", json.RootElement.GetProperty("rows")[0].GetProperty("name").GetString());
        Assert.Equal($"{credential.Host}/1", json.RootElement.GetProperty("info").GetProperty("id").GetString());
        using var missing = await http.GetAsync($"/api/heap/snapshot?service={target.Service}&id={credential.Host}/9");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        using var listed = JsonDocument.Parse(await http.GetStringAsync($"/api/heap?service={target.Service}"));
        Assert.Equal(2, listed.RootElement.GetProperty("snapshots").GetArrayLength());

        await using var cli = ChildProcess.Start("fleetprofiler heap show", Repo.DotnetHost,
            [Repo.RequireBuilt(Repo.Output("gateway", "FleetProfiler.Cli")), "heap", "show", "--service", target.Service, "--by", "retained", "--limit", "3", "--gateway", platform.GrpcUrl],
            new Dictionary<string, string> { ["FLEETPROFILER_KEY"] = TestKeys.Reader });
        Assert.Equal(0, await cli.WaitForExitAsync(TestTimeouts.ProcessExit));
        Assert.StartsWith($"{credential.Host}/2 ", cli.StdoutLines[0]);
        Assert.Contains("paused", cli.StdoutLines[0]);
        Assert.EndsWith("Holder", cli.StdoutLines[2]);
    }

    /// <summary>
    /// An inuse window asked through the gateway (Query/Trigger kind inuse) runs on the real agent and its latest
    /// snapshot is what GetProfile kind inuse answers: the retaining site first, with the note of what was read.
    /// </summary>
    [Fact]
    public async Task An_inuse_window_triggered_through_the_gateway_is_answered_as_the_latest_snapshot()
    {
        await using var platform = await PlatformFixture.StartAsync();
        await using var target = await MemoryTarget.StartAsync(new MemoryTargetOptions
        {
            Mode = "retain",
            ChurnMBPerSecond = 20,
            RetainMBPerSecond = 6,
            RetainCapMB = 100,
            Environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x200000" },
        });
        await using var agent = await PlatformAgent.StartAsync(platform, _dir.Combine("spool"), target);
        await PlatformAgent.SnapshotBySignalAsync(agent, target);

        var query = new Query.QueryClient(platform.Channel);
        var from = DateTimeOffset.UtcNow.AddMinutes(-1);
        var trigger = await query.TriggerAsync(new TriggerRequest { Service = target.Service, Host = PlatformAgent.Credential.Host, Pid = target.Pid, Kind = "inuse", Seconds = 6 });
        var accepted = await agent.WaitForLineAsync($"Gateway command {trigger.CommandId} ", PlatformAgent.Deadline);
        Assert.Contains("kind 'inuse'", accepted);
        Assert.Contains("accepted", accepted);
        await PlatformAgent.WaitAckedAsync(agent, PlatformAgent.WindowSpooled(target));
        Assert.Contains("inuse", agent.Lines(PlatformAgent.WindowSpooled(target))[0]);

        var reply = await query.GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = target.Service },
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(1)),
            Kind = "inuse",
            Format = "folded",
        });
        Assert.StartsWith("in use: the latest inuse window of each of 1 process(es)", reply.Note);
        Assert.Contains("objects allocated before a window are not seen", reply.Note);
        var sites = FoldedLine.Parse(reply.Data.ToStringUtf8().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(l => FoldedLine.Function(l.Frames[^1])).ToDictionary(g => g.Key, g => g.Sum(l => l.Value));
        var (top, bytes) = sites.MaxBy(s => s.Value);
        // The site retaining 6 MB/s holds most of it (the ratio itself is InuseProfilingTests' concern).
        Assert.Contains("Retainer.Keep", top);
        Assert.True((double)bytes / reply.Total >= 0.5, string.Join("\n", sites));
    }
}
