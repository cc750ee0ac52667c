using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Services;

namespace FleetProfiler.Tests.Grains;

[Collection(FakeClockClusterCollection.Name)]
public sealed class HostGrainTests(FakeClockClusterFixture fixture)
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Registering_an_agent_lists_the_host_under_its_service_and_the_service_in_the_fleet()
    {
        var service = Unique("api");
        var host = fixture.Grains.GetGrain<IHostGrain>(HostKey.Of(service, "host-1"));

        var info = await host.RegisterAgentAsync(new AgentRegistration("agent-7", "1.2.3"));

        Assert.Equal((service, "host-1", "agent-7", "1.2.3", 1), (info.Service, info.Host, info.AgentId, info.AgentVersion, info.Registrations));
        Assert.Equal(["host-1"], await fixture.Grains.GetGrain<IServiceGrain>(service).GetHostsAsync());
        Assert.Contains(service, await fixture.Grains.GetGrain<IFleetGrain>(IFleetGrain.Key).GetServicesAsync());
    }

    [Fact]
    public async Task Reconnecting_agent_keeps_first_seen_and_counts_registrations()
    {
        var key = HostKey.Of(Unique("api"), "host-2");
        var host = fixture.Grains.GetGrain<IHostGrain>(key);
        var first = await host.RegisterAgentAsync(new AgentRegistration("a", "1"));
        var firstSeen = fixture.Clock.GetUtcNow();
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await host.RegisterAgentAsync(new AgentRegistration("b", "2"));

        Assert.Equal((firstSeen, firstSeen), (first.FirstSeen, first.LastSeen));
        Assert.Equal((firstSeen, firstSeen.AddMinutes(5)), (second.FirstSeen, second.LastSeen));
        Assert.Equal(("b", "2", 2), (second.AgentId, second.AgentVersion, second.Registrations));
    }

    [Fact]
    public async Task A_host_never_registered_has_no_info()
    {
        Assert.Null(await fixture.Grains.GetGrain<IHostGrain>(HostKey.Of(Unique("api"), "nobody")).GetInfoAsync());
    }

    [Fact]
    public async Task A_malformed_host_key_is_refused_with_the_expected_shape_in_the_message()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Grains.GetGrain<IHostGrain>("no-slash").RegisterAgentAsync(new AgentRegistration("a", "1")));
        Assert.Contains("service/host", e.Message);
    }

    [Theory]
    [InlineData("", "h")]
    [InlineData("s", "")]
    [InlineData("a/b", "h")]
    public void HostKey_rejects_empty_parts_and_slashes_in_the_service(string service, string host) =>
        Assert.ThrowsAny<ArgumentException>(() => HostKey.Of(service, host));

    [Fact]
    public void HostKey_round_trips_hosts_that_contain_slashes() =>
        Assert.Equal(("svc", "rack/7/host"), HostKey.Parse(HostKey.Of("svc", "rack/7/host")));
}
