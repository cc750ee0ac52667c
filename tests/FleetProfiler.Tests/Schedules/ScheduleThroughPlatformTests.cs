using System.Text.Json;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using ScheduleClient = FleetProfiler.Protocol.V1.Schedule.ScheduleClient;

namespace FleetProfiler.Tests.Schedules;

/// <summary>
/// Schedules through the real single-node platform process: the reminder fires in the silo, the command reaches a
/// protocol-level agent over the real Ingest stream, its answer lands in the history; the reminder lives in the
/// SQLite reminder table and survives a crash of the process.
/// </summary>
public sealed class ScheduleThroughPlatformTests
{
    /// <summary>Short periods for tests: the silo allows 2 s schedules (the production minimum is 5 min).</summary>
    internal static readonly Dictionary<string, string> FastSchedules = new()
    {
        ["Reminders:MinimumReminderPeriod"] = "00:00:01",
        ["Scheduling:MinimumPeriod"] = "00:00:02",
        ["Scheduling:Seed"] = "7",
    };

    private static string NewService() => "sched-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<PlatformFixture> StartPlatformAsync()
    {
        var platform = new PlatformFixture();
        foreach (var (key, value) in FastSchedules) platform.Overrides[key] = value;
        try
        {
            await platform.InitializeAsync();
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
        return platform;
    }

    /// <summary>The next command the gateway sends on the stream (nothing else is expected on an idle agent's stream).</summary>
    internal static async Task<Command> NextCommandAsync(AgentStream agent)
    {
        var message = await agent.ReceiveAsync(); // bounded by TestTimeouts.Step
        return message.BodyCase == GatewayMessage.BodyOneofCase.Command ? message.Command : throw new InvalidOperationException($"expected a command, got {message}");
    }

    internal static SetScheduleRequest EveryTwoSeconds(string service) =>
        new() { Service = service, Kind = "cpu", Period = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), Hosts = 1, WindowSeconds = 1 };

