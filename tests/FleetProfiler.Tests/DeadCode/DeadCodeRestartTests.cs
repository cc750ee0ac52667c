using FleetProfiler.Protocol.V1;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>File-days and the day index are durable grain state: a killed platform comes back with them.</summary>
public sealed class DeadCodeRestartTests
{
    [Fact]
    public async Task The_days_intersection_survives_a_crash_of_the_platform_and_a_resent_run_stays_a_duplicate()
    {
        await using var platform = await PlatformFixture.StartAsync();
        var at = new DateTimeOffset(2026, 11, 15, 7, 0, 0, TimeSpan.Zero);
        var run = CoverageBatches.Run(7, "orders", "host-a", at, [new("src/Orders/Handler.cs", Lines(1, 20), Lines(10, 20), [5])],
            deadMethods: [("Orders.Handler.Unused", "src/Orders/Handler.cs", 10, Protocol.V1.DeadConfidence.DeadCertain)]);
        await using (var agent = (await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, "orders")).Stream)
            await agent.SendAckedAsync(run);

        await platform.RestartAsync();

        await using var again = (await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, "orders")).Stream;
        GatewayMessage resent;
        try { resent = await again.SendBatchAsync(run); }
        catch (Grpc.Core.RpcException e) { throw new InvalidOperationException($"{e.Status}\n{platform.Silo.Output}", e); }
        Assert.True(resent.Ack.Duplicate);
        var client = new DeadCodeClient(platform.Channel);
        var file = Assert.Single((await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-15", ToDay = "2026-11-15" })).Files);
        Assert.Equal(("src/Orders/Handler.cs", 11, 1, 1), (file.Path, file.DeadCertainLines, file.DeadProbableLines, file.Runs));
        Assert.Equal(["orders"], file.Services);
        var annotated = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = "src/Orders/Handler.cs", FromDay = "2026-11-15", ToDay = "2026-11-15" });
        Assert.Equal("Orders.Handler.Unused", Assert.Single(annotated.NotRunMethods).Name);
        Assert.Equal("agent-a:7", Assert.Single(annotated.Runs).RunId);
    }
}
