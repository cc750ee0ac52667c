using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.Query;

/// <summary>Files are named repository-relative everywhere; the path the PDB named is kept and served beside it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SourcePathTests(PlatformFixture platform)
{
    private static long _sequence = 8_000_000_000;

    [Fact]
    public async Task Top_files_names_the_repository_relative_file_and_serves_its_original_path()
    {
        var service = "paths-" + Guid.NewGuid().ToString("N")[..8];
        var batch = TestBatches.Cpu((ulong)Interlocked.Increment(ref _sequence), service, "host-b", TestBatches.Epoch, ("Main;Orders.Get", 6), ("Main;Json.Write", 4));
        // The agent sends the repository-relative path as file and the PDB's path as original_file.
        foreach (var f in batch.Functions)
        {
            var relative = batch.Strings[(int)f.File];
            f.File = Intern(batch, "src/" + relative);
            f.OriginalFile = Intern(batch, "/build/agent-7/src/" + relative);
        }
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using (agent)
            Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(batch)).BodyCase);

        var top = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).TopFilesAsync(new TopRequest
        {
            Selector = new Selector { Service = service },
            From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddMinutes(-1)),
            To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddMinutes(1)),
            Kind = "cpu",
        });

        Assert.Equal(
            [("src/Orders.cs", "/build/agent-7/src/Orders.cs", 6L), ("src/Json.cs", "/build/agent-7/src/Json.cs", 4L), ("src/Main.cs", "/build/agent-7/src/Main.cs", 0L)],
            top.Entries.Select(e => (e.Name, e.OriginalPath, e.Self)));
    }

    private static uint Intern(Batch b, string s)
    {
        var i = b.Strings.IndexOf(s);
        if (i >= 0) return (uint)i;
        b.Strings.Add(s);
        return (uint)(b.Strings.Count - 1);
    }
}