    [Fact]
    public async Task The_reminder_sends_a_start_command_to_a_connected_agent_and_its_answer_is_in_the_history()
    {
        await using var platform = await StartPlatformAsync();
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        var schedules = new ScheduleClient(platform.Channel);

        var entry = await schedules.SetAsync(EveryTwoSeconds(service));
        Assert.Equal((service, "cpu", TimeSpan.FromSeconds(2), 1u, 1u, 43_200u), (entry.Service, entry.Kind, entry.Period.ToTimeSpan(), entry.Hosts, entry.WindowSeconds, entry.TimesPerDay));

        var command = await NextCommandAsync(agent);
        Assert.Equal((Command.Types.Action.Start, "cpu", 0, 1), (command.Action, command.Kind, command.Pid, command.Seconds));
        Assert.StartsWith($"schedule/{service}/cpu-", command.Id);
        await agent.SendAsync(new AgentMessage { CommandResult = new CommandResult { Id = command.Id, Accepted = true, Message = "profiling cpu on every target (1) for 1 s" } });

        var runId = command.Id[$"schedule/{service}/".Length..];
        var history = await Eventually.Until(
            async () => (await schedules.HistoryAsync(new ScheduleHistoryRequest { Service = service, Kind = "cpu", Limit = 100 })).Runs.Single(r => r.Id == runId),
            r => r.Hosts.Single().Outcome == HostOutcome.Types.Outcome.Accepted, TestTimeouts.Step, "the agent's answer recorded");
        Assert.Equal(("reminder", "host-a", "profiling cpu on every target (1) for 1 s"), (history.Trigger, history.Hosts.Single().Host, history.Hosts.Single().Message));

        // The same, as JSON on the HTTP port.
        using var http = platform.Http();
        using var list = JsonDocument.Parse(await http.GetStringAsync($"/api/schedules?service={service}"));
        var listed = Assert.Single(list.RootElement.GetProperty("schedules").EnumerateArray());
        Assert.Equal(("cpu", "2s", 1), (listed.GetProperty("kind").GetString(), listed.GetProperty("period").GetString(), listed.GetProperty("hosts").GetInt32()));
        using var runs = JsonDocument.Parse(await http.GetStringAsync($"/api/schedules/history?service={service}&kind=cpu&limit=100"));
        var run = runs.RootElement.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("id").GetString() == runId);
        Assert.Equal("ACCEPTED", run.GetProperty("hosts")[0].GetProperty("outcome").GetString());
        var bad = await http.GetAsync($"/api/schedules/history?service={service}&kind=gcdump");
        Assert.Equal((System.Net.HttpStatusCode.BadRequest, "kind: unknown kind 'gcdump' (cpu, wall, alloc, inuse, coverage, heap)\n"), (bad.StatusCode, await bad.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Bad_schedules_are_refused_with_the_field_named_and_unknown_ones_are_not_found()
    {
        await using var platform = await StartPlatformAsync();
        var service = NewService();
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using var _ = agent;
        var schedules = new ScheduleClient(platform.Channel);

        async Task<(StatusCode, string)> SetFails(SetScheduleRequest r)
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await schedules.SetAsync(r));
            return (e.StatusCode, e.Status.Detail);
        }

        Assert.Equal((StatusCode.InvalidArgument, "kind: unknown kind 'gcdump' (cpu, wall, alloc, inuse, coverage, heap)"), await SetFails(new SetScheduleRequest { Service = service, Kind = "gcdump", TimesPerDay = 4 }));
        Assert.Equal((StatusCode.InvalidArgument, "times_per_day or period: required (how often the schedule runs)"), await SetFails(new SetScheduleRequest { Service = service, Kind = "cpu" }));
        Assert.Equal((StatusCode.InvalidArgument, "times_per_day, period: give one, not both"),
            await SetFails(new SetScheduleRequest { Service = service, Kind = "cpu", TimesPerDay = 4, Period = Duration.FromTimeSpan(TimeSpan.FromHours(6)) }));
        Assert.Equal((StatusCode.InvalidArgument, "hosts: 101 is not between 1 and 100"), await SetFails(new SetScheduleRequest { Service = service, Kind = "cpu", TimesPerDay = 4, Hosts = 101 }));
        Assert.Equal((StatusCode.InvalidArgument, "period: 1 s is not between 2 s and 7 d (1 to 43200 runs a day)"),
            await SetFails(new SetScheduleRequest { Service = service, Kind = "cpu", Period = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) }));
        Assert.Equal((StatusCode.NotFound, "service: unknown service 'nobody' (no agent has reported it)"), await SetFails(new SetScheduleRequest { Service = "nobody", Kind = "cpu", TimesPerDay = 4 }));
        var remove = await Assert.ThrowsAsync<RpcException>(async () => await schedules.RemoveAsync(new RemoveScheduleRequest { Service = service, Kind = "wall" }));
        Assert.Equal((StatusCode.NotFound, $"kind: service '{service}' has no wall schedule"), (remove.StatusCode, remove.Status.Detail));
        var run = await Assert.ThrowsAsync<RpcException>(async () => await schedules.RunNowAsync(new RunScheduleRequest { Service = service, Kind = "wall" }));
        Assert.Equal(StatusCode.NotFound, run.StatusCode);
        Assert.Empty((await schedules.ListAsync(new ListSchedulesRequest { Service = service })).Schedules);
    }

    [Fact]
    public async Task A_schedule_keeps_firing_after_the_single_node_process_is_killed_and_restarted()
    {
        await using var platform = await StartPlatformAsync();
        var service = NewService();
        var (before, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await new ScheduleClient(platform.Channel).SetAsync(EveryTwoSeconds(service));
        var first = await NextCommandAsync(before);

        await platform.RestartAsync(); // SIGKILL, then the same data directory
        await before.DisposeAsync();

        var (after, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = after;
        // Nothing registers schedules at start: a command now comes from the reminder stored before the crash.
        var next = await NextCommandAsync(after);
        Assert.StartsWith($"schedule/{service}/cpu-", next.Id);
        Assert.True(RunNumber(next.Id) > RunNumber(first.Id), $"{next.Id} follows {first.Id}");

        var stored = ReminderRows(Path.Combine(platform.DataDirectory, "data", "grains.db"), "schedule:cpu");
        Assert.Equal(1, stored);
        var listed = Assert.Single((await new ScheduleClient(platform.Channel).ListAsync(new ListSchedulesRequest { Service = service })).Schedules);
        Assert.True(listed.Runs >= 2, $"{listed.Runs} run(s) counted; the run before the kill counts, as its command reached the agent");
    }

    internal static long RunNumber(string commandId) => long.Parse(commandId[(commandId.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static long ReminderRows(string database, string name)
    {
        using var conn = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM reminder WHERE reminder_name = $n";
        cmd.Parameters.AddWithValue("$n", name);
        return (long)cmd.ExecuteScalar()!;
    }
}
