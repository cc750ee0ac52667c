using FleetProfiler.Protocol.V1;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>Dead code rolled up per CODEOWNERS team through the real gateway and silo (gRPC and /api/deadcode/teams).</summary>
[Collection(PlatformCollection.Name)]
public sealed class DeadCodeTeamTests(PlatformFixture platform)
{
    [Fact]
    public async Task Each_team_counts_the_dead_lines_of_the_files_it_owns_and_unowned_files_are_their_own_row()
    {
        var service = "teams-" + Guid.NewGuid().ToString("N")[..8];
        var p = service + "/src/";
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        await agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a",
            new DateTimeOffset(2026, 11, 16, 8, 0, 0, TimeSpan.Zero),
            [
                new(p + "Orders/A.cs", Lines(1, 10), Lines(5, 10), []),       // 6 certain
                new(p + "Shared/M.cs", Lines(1, 10), [10], [9]),      // 1 certain, 1 probable; two owners
                new(p + "Other/X.cs", Lines(1, 5), [], []),         // all ran
                new(p + "Loose.cs", Lines(1, 3), Lines(1, 3), []),                    // 3 certain, no rule owns it
            ]));

        // A service's CODEOWNERS can be set once an agent has reported the service.
        await new FleetProfiler.Protocol.V1.Cost.CostClient(platform.Channel).SetCodeOwnersAsync(new SetCodeOwnersRequest
        {
            Service = service,
            Content = $"{p}Orders/ @org/orders\n{p}Shared/ @org/orders @org/billing\n{p}Other/ @org/platform\n",
        });

        var reply = await new DeadCodeClient(platform.Channel).DeadCodeByTeamAsync(new DeadCodeByTeamRequest { FromDay = "2026-11-16", ToDay = "2026-11-16", Service = service });

        Assert.Equal(["@org/orders", "", "@org/billing", "@org/platform"], reply.Teams.Select(t => t.Team));
        var orders = reply.Teams[0];
        Assert.Equal((2, 2, 20, 7, 1), (orders.Files, orders.FilesWithDeadLines, orders.ExecutableLines, orders.DeadCertainLines, orders.DeadProbableLines));
        Assert.Equal((p + "Orders/A.cs", 6), (orders.TopFile, orders.TopFileDeadCertainLines));
        Assert.Equal([service], orders.Services);
        Assert.Equal((1, 3, 0, p + "Loose.cs"), (reply.Teams[1].Files, reply.Teams[1].DeadCertainLines, reply.Teams[1].DeadProbableLines, reply.Teams[1].TopFile));
        Assert.Equal((1, 1, 1), (reply.Teams[2].Files, reply.Teams[2].DeadCertainLines, reply.Teams[2].DeadProbableLines));
        Assert.Equal((1, 0, 0, 5), (reply.Teams[3].Files, reply.Teams[3].FilesWithDeadLines, reply.Teams[3].DeadCertainLines, reply.Teams[3].ExecutableLines));
        // The listing's team filter agrees with the rollup.
        var listed = await new DeadCodeClient(platform.Channel).ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-16", ToDay = "2026-11-16", Service = service, Team = "@org/orders" });
        Assert.Equal(orders.DeadCertainLines, listed.Files.Sum(f => f.DeadCertainLines));

        using var http = platform.Http();
        var csv = (await http.GetStringAsync($"/api/deadcode/teams?from=2026-11-16&to=2026-11-16&service={service}&format=csv")).TrimEnd('\n').Split('\n');
        Assert.Equal("team,dead_certain_lines,dead_probable_lines,executable_lines,files,files_with_dead_lines,services,top_file,top_file_dead_certain_lines,top_file_dead_probable_lines", csv[0]);
        Assert.Equal($"@org/orders,7,1,20,2,2,{service},{p}Orders/A.cs,6,0", csv[1]);
        var bad = await http.GetAsync("/api/deadcode/teams?from=2026-13-01");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
