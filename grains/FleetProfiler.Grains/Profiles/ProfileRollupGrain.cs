using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Profiles;

/// <summary>
/// Runs <see cref="ProfileRollup"/> on a grain timer; a reminder keeps the activation alive (and brings it back
/// on another silo after a failure). Fresh service minutes go to each service's live view.
/// </summary>
public sealed class ProfileRollupGrain(ProfileRollup rollup, ProfileStoreOptions options, ILogger<ProfileRollupGrain> logger)
    : Grain, IProfileRollupGrain, IRemindable
{
    private const string KeepAlive = "rollup-keepalive";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(options.RollupPeriod, options.RollupPeriod) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public async Task EnsureRunningAsync() =>
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));

    public async Task<RollupSummary> CompactNowAsync()
    {
        // Off the grain scheduler: the store's SQLite calls are synchronous underneath.
        var r = await Task.Run(() => rollup.RunAsync(ForwardToServiceAsync));
        return new RollupSummary(r.Windows, r.BucketWrites, r.Watermark, r.ExpiredRows);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    private async Task TickAsync(CancellationToken ct)
    {
        // Bounded per tick: under sustained ingest each tick still ends, logs its progress and applies retention.
        try { await Task.Run(() => rollup.RunAsync(ForwardToServiceAsync, ct, maxChunks: 25), ct); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The watermark did not move: the next tick retries the same windows.
            logger.LogError(e, "Rollup failed; retrying next period");
        }
    }

    private Task ForwardToServiceAsync(string service, DateTimeOffset minute, CallTree delta) =>
        GrainFactory.GetGrain<IServiceGrain>(service).AddLiveMinuteAsync(minute, CallTreeCodec.Serialize(delta));
}
