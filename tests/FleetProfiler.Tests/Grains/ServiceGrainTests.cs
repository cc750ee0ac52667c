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
}
