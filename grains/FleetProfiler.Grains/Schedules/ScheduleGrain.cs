using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles.Schedules;

namespace FleetProfiler.Grains.Schedules;

/// <summary>
/// A service's profiling schedules: one reminder per kind (<c>schedule:KIND</c>, durable in the reminder table of
/// the silo's mode) whose every tick is a run. A run walks the service's hosts in a seeded random order, takes the
/// first K whose agent stream is attached, sends each a start command and records the outcome; agents' answers
/// arrive later through <see cref="RecordResultAsync"/>.
/// </summary>
public sealed class ScheduleGrain(
    [PersistentState("schedule", StorageNames.Fleet)] IPersistentState<ScheduleState> state,
    [PersistentState("schedule-history", StorageNames.Fleet)] IPersistentState<ScheduleHistoryState> history,
    ScheduleOptions options,
    TimeProvider clock,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    internal const string ReminderPrefix = "schedule:";

    /// <summary>Hosts probed at once while looking for connected ones.</summary>
    private const int ProbeBatch = 32;

    /// <summary>Longest agent message kept per host outcome.</summary>
    private const int MaxMessage = 300;

    private string Service => this.GetPrimaryKeyString();

    public async Task<ScheduleEntry> SetAsync(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = ScheduleRules.Problems(spec.Kind, spec.Period, spec.Hosts, spec.WindowSeconds, options.MinimumPeriod).ToList();
        if (Service.Contains('/')) problems.Insert(0, $"service: may not contain '/': '{Service}'");
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));

        var schedules = state.State.Schedules;
        var had = schedules.TryGetValue(spec.Kind, out var old);
        if (schedules.Count == 0) await GrainFactory.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).AddAsync(Service);
        // Re-registering restarts the period; keep the reminder when only K or the window changed.
        if (!had || old!.Period != spec.Period)
            await this.RegisterOrUpdateReminder(ReminderPrefix + spec.Kind, spec.Period, spec.Period);
        var record = new ScheduleRecord
        {
            Kind = spec.Kind,
            Period = spec.Period,
            Hosts = spec.Hosts,
            WindowSeconds = spec.WindowSeconds,
            UpdatedAt = clock.GetUtcNow(),
            LastRunAt = old?.LastRunAt,
            Runs = old?.Runs ?? 0,
        };
        schedules[spec.Kind] = record;
        await state.WriteStateAsync();
        logger.LogInformation("Schedule of {Service} {Kind}: {Hosts} host(s) for {Seconds} s every {Period}", Service, spec.Kind, spec.Hosts, spec.WindowSeconds, spec.Period);
        return ToEntry(record);
    }

    public Task<IReadOnlyList<ScheduleEntry>> ListAsync() =>
        Task.FromResult<IReadOnlyList<ScheduleEntry>>([.. state.State.Schedules.Values.Select(ToEntry)]);

    public async Task<bool> RemoveAsync(string kind)
    {
        if (!state.State.Schedules.ContainsKey(kind)) return false;
        // The reminder first: if that fails, the schedule is still listed and a retry removes both.
        await UnregisterAsync(kind);
        state.State.Schedules.Remove(kind);
        await state.WriteStateAsync();
        if (state.State.Schedules.Count == 0)
            await GrainFactory.GetGrain<IScheduleDirectoryGrain>(IScheduleDirectoryGrain.Key).RemoveAsync(Service);
        return true;
    }

    public Task<ScheduledRun> RunNowAsync(string kind) =>
        state.State.Schedules.ContainsKey(kind)
            ? RunAsync(kind, ScheduleTrigger.Manual)
            : throw new KeyNotFoundException($"service '{Service}' has no {kind} schedule");

    public Task<IReadOnlyList<ScheduledRun>> GetHistoryAsync(string? kind, int limit) =>
        Task.FromResult<IReadOnlyList<ScheduledRun>>([.. history.State.Runs.AsEnumerable().Reverse()
            .Where(r => kind is null || r.Kind == kind)
            .Take(Math.Clamp(limit, 1, options.MaxHistory))
            .Select(ToRun)]);

    public async Task RecordResultAsync(string runId, string host, bool accepted, string message)
    {
        var outcome = history.State.Runs.LastOrDefault(r => r.Id == runId)?.Hosts.FirstOrDefault(h => h.Host == host);
        // A run already dropped from the history, or a second answer: nothing to record.
        if (outcome is null || outcome.Outcome != CommandOutcome.Sent) return;
        outcome.Outcome = accepted ? CommandOutcome.Accepted : CommandOutcome.Refused;
        outcome.Message = Truncate(message);
        await history.WriteStateAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!reminderName.StartsWith(ReminderPrefix, StringComparison.Ordinal)) return;
        var kind = reminderName[ReminderPrefix.Length..];
        if (!state.State.Schedules.ContainsKey(kind))
        {
            // A reminder whose schedule was removed while its unregistration failed: finish the job.
            await UnregisterAsync(kind);
            return;
        }
        try { await RunAsync(kind, ScheduleTrigger.Reminder); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Scheduled {Kind} run of {Service} failed; the next tick tries again", kind, Service);
        }
    }

    private async Task<ScheduledRun> RunAsync(string kind, ScheduleTrigger trigger)
    {
        var schedule = state.State.Schedules[kind];
        var number = ++state.State.NextRun;
        // The run is counted before any command goes out: a crash after sending must neither hand the same run id
        // out again nor leave a run that reached agents uncounted.
        var at = clock.GetUtcNow();
        schedule.LastRunAt = at;
        schedule.Runs++;
        await state.WriteStateAsync();
        var runId = $"{kind}-{number}";
        var hosts = await GrainFactory.GetGrain<IServiceGrain>(Service).GetHostsAsync();
        var chosen = await ChooseConnectedAsync(ScheduleRules.HostOrder(hosts, options.EffectiveSeed, Service, kind, number), schedule.Hosts);

        var command = new AgentCommand(ScheduleCommandId.Of(Service, runId), AgentCommandAction.Start, kind, 0, schedule.WindowSeconds,
            RequestedBy: trigger == ScheduleTrigger.Manual ? "schedule (run now)" : "schedule");
        var outcomes = await Task.WhenAll(chosen.Select(h => SendAsync(h, command)));
        var note = hosts.Count == 0 ? "the service has no hosts yet"
            : chosen.Count < schedule.Hosts ? $"{chosen.Count} of {hosts.Count} known hosts connected"
            : "";
        var run = new RunRecord
        {
            Id = runId,
            Kind = kind,
            At = at,
            Trigger = trigger,
            Requested = schedule.Hosts,
            KnownHosts = hosts.Count,
            WindowSeconds = schedule.WindowSeconds,
            Hosts = [.. outcomes],
            Note = note,
        };
        var runs = history.State.Runs;
        runs.Add(run);
        if (runs.Count > options.MaxHistory) runs.RemoveRange(0, runs.Count - options.MaxHistory);
        await history.WriteStateAsync();
        logger.LogInformation("Scheduled {Kind} run {Run} of {Service} ({Trigger}): {Chosen} of {Requested} host(s) chosen{Note}",
            kind, runId, Service, trigger, chosen.Count, schedule.Hosts, note.Length == 0 ? "" : "; " + note);
        return ToRun(run);
    }

    /// <summary>The first <paramref name="k"/> hosts of <paramref name="order"/> whose agent stream is attached.</summary>
    private async Task<List<string>> ChooseConnectedAsync(IReadOnlyList<string> order, int k)
    {
        var chosen = new List<string>(k);
        for (var i = 0; i < order.Count && chosen.Count < k; i += ProbeBatch)
        {
            var batch = order.Skip(i).Take(ProbeBatch).ToArray();
            var infos = await Task.WhenAll(batch.Select(h => GrainFactory.GetGrain<IHostGrain>(HostKey.Of(Service, h)).GetInfoAsync()));
            // In the random order, so the first K connected are a uniform choice among the connected hosts.
            chosen.AddRange(batch.Where((_, j) => infos[j] is { AgentConnected: true }).Take(k - chosen.Count));
        }
        return chosen;
    }

    private async Task<HostRecord> SendAsync(string host, AgentCommand command)
    {
        try
        {
            var sent = await GrainFactory.GetGrain<IHostGrain>(HostKey.Of(Service, host)).SendCommandAsync(command);
            return new HostRecord { Host = host, Outcome = sent ? CommandOutcome.Sent : CommandOutcome.Offline, Message = sent ? "" : "the agent's stream was gone" };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new HostRecord { Host = host, Outcome = CommandOutcome.Offline, Message = Truncate(e.Message) };
        }
    }

    private async Task UnregisterAsync(string kind)
    {
        if (await this.GetReminder(ReminderPrefix + kind) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private ScheduleEntry ToEntry(ScheduleRecord r) =>
        new(Service, new ScheduleSpec(r.Kind, r.Period, r.Hosts, r.WindowSeconds), r.UpdatedAt, r.LastRunAt, r.Runs);

    private ScheduledRun ToRun(RunRecord r) =>
        new(r.Id, Service, r.Kind, r.At, r.Trigger, r.Requested, r.KnownHosts, r.WindowSeconds,
            [.. r.Hosts.Select(h => new HostOutcome(h.Host, h.Outcome, h.Message))], r.Note);

    private static string Truncate(string s) => s.Length <= MaxMessage ? s : s[..MaxMessage] + "…";
}
