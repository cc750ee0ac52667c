using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Profiles.Schedules;

namespace FleetProfiler.Tests.Schedules;

/// <summary>The schedule grain on the test cluster: validation, the random choice among connected hosts, outcomes, history, the reminder.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ScheduleGrainTests(ClusterFixture cluster)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private IScheduleGrain Schedule(string service) => cluster.Grains.GetGrain<IScheduleGrain>(service);

    [Theory]
    [InlineData("gcdump", 3600, 1, 10, "kind: unknown kind 'gcdump' (cpu, wall, alloc, inuse, coverage, heap)")]
    [InlineData("", 3600, 1, 10, "kind: required")]
    [InlineData("cpu", 3600, 0, 10, "hosts: 0 is not between 1 and 100")]
    [InlineData("cpu", 3600, 101, 10, "hosts: 101 is not between 1 and 100")]
    [InlineData("cpu", 3600, 1, 0, "window_seconds: 0 is not between 1 and 600")]
    [InlineData("cpu", 3600, 1, 601, "window_seconds: 601 is not between 1 and 600")]
    [InlineData("inuse", 3600, 1, 601, "window_seconds: 601 is not between 1 and 600")]
    [InlineData("cpu", 0.5, 1, 1, "period: 0.5 s is not between 1 s and 7 d")]
    [InlineData("cpu", 8 * 86400, 1, 10, "period: 8 d is not between 1 s and 7 d")]
    [InlineData("wall", 60, 1, 61, "window_seconds: 61 s is longer than the period (1 min)")]
    public async Task Set_refuses_bad_input_naming_the_field_and_stores_nothing(string kind, double periodSeconds, int hosts, int seconds, string error)
    {
        var service = Unique("bad");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Schedule(service).SetAsync(new ScheduleSpec(kind, TimeSpan.FromSeconds(periodSeconds), hosts, seconds)));

        Assert.Contains(error, e.Message);
        Assert.Empty(await Schedule(service).ListAsync());
        Assert.DoesNotContain(service, await cluster.Grains.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).GetServicesAsync());
    }

    [Fact]
    public async Task An_inuse_schedule_sends_inuse_windows_of_its_length()
    {
        var agents = new FakeAgents(cluster, Unique("inuse"));
        await agents.AddConnectedAsync("i1");
        await Schedule(agents.Service).SetAsync(new ScheduleSpec("inuse", Hour, 1, 600));

        var run = await Schedule(agents.Service).RunNowAsync("inuse");

        Assert.Equal(("inuse-1", "i1", CommandOutcome.Sent), (run.Id, Assert.Single(run.Hosts).Host, run.Hosts[0].Outcome));
        var command = Assert.Single(agents.CommandsOf("i1"));
        Assert.Equal((AgentCommandAction.Start, "inuse", 0, 600), (command.Action, command.Kind, command.ProcessId, command.Seconds));
    }

    [Fact]
    public async Task A_run_sends_a_start_command_to_K_connected_hosts_and_never_to_a_disconnected_one()
    {
        var agents = new FakeAgents(cluster, Unique("checkout"));
        string[] connected = ["c1", "c2", "c3", "c4"];
        foreach (var h in connected) await agents.AddConnectedAsync(h);
        foreach (var h in new[] { "d1", "d2", "d3" }) await agents.AddDisconnectedAsync(h);
        await Schedule(agents.Service).SetAsync(new ScheduleSpec("alloc", Hour, 3, 20));

        var run = await Schedule(agents.Service).RunNowAsync("alloc");

        Assert.Equal(("alloc-1", "alloc", ScheduleTrigger.Manual, 3, 7, ""), (run.Id, run.Kind, run.Trigger, run.Requested, run.KnownHosts, run.Note));
        Assert.Equal(3, run.Hosts.Select(h => h.Host).Distinct().Count());
        Assert.All(run.Hosts, h => Assert.Contains(h.Host, connected));
        Assert.All(run.Hosts, h => Assert.Equal(CommandOutcome.Sent, h.Outcome));
        Assert.Equal(run.Hosts.Select(h => h.Host).Order(), agents.HostsThatReceivedCommands.Order());
        foreach (var h in run.Hosts)
        {
            var command = Assert.Single(agents.CommandsOf(h.Host));
            Assert.Equal(($"schedule/{agents.Service}/alloc-1", AgentCommandAction.Start, "alloc", 0, 20),
                (command.Id, command.Action, command.Kind, command.ProcessId, command.Seconds));
        }
    }

    [Fact]
    public async Task With_fewer_connected_hosts_than_K_a_run_takes_them_all_and_says_so()
    {
        var agents = new FakeAgents(cluster, Unique("search"));
        await agents.AddConnectedAsync("only");
        await agents.AddDisconnectedAsync("away");
        await Schedule(agents.Service).SetAsync(new ScheduleSpec("cpu", Hour, 5, 10));

        var run = await Schedule(agents.Service).RunNowAsync("cpu");

        Assert.Equal(["only"], run.Hosts.Select(h => h.Host));
        Assert.Equal("1 of 2 known hosts connected", run.Note);
    }

    [Fact]
    public async Task Over_many_runs_every_connected_host_is_chosen_about_equally_often()
    {
        var agents = new FakeAgents(cluster, Unique("fair"));
        string[] connected = ["h1", "h2", "h3", "h4"];
        foreach (var h in connected) await agents.AddConnectedAsync(h);
        await Schedule(agents.Service).SetAsync(new ScheduleSpec("wall", Hour, 1, 5));

        const int runs = 200;
        for (var i = 0; i < runs; i++) await Schedule(agents.Service).RunNowAsync("wall");

        // 50 expected each; with the pinned seed the counts are fixed, and a biased choice (always the first in
        // name order, or never the last) would be far outside 30..70.
        Assert.All(connected, h => Assert.InRange(agents.CommandsOf(h).Count, 30, 70));
        Assert.Equal(runs, connected.Sum(h => agents.CommandsOf(h).Count));
    }

    [Fact]
    public async Task A_host_whose_stream_is_gone_is_recorded_offline()
    {
        var agents = new FakeAgents(cluster, Unique("gone"));
        await agents.AddConnectedAsync("stale", broken: true);
        await Schedule(agents.Service).SetAsync(new ScheduleSpec("cpu", Hour, 1, 10));

        var run = await Schedule(agents.Service).RunNowAsync("cpu");

        var host = Assert.Single(run.Hosts);
        Assert.Equal(("stale", CommandOutcome.Offline), (host.Host, host.Outcome));
        // The host grain dropped the dead connection: the next run finds nobody connected.
        var next = await Schedule(agents.Service).RunNowAsync("cpu");
        Assert.Empty(next.Hosts);
        Assert.Equal("0 of 1 known hosts connected", next.Note);
    }

    [Fact]
    public async Task Agents_answers_turn_sent_into_accepted_or_refused_once()
    {
        var agents = new FakeAgents(cluster, Unique("answers"));
        await agents.AddConnectedAsync("a");
        await agents.AddConnectedAsync("b");
        var schedule = Schedule(agents.Service);
        await schedule.SetAsync(new ScheduleSpec("coverage", Hour, 2, 10));
        var run = await schedule.RunNowAsync("coverage");

        await schedule.RecordResultAsync(run.Id, "a", true, "profiling coverage on every target (1) for 10 s");
        await schedule.RecordResultAsync(run.Id, "b", false, "unknown kind 'coverage'");
        await schedule.RecordResultAsync(run.Id, "b", true, "a second answer is ignored");
        await schedule.RecordResultAsync("coverage-999", "a", false, "an unknown run is ignored");

        var recorded = Assert.Single(await schedule.GetHistoryAsync("coverage", 10));
        Assert.Equal([("a", CommandOutcome.Accepted, "profiling coverage on every target (1) for 10 s"), ("b", CommandOutcome.Refused, "unknown kind 'coverage'")],
            recorded.Hosts.OrderBy(h => h.Host).Select(h => (h.Host, h.Outcome, h.Message)));
    }

    [Fact]
    public async Task History_keeps_the_newest_runs_up_to_its_cap_newest_first()
    {
        var agents = new FakeAgents(cluster, Unique("capped"));
        await agents.AddConnectedAsync("x");
        var schedule = Schedule(agents.Service);
        await schedule.SetAsync(new ScheduleSpec("cpu", Hour, 1, 10));
        await schedule.SetAsync(new ScheduleSpec("alloc", Hour, 1, 10));
        for (var i = 0; i < 55; i++) await schedule.RunNowAsync(i % 2 == 0 ? "cpu" : "alloc");

        var all = await schedule.GetHistoryAsync(null, 1000);
        Assert.Equal(50, all.Count); // ScheduleOptions.MaxHistory
        Assert.Equal(["cpu-55", "alloc-54", "cpu-53"], all.Take(3).Select(r => r.Id));
        Assert.Equal("alloc-6", all[^1].Id);
        Assert.Equal(["cpu-55", "cpu-53"], (await schedule.GetHistoryAsync("cpu", 2)).Select(r => r.Id));
        var entry = Assert.Single(await schedule.ListAsync(), e => e.Spec.Kind == "cpu");
        Assert.Equal(28, entry.Runs);
    }

    [Fact]
    public async Task The_reminder_runs_the_schedule_and_removing_it_stops_the_runs()
    {
        var agents = new FakeAgents(cluster, Unique("ticking"));
        await agents.AddConnectedAsync("t1");
        var schedule = Schedule(agents.Service);
        await schedule.SetAsync(new ScheduleSpec("cpu", TimeSpan.FromSeconds(1), 1, 1));
        Assert.Contains(agents.Service, await cluster.Grains.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).GetServicesAsync());

        var history = await Eventually.Until(() => schedule.GetHistoryAsync("cpu", 10), h => h.Count >= 2, TestTimeouts.Convergence, "two reminder runs");
        Assert.All(history, r => Assert.Equal(ScheduleTrigger.Reminder, r.Trigger));
        Assert.All(history, r => Assert.Equal("t1", Assert.Single(r.Hosts).Host));

        Assert.True(await schedule.RemoveAsync("cpu"));
        Assert.False(await schedule.RemoveAsync("cpu"));
        Assert.Empty(await schedule.ListAsync());
        Assert.DoesNotContain(agents.Service, await cluster.Grains.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).GetServicesAsync());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => schedule.RunNowAsync("cpu"));
    }

    [Fact]
    public void The_host_order_is_a_pinned_permutation_of_seed_service_kind_and_run()
    {
        string[] hosts = ["a", "b", "c", "d", "e", "f"];
        var order = ScheduleRules.HostOrder(hosts, 7, "svc", "cpu", 1);

        Assert.Equal(hosts, order.Order());
        Assert.Equal(order, ScheduleRules.HostOrder(hosts.Reverse(), 7, "svc", "cpu", 1));
        // Pinned: a change of the permutation or the seed hash shows here (and changes which hosts a run picks).
        Assert.Equal(["b", "a", "f", "d", "e", "c"], order);
    }
}
