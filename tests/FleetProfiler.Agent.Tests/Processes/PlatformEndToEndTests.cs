using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The whole path on real processes: demo service → agent daemon (schedule and a gateway command) → the platform
/// (single-node silo with the co-hosted gateway) → its query API.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class PlatformEndToEndTests(DemoFixture demo) : IDisposable
{
    private static readonly AgentCredential Agent = PlatformFixture.AgentA;
    private static readonly string Host = Agent.Host;
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Scheduled_and_commanded_windows_are_stored_by_the_platform_and_queryable()
    {
        await using var platform = await PlatformFixture.StartAsync();
        var gatewayUrl = platform.GrpcUrl;

        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), gatewayUrl, new Dictionary<string, string>
        {
            ["AgentId"] = Agent.AgentId,
            ["Host"] = Agent.Host,
            ["Token"] = Agent.Token,
            ["Schedules:0:Kind"] = "cpu",
            ["Schedules:0:Seconds"] = "2",
            ["Schedules:0:Every"] = "00:00:05",
            ["HostSampling"] = "1",
        });
        await agent.WaitForLineAsync("Connected to gateway", Deadline);
        await agent.WaitForLineAsync(l => l.Contains("Gateway acked batch"), "a scheduled window acked", Deadline);

        var query = new Query.QueryClient(platform.Channel);
        var hosts = await query.ListHostsAsync(new ListHostsRequest { Service = demo.Service });
        var host = Assert.Single(hosts.Hosts);
        Assert.Equal((Host, Agent.AgentId, true), (host.Host, host.AgentId, host.Connected));

        var cpu = await query.GetProfileAsync(Profile("cpu"));
        var folded = cpu.Data.ToStringUtf8();
        Assert.Contains("PrimeSieve.IsPrime(int32)", folded);
        // Source files arrived too (the folded format shows functions only).
        var files = await query.TopFilesAsync(new TopRequest { Selector = Profile("cpu").Selector, From = Profile("cpu").From, To = Profile("cpu").To, Kind = "cpu" });
        // Repository-relative: the demo is built with its repository root mapped to /_/ (deploy/demo/…/FleetProfiler.Demo.csproj).
        Assert.Contains(files.Entries, f => f.Name == "deploy/demo/FleetProfiler.Demo/PrimeSieve.cs");
        Assert.DoesNotContain(files.Entries, f => f.Name.StartsWith('/'));

        // A command through the platform's query API reaches the agent over its stream.
        var trigger = await query.TriggerAsync(new TriggerRequest { Service = demo.Service, Host = Host, Pid = demo.Pid, Kind = "alloc", Seconds = 2 });
        await agent.WaitForLineAsync($"Gateway command {trigger.CommandId} Start kind 'alloc'", Deadline);
        Assert.Contains("accepted", agent.Lines($"Gateway command {trigger.CommandId}").Single());
        var spooled = await agent.WaitForLineAsync(l => l.Contains($"Spooled window of {demo.Service}") && l.Contains("alloc"), "the alloc window", Deadline);
        var sequence = System.Text.RegularExpressions.Regex.Match(spooled, @"as batch (\d+)").Groups[1].Value;
        await agent.WaitForLineAsync($"Gateway acked batch {sequence};", Deadline);

        var alloc = await query.GetProfileAsync(Profile("alloc"));
        Assert.Contains("ReportBuilder.BuildRows(int32)", alloc.Data.ToStringUtf8());
        // The allocated types are leaf frames only when asked for; by default the bytes stay with the allocation site.
        Assert.DoesNotContain("[alloc] ", alloc.Data.ToStringUtf8());
        var withTypes = Profile("alloc");
        withTypes.AllocatedTypes = true;
        Assert.Contains("[alloc] System.Double[]", (await query.GetProfileAsync(withTypes)).Data.ToStringUtf8());
        Assert.Empty(agent.Lines("rejected"));
    }

    private GetProfileRequest Profile(string kind) => new()
    {
        Selector = new Selector { Service = demo.Service, Host = Host },
        From = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-10)),
        To = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)),
        Kind = kind,
        Format = "folded",
    };
}
