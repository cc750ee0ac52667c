using FleetProfiler.Protocol.V1;
using Grpc.Core;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>Bad coverage runs through the real gateway: one rejection naming the field, the stream lives on, nothing stored.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BadCoverageTests(PlatformFixture platform)
{
    private static readonly DateTimeOffset At = new(2026, 11, 12, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string> BadRuns => new()
    {
        { "unsorted", "coverage.files[0].executable: range 1 (1-3) is not after the previous range" },
        { "missed-outside", "coverage.files[0].missed_certain has lines that are not in executable (40)" },
        { "overlap", "coverage.files[0]: missed_certain and missed_probable overlap (12)" },
        { "absurd-line", "coverage.files[0].executable: range 0 ends at line 5000000, over the maximum line 1000000" },
        { "unknown-module", "coverage.files[0].module 'Ghost' is not in coverage.modules" },
        { "absolute-path", "coverage.files[0].path '/home/ci/src/A.cs' is not repository-relative" },
        { "dead-method-file", "coverage.modules[0].dead_methods[0].file 'src/Other.cs' is not in coverage.files" },
        { "samples", "a coverage batch carries no window" },
    };

    [Theory]
    [MemberData(nameof(BadRuns))]
    public async Task A_bad_run_is_rejected_naming_the_field_and_nothing_of_it_is_stored(string bad, string expected)
    {
        var service = "badcov-" + Guid.NewGuid().ToString("N")[..8];
        var path = $"{service}/src/A.cs";
        var batch = CoverageBatches.Run((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a", At,
            [new(path, Lines(10, 30), [12], [13]), new($"{service}/src/B.cs", Lines(1, 5), [1], [])]);
        var file = batch.Coverage.Files[0];
        switch (bad)
        {
            case "unsorted":
                file.Executable.Clear();
                file.Executable.AddRange([10u, 30u, 1u, 3u]);
                break;
            case "missed-outside": file.MissedCertain.AddRange([40u, 40u]); break;
            case "overlap": file.MissedProbable.Clear(); file.MissedProbable.AddRange([12u, 12u]); break;
            case "absurd-line": file.Executable.Clear(); file.Executable.AddRange([1u, 5_000_000u]); break;
            case "unknown-module": file.Module = "Ghost"; break;
            case "absolute-path": file.Path = "/home/ci/src/A.cs"; break;
            case "dead-method-file": batch.Coverage.Modules[0].DeadMethods.Add(new CoverageMethod { Name = "A.B", File = "src/Other.cs", Line = 3, Confidence = DeadConfidence.DeadCertain }); break;
            case "samples": batch.Strings.Add(""); break;
        }
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;

        var reply = await agent.SendBatchAsync(batch);

        Assert.Equal(GatewayMessage.BodyOneofCase.Rejected, reply.BodyCase);
        Assert.Equal((int)StatusCode.InvalidArgument, reply.Rejected.Code);
        Assert.StartsWith(expected, reply.Rejected.Message);
        var list = await new DeadCodeClient(platform.Channel).ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-12", ToDay = "2026-11-12", Service = service, IncludeLive = true });
        Assert.Empty(list.Files);
        // The stream lives on: the same run, corrected, is accepted.
        await agent.SendAckedAsync(CoverageBatches.Run(batch.Sequence + 1, service, "host-a", At, [new(path, Lines(10, 30), [12], [13])]));
    }

    [Fact]
    public async Task A_module_skipped_for_want_of_a_matching_PDB_is_acknowledged_and_stores_no_lines()
    {
        var service = "nopdb-" + Guid.NewGuid().ToString("N")[..8];
        var batch = CoverageBatches.Run((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a", At, []);
        batch.Coverage.Modules[0].Skipped = "PDB id does not match the assembly";
        batch.Coverage.Modules.Add(new CoverageModule { Name = "NoPdb", Loaded = true, Skipped = "no PDB" });
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;

        await agent.SendAckedAsync(batch);

        var list = await new DeadCodeClient(platform.Channel).ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-12", ToDay = "2026-11-12", Service = service, IncludeLive = true });
        Assert.Empty(list.Files);
    }
}
