using FleetProfiler.Protocol.V1;
using Grpc.Net.Client;

namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary><c>schedule</c> commands, run in-process against the real platform process, with an agent of their own.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ScheduleCommandsTests(SeededPlatform platform)
{
    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    private static string[] Rows(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))];

    [Fact]
    public async Task Set_list_run_history_and_remove_a_schedule()
    {
        var service = "cli-sched-" + Guid.NewGuid().ToString("N")[..6];
        var credential = PlatformFixture.AgentB;
        using var channel = TestKeys.Channel(platform.GatewayUrl);
        var (agent, _) = await AgentStream.ConnectAsync(channel, credential.AgentId, credential.Host, credential.Token, service);
        await using var _ = agent;

        var set = await RunAsync("schedule", "set", "--service", service, "--kind", "alloc", "--every", "1h", "--hosts", "2", "--seconds", "15");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal($"{service} alloc: 2 hosts for 15 s every 1h (24 a day)\n", set.Out);

        var list = await RunAsync("schedule", "list", "--service", service);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(["SERVICE KIND EVERY PER-DAY HOSTS SECONDS RUNS LAST-RUN", $"{service} alloc 1h 24 2 15 0 -"], Rows(list.Out));

        var run = await RunAsync("schedule", "run", "--service", service, "--kind", "alloc");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([$"run alloc-1: 1 of 2 host(s) chosen (1 of 1 known hosts connected)", "HOST OUTCOME MESSAGE", $"{credential.Host} sent"], Rows(run.Out));

        var message = await agent.ReceiveAsync();
        Assert.Equal(($"schedule/{service}/alloc-1", "alloc", 15), (message.Command.Id, message.Command.Kind, message.Command.Seconds));
        await agent.SendAsync(new AgentMessage { CommandResult = new CommandResult { Id = message.Command.Id, Accepted = false, Message = "no .NET process to profile on this host" } });

        var history = await Eventually.Until(() => RunAsync("schedule", "history", "--service", service), h => h.Out.Contains("=refused"), TestTimeouts.Step, "the refusal in the history");
        var rows = Rows(history.Out);
        Assert.Equal("RUN AT TRIGGER CHOSEN HOSTS NOTE", rows[0]);
        Assert.StartsWith("alloc-1 ", rows[1]);
        Assert.EndsWith($"manual 1/2 {credential.Host}=refused 1 of 1 known hosts connected", rows[1]);

        var removed = await RunAsync("schedule", "remove", "--service", service, "--kind", "alloc");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        var again = await RunAsync("schedule", "remove", "--service", service, "--kind", "alloc");
        Assert.True(again.ExitCode == ExitCodes.NotFound, again.ToString());
        Assert.Contains($"service '{service}' has no alloc schedule", again.Error);
    }

    [Theory]
    [InlineData(ExitCodes.Usage, "--kind: unknown value 'gcdump' (cpu, wall, alloc, inuse, coverage, heap)", "--kind", "gcdump", "--every", "1h")]
    [InlineData(ExitCodes.Usage, "--hosts: '0' is not a whole number between 1 and 100", "--kind", "cpu", "--every", "1h", "--hosts", "0")]
    [InlineData(ExitCodes.Usage, "--times-per-day or --every is required", "--kind", "cpu")]
    [InlineData(ExitCodes.Usage, "give --times-per-day or --every, not both", "--kind", "cpu", "--every", "1h", "--times-per-day", "4")]
    [InlineData(ExitCodes.InvalidArgument, "period: 1 min is not between 5 min and 7 d (1 to 288 runs a day)", "--kind", "cpu", "--every", "1m")]
    [InlineData(ExitCodes.InvalidArgument, "period: 2 min is not between 5 min and 7 d", "--kind", "cpu", "--times-per-day", "720")]
    public async Task Bad_schedules_exit_with_the_reason(int exitCode, string reason, params string[] options)
    {
        var r = await RunAsync(["schedule", "set", "--service", SeededPlatform.Service, .. options]);
        Assert.True(r.ExitCode == exitCode, r.ToString());
        Assert.Contains(reason, r.Error);
    }
}
