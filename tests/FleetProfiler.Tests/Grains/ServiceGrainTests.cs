using FleetProfiler.Abstractions.Services;

namespace FleetProfiler.Tests.Grains;

[Collection(ClusterCollection.Name)]
public sealed class ServiceGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Host_list_is_sorted_and_free_of_duplicates()
    {
        var service = fixture.Grains.GetGrain<IServiceGrain>("svc-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var h in new[] { "c", "a", "b", "a" }) await service.AddHostAsync(h);
        Assert.Equal(["a", "b", "c"], await service.GetHostsAsync());
    }

    [Fact]
    public async Task Schedule_reminder_ticks_and_is_recorded()
    {
        var service = fixture.Grains.GetGrain<IServiceGrain>("sched-" + Guid.NewGuid().ToString("N")[..8]);
        var schedule = new ProfilingSchedule(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
        await service.ScheduleAsync(schedule);

        var status = await Eventually.Until(service.GetScheduleStatusAsync, s => s.Ticks >= 2, TimeSpan.FromSeconds(30), "two schedule ticks");

        Assert.Equal(schedule, status.Schedule);
        Assert.NotNull(status.LastTick);
    }

    [Fact]
    public async Task A_non_positive_period_is_refused()
    {
        var service = fixture.Grains.GetGrain<IServiceGrain>("bad-" + Guid.NewGuid().ToString("N")[..8]);
        await Assert.ThrowsAsync<ArgumentException>(() => service.ScheduleAsync(new ProfilingSchedule(TimeSpan.Zero, TimeSpan.Zero)));
        Assert.Null((await service.GetScheduleStatusAsync()).Schedule);
    }
}
