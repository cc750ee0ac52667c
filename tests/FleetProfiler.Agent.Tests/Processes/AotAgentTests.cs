namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The agent published with Native AOT (deploy/scripts/publish-agent-aot.sh, once for the class) runs the same paths
/// as the JIT build: a one-shot window with named frames and source lines, and as a daemon a scheduled window streamed
/// over gRPC to the real platform and queryable there.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class AotAgentTests(DemoFixture demo, AotAgentTests.PublishedAgent aot) : IClassFixture<AotAgentTests.PublishedAgent>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_native_agent_profiles_a_window_once_with_method_names_and_its_peak_memory()
    {
        await using var agent = ChildProcess.Start("agent --once (native)", aot.Executable,
            ["--once", "--pid", demo.Pid.ToString(), "--kind", "cpu", "--seconds", "2", "--Logging:LogLevel:FleetProfiler.Agent.Symbolization=Debug"]);

        Assert.Equal(0, await agent.WaitForExitAsync(TestTimeouts.ProcessExit));
        Assert.Contains(agent.StdoutLines, l => l.Contains("FleetProfiler.Demo!FleetProfiler.Demo.PrimeSieve.IsPrime(int32)"));
        // The streamed reader, not the TraceLog fallback: EventStacks works without Reflection.Emit.
        Assert.Single(agent.Lines("Opened the trace (StreamedStacks)"));
        Assert.Single(agent.Lines("Agent peak RSS"));
        Assert.Empty(agent.Lines("fail:"));
    }

    [Fact]
    public async Task The_native_daemon_streams_a_scheduled_window_to_the_platform_where_it_is_queryable_with_source_files()
    {
        await using var platform = await PlatformFixture.StartAsync();
        var credential = PlatformFixture.AgentA;
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), platform.GrpcUrl, new Dictionary<string, string>
        {
            ["AgentId"] = credential.AgentId,
            ["Host"] = credential.Host,
            ["Token"] = credential.Token,
            ["Pids:0"] = demo.Pid.ToString(),
            ["Schedules:0:Kind"] = "cpu",
            ["Schedules:0:Seconds"] = "2",
            ["Schedules:0:Every"] = "00:00:05",
        }, executable: aot.Executable);
        await agent.WaitForLineAsync("Connected to gateway", TestTimeouts.Convergence);
        await agent.WaitForLineAsync(l => l.Contains("Gateway acked batch"), "a scheduled window acked", TestTimeouts.Convergence);

        var query = new Query.QueryClient(platform.Channel);
        var request = new GetProfileRequest
        {
            Selector = new Selector { Service = demo.Service },
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)),
            Kind = "cpu",
            Format = "folded",
        };
        Assert.Contains("PrimeSieve.IsPrime(int32)", (await query.GetProfileAsync(request)).Data.ToStringUtf8());
        // Source lines come from the demo's portable PDB, read by System.Reflection.Metadata in the native build too.
        var files = await query.TopFilesAsync(new TopRequest { Selector = request.Selector, From = request.From, To = request.To, Kind = "cpu" });
        Assert.Contains(files.Entries, f => f.Name == "deploy/demo/FleetProfiler.Demo/PrimeSieve.cs");
        Assert.Empty(agent.Lines("fail:"));
        Assert.Empty(agent.Lines("rejected"));
    }

    /// <summary>The agent published with Native AOT into a temporary directory, once for the class.</summary>
    public sealed class PublishedAgent : IAsyncLifetime
    {
        private readonly TempDirectory _dir = new("agent-aot");

        public string Executable => _dir.Combine("FleetProfiler.Agent");

        public async Task InitializeAsync()
        {
            await using var publish = ChildProcess.Start("publish-agent-aot.sh", "bash",
                [Path.Combine(Repo.Root, "deploy", "scripts", "publish-agent-aot.sh"), _dir.Path]);
            Assert.True(await publish.WaitForExitAsync(TestTimeouts.AotPublish) == 0, publish.Output);
            Assert.True(File.Exists(Executable), $"no {Executable} after the publish:\n{publish.Output}");
        }

        public Task DisposeAsync()
        {
            _dir.Dispose();
            return Task.CompletedTask;
        }
    }
}
