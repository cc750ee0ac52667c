using FleetProfiler.Abstractions.Coverage;
using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Grains.Storage;

namespace FleetProfiler.Grains.Hosts;

public sealed class HostGrain(
    [PersistentState("host", StorageNames.Fleet)] IPersistentState<HostState> state,
    IProfileStore store,
    TimeProvider clock,
    ILogger<HostGrain> logger) : Grain, IHostGrain
{
    // Since activation; the durable record of what was applied is the profile store itself.
    private long _applied, _duplicates, _droppedByAgent;

    private IAgentConnection? _agent;

    // Source paths already stored for this host's service: a window sends only new ones. Bounded; when full it
    // starts over (a path stored twice costs one idempotent upsert).
    private const int MaxKnownPaths = 10_000;
    private readonly HashSet<SourcePath> _knownPaths = [];

    public Task AttachAgentAsync(IAgentConnection connection)
    {
        _agent = connection;
        return Task.CompletedTask;
    }

    public Task DetachAgentAsync(IAgentConnection connection)
    {
        if (Equals(_agent, connection)) _agent = null;
        return Task.CompletedTask;
    }

    public async Task<bool> SendCommandAsync(AgentCommand command)
    {
        var sent = await DeliverAsync(command);
        // Kept whatever happened, so the one who asked can see it (a full list drops its oldest command).
        Commands.Add(command, clock.GetUtcNow(), sent ? CommandOutcome.Sent : CommandOutcome.Offline,
            sent ? "" : "no agent connected for this host");
        await WriteCommandsAsync();
        return sent;
    }

    private async Task<bool> DeliverAsync(AgentCommand command)
    {
        if (_agent is null) return false;
        try
        {
            await _agent.SendAsync(command);
            return true;
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            // The gateway holding the stream is gone; the agent reattaches when it reconnects.
            logger.LogInformation("Agent connection of {Host} is gone: {Error}", this.GetPrimaryKeyString(), e.Message);
            _agent = null;
            return false;
        }
    }

    public async Task<bool> RecordCommandResultAsync(string commandId, bool accepted, string message, bool finished = false)
    {
        var result = Commands.Answer(commandId, accepted, message, clock.GetUtcNow(), finished);
        if (result == AnswerResult.Recorded) await WriteCommandsAsync();
        return result != AnswerResult.Unknown;
    }

    public Task<IReadOnlyList<HostCommand>> GetCommandsAsync() => Task.FromResult(Commands.Newest());

    private RecentCommands Commands => new(state.State.Commands);

    /// <summary>Persists the command list; a failed write keeps it in memory only (the command itself went out).</summary>
    private async Task WriteCommandsAsync()
    {
        try { await state.WriteStateAsync(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Storing the commands of {Host} failed (kept in memory): {Error}", this.GetPrimaryKeyString(), e.Message);
        }
    }

    public async Task<ApplyOutcome> ApplyWindowAsync(ProfileWindowUpload upload)
    {
        var (service, host) = HostKey.Parse(this.GetPrimaryKeyString());
        if (upload.WindowEnd < upload.WindowStart)
            throw new ArgumentException("window_end is before window_start", nameof(upload));
        var newPaths = upload.SourcePaths?.Where(p => !_knownPaths.Contains(p)).ToList();
        var window = new StoredWindow(service, host, upload.AgentId, upload.Sequence, upload.ProcessId, upload.ProcessName,
            upload.WindowStart, upload.WindowEnd, upload.Kinds, upload.SamplingIntervalMs, upload.Tree,
            SourcePaths: newPaths is { Count: > 0 } ? newPaths : null,
            // An upload from a gateway of an older version carries no method: not known, rather than "off".
            AttributionMethod: upload.AttributionMethod ?? AttributionMethods.Unknown, AttributionNote: upload.AttributionNote ?? "",
            ServiceVersion: upload.ServiceVersion ?? "");
        // The store's unique (agent, sequence) key is the dedupe: a resend after a lost ack finds its row.
        var inserted = await store.TryAddWindowAsync(window);
        if (inserted && newPaths is { Count: > 0 })
        {
            if (_knownPaths.Count + newPaths.Count > MaxKnownPaths) _knownPaths.Clear();
            _knownPaths.UnionWith(newPaths);
        }
        return Record(inserted, upload.AgentId, upload.DroppedWindows);
    }

    public async Task<ApplyOutcome> ApplyRouteMinutesAsync(RouteMinutesUpload upload)
    {
        var (service, host) = HostKey.Parse(this.GetPrimaryKeyString());
        if (upload.Rows.Count == 0) throw new ArgumentException("a batch of route minutes has rows", nameof(upload));
        // Same exactly-once rule as windows: the store's (agent, sequence) key finds a resend.
        var inserted = await store.TryAddRouteMinutesAsync(service, host, upload.AgentId, upload.Sequence, upload.Rows);
        return Record(inserted, upload.AgentId, upload.DroppedWindows);
    }

    public async Task<ApplyOutcome> ApplyCoverageAsync(CoverageUpload upload)
    {
        var (service, host) = HostKey.Parse(this.GetPrimaryKeyString());
        var day = DayKey.UtcDayOf(upload.At);
        var index = GrainFactory.GetGrain<IDeadCodeDayGrain>(DayKey.Of(day));
        var admitted = (await index.AdmitAsync([.. upload.Files.Select(f => f.Path)])).ToHashSet(StringComparer.Ordinal);
        var runId = $"{upload.AgentId}:{upload.Sequence}";
        var summaries = new List<SourceFileSummary>();
        var added = 0;
        // A few files at a time: every file-day is its own grain, and a run may name thousands of files.
        foreach (var chunk in upload.Files.Where(f => admitted.Contains(f.Path)).Chunk(CoverageFanOut))
        {
            var results = await Task.WhenAll(chunk.Select(f => GrainFactory.GetGrain<ISourceFileGrain>(SourceFileKey.Of(day, f.Path)).AddRunAsync(
                new CoverageFileRun(runId, "", service, host, upload.At, upload.Canary, upload.UncertainReason, f.Executable, f.MissedCertain, f.MissedProbable, f.DeadMethods))));
            foreach (var r in results)
            {
                summaries.Add(r.Summary);
                if (r.Added) added++;
            }
        }
        var isNew = added > 0 || admitted.Count == 0;
        await index.UpdateAsync(summaries, isNew ? 1 : 0);
        return Record(isNew, upload.AgentId, upload.DroppedWindows);
    }

    public async Task<ApplyOutcome> ApplyHeapSnapshotAsync(Abstractions.HeapSnapshots.HeapSnapshotUpload upload, int droppedByAgent)
    {
        var added = await GrainFactory.GetGrain<Abstractions.HeapSnapshots.IHeapSnapshotsGrain>(this.GetPrimaryKeyString()).AddAsync(upload);
        return Record(added, upload.AgentId, droppedByAgent);
    }

    /// <summary>File-day grains a coverage run updates at once.</summary>
    private const int CoverageFanOut = 32;

    /// <summary>Counts what became of an uploaded batch (and the batches its agent's spool had to drop).</summary>
    private ApplyOutcome Record(bool inserted, string agentId, int droppedByAgent)
    {
        if (droppedByAgent > 0)
        {
            _droppedByAgent += droppedByAgent;
            logger.LogWarning("Agent {Agent} of {Host} dropped {Count} batch(es): its spool was full", agentId, this.GetPrimaryKeyString(), droppedByAgent);
        }
        if (!inserted)
        {
            _duplicates++;
            return ApplyOutcome.Duplicate;
        }
        _applied++;
        return ApplyOutcome.Applied;
    }

    public async Task<HostInfo> RegisterAgentAsync(AgentRegistration registration)
    {
        var (service, host) = HostKey.Parse(this.GetPrimaryKeyString());
        var s = state.State;
        var isNew = s.Registrations == 0;
        s.Service = service;
        s.Host = host;
        s.AgentId = registration.AgentId;
        s.AgentVersion = registration.AgentVersion;
        var now = clock.GetUtcNow();
        if (isNew) s.FirstSeen = now;
        s.LastSeen = now;
        s.Registrations++;
        await state.WriteStateAsync();
        if (isNew)
            await GrainFactory.GetGrain<IServiceGrain>(service).AddHostAsync(host);
        return ToInfo(s);
    }

    public Task<HostInfo?> GetInfoAsync() =>
        Task.FromResult(state.State.Registrations == 0 ? null : ToInfo(state.State));

    private HostInfo ToInfo(HostState s) =>
        new(s.Service, s.Host, s.AgentId, s.AgentVersion, s.FirstSeen, s.LastSeen, s.Registrations, _applied, _duplicates, _droppedByAgent, _agent is not null);
}

/// <summary>Persisted host state. Stored as JSON: keep member names stable.</summary>
[GenerateSerializer]
public sealed class HostState
{
    [Id(0)] public string Service { get; set; } = "";
    [Id(1)] public string Host { get; set; } = "";
    [Id(2)] public string AgentId { get; set; } = "";
    [Id(3)] public string AgentVersion { get; set; } = "";
    [Id(4)] public DateTimeOffset FirstSeen { get; set; }
    [Id(5)] public DateTimeOffset LastSeen { get; set; }
    [Id(6)] public int Registrations { get; set; }

    /// <summary>The recent commands sent to the host's agent and their answers, oldest first (see <see cref="RecentCommands"/>).</summary>
    [Id(7)] public List<CommandRecord> Commands { get; set; } = [];
}
