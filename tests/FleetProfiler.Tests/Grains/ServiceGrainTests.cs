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

[Collection(ClusterCollection.Name)]
public sealed class ServiceLiveViewTests(ClusterFixture fixture)
{
    private static byte[] Tree(params (string Stack, long Cpu)[] stacks)
    {
        var tree = new FleetProfiler.Profiles.CallTree();
        foreach (var (stack, cpu) in stacks)
            tree.Add(stack.Split(';').Select(f => new FleetProfiler.Profiles.Frame(f)).ToArray(), FleetProfiler.Profiles.SampleValues.Cpu(cpu));
        return FleetProfiler.Profiles.CallTreeCodec.Serialize(tree);
    }

    [Fact]
    public async Task Live_view_keeps_the_last_fifteen_minutes_and_evicts_older_ones()
    {
        var service = fixture.Grains.GetGrain<Abstractions.Services.IServiceGrain>("live-" + Guid.NewGuid().ToString("N")[..8]);
        var t0 = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        for (var m = 1; m <= 20; m++) await service.AddLiveMinuteAsync(t0.AddMinutes(m), Tree(("main;work", m)));
        // A late minute already outside the view is ignored.
        await service.AddLiveMinuteAsync(t0.AddMinutes(2), Tree(("main;late", 1000)));

        var view = await service.GetLiveViewAsync();

        Assert.Equal(Enumerable.Range(6, 15).Sum(), view.CpuSamples);
        Assert.Equal((t0.AddMinutes(6), t0.AddMinutes(21)), (view.From, view.To));
    }

    [Fact]
    public async Task Live_view_is_capped_with_exact_totals()
    {
        var service = fixture.Grains.GetGrain<Abstractions.Services.IServiceGrain>("cap-" + Guid.NewGuid().ToString("N")[..8]);
        var stacks = Enumerable.Range(0, 500).Select(i => ($"main;f{i};g{i}", (long)i + 1)).ToArray();

        await service.AddLiveMinuteAsync(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), Tree(stacks));
        var view = await service.GetLiveViewAsync();

        Assert.True(view.Nodes <= 100, $"{view.Nodes} nodes");
        Assert.Equal(stacks.Sum(s => s.Item2), view.CpuSamples);
        Assert.Contains("[other]", FleetProfiler.Profiles.Formats.FoldedFormat.Write(FleetProfiler.Profiles.CallTreeCodec.Deserialize(view.Tree), FleetProfiler.Profiles.ProfileKind.Cpu));
    }
}
