using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Tests.Schedules;

namespace FleetProfiler.Tests.Grains;

/// <summary>The host grain's recent commands through the test cluster: every command kept, answers recorded once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HostCommandsTests(ClusterFixture cluster)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_sent_command_is_listed_as_sent_until_its_agent_answers()
    {
        var agents = new FakeAgents(cluster, Unique("api"));
        await agents.AddConnectedAsync("h1");
        var host = cluster.Grains.GetGrain<IHostGrain>(HostKey.Of(agents.Service, "h1"));

        Assert.True(await host.SendCommandAsync(new AgentCommand("c1", AgentCommandAction.Start, "heap", 42, 1, "alice")));
        var sent = Assert.Single(await host.GetCommandsAsync());
        Assert.Equal(("c1", "heap", 42, "alice", CommandOutcome.Sent, (DateTimeOffset?)null), (sent.Command.Id, sent.Command.Kind, sent.Command.ProcessId, sent.Command.RequestedBy, sent.Outcome, sent.AnsweredAt));
        Assert.Equal("c1", Assert.Single(agents.CommandsOf("h1")).Id);

        Assert.True(await host.RecordCommandResultAsync("c1", false, "process 42 not found"));
        Assert.False(await host.RecordCommandResultAsync("other", true, "not ours"));

        var answered = Assert.Single(await host.GetCommandsAsync());
        Assert.Equal((CommandOutcome.Refused, "process 42 not found"), (answered.Outcome, answered.Message));
        Assert.NotNull(answered.AnsweredAt);
    }

    [Fact]
    public async Task A_command_to_a_host_without_a_connected_agent_is_listed_as_offline()
    {
        var agents = new FakeAgents(cluster, Unique("api"));
        await agents.AddDisconnectedAsync("h1");
        await agents.AddConnectedAsync("h2", broken: true);

        foreach (var name in new[] { "h1", "h2" })
        {
            var host = cluster.Grains.GetGrain<IHostGrain>(HostKey.Of(agents.Service, name));
            Assert.False(await host.SendCommandAsync(new AgentCommand("c-" + name, AgentCommandAction.Start, "cpu", 0, 10)));
            var offline = Assert.Single(await host.GetCommandsAsync());
            Assert.Equal(("c-" + name, CommandOutcome.Offline, "no agent connected for this host"), (offline.Command.Id, offline.Outcome, offline.Message));
        }
    }

    [Fact]
    public async Task A_scheduled_run_lists_its_command_on_the_host_as_asked_by_the_schedule()
    {
        var agents = new FakeAgents(cluster, Unique("sched"));
        await agents.AddConnectedAsync("h1");
        var schedule = cluster.Grains.GetGrain<IScheduleGrain>(agents.Service);
        await schedule.SetAsync(new ScheduleSpec("cpu", TimeSpan.FromHours(1), 1, 10));

        var run = await schedule.RunNowAsync("cpu");

        var command = Assert.Single(await cluster.Grains.GetGrain<IHostGrain>(HostKey.Of(agents.Service, "h1")).GetCommandsAsync());
        Assert.Equal((ScheduleCommandId.Of(agents.Service, run.Id), "schedule (run now)", CommandOutcome.Sent), (command.Command.Id, command.Command.RequestedBy, command.Outcome));
        await schedule.RemoveAsync("cpu");
    }
}
