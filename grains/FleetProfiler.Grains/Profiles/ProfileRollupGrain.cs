using FleetProfiler.Abstractions.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// Runs <see cref="ProfileRollup"/> on a grain timer; a reminder keeps the activation alive (and brings it back
/// on another silo after a failure). Every run, timer or <see cref="CompactNowAsync"/>, counts towards
/// <see cref="GetHealthAsync"/>, so a rollup that keeps failing shows in the status API and the health checks.
/// </summary>
public sealed class ProfileRollupGrain(ProfileRollup rollup, ProfileStoreOptions options, TimeProvider clock, ILogger<ProfileRollupGrain> logger)
    : Grain, IProfileRollupGrain, IRemindable
{
    internal const string KeepAlive = "rollup-keepalive";

    private DateTimeOffset _activeSince;
    private DateTimeOffset? _lastSuccess, _lastFailure, _lastReminder;
    private int _consecutiveFailures;
    private string? _lastError;
    private long _watermark, _runs, _windows, _expired, _quarantined;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activeSince = clock.GetUtcNow();
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(options.RollupPeriod, options.RollupPeriod) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task EnsureRunningAsync() =>
        await this.RegisterOrUpdateReminder(KeepAlive, options.KeepAliveDue, options.KeepAlivePeriod);

    public async Task<RollupSummary> CompactNowAsync()
    {
        var r = await RunAsync(int.MaxValue, CancellationToken.None);
        return new RollupSummary(r.Windows, r.BucketWrites, r.Watermark, r.ExpiredRows, r.More);
    }

    public Task<RollupHealth> GetHealthAsync() => Task.FromResult(new RollupHealth(
        _activeSince, _lastSuccess, _lastFailure, _consecutiveFailures, _lastError, _watermark, _runs, _windows, _expired,
        options.RollupFailureThreshold, _lastReminder, _quarantined));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The activation is the point; the time shows operators (and the cluster test) that the reminder fires.
        if (reminderName == KeepAlive) _lastReminder = clock.GetUtcNow();
        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken ct)
    {
        // Bounded per tick: under sustained ingest each tick still ends, logs its progress and applies retention.
        try { await RunAsync(options.RollupChunksPerTick, ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Already counted and logged by RunAsync; the watermark did not move, the next tick retries the same windows.
        }
    }

    private async Task<RollupResult> RunAsync(int maxChunks, CancellationToken ct)
    {
        try
        {
            // Off the grain scheduler: the store's SQLite calls are synchronous underneath. The rollup touches no
            // grain (nothing that needs the activation's context runs inside Task.Run).
            var r = await Task.Run(() => rollup.RunAsync(ct, maxChunks, options.RollupRunBudget), ct);
            _lastSuccess = clock.GetUtcNow();
            _consecutiveFailures = 0;
            _watermark = r.Watermark;
            _runs++;
            _windows += r.Windows;
            _expired += r.ExpiredRows;
            _quarantined = r.QuarantinedTotal;
            return r;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _lastFailure = clock.GetUtcNow();
            _consecutiveFailures++;
            _lastError = $"{e.GetType().Name}: {e.Message}";
            logger.LogError(e, "Rollup failed ({Failures} in a row); the watermark stays at {Watermark} and the next run retries", _consecutiveFailures, _watermark);
            throw;
        }
    }
}
