using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Services;

namespace FleetProfiler.Tests.Silo;

/// <summary>The default mode: one process, grain state in SQLite, no server needed.</summary>
public sealed class SingleNodeModeTests
{
    internal static Dictionary<string, string> SingleNodeSettings(string cluster, int grpcPort, int httpPort) => new()
    {
        ["Mode"] = "single-node",
        ["ClusterId"] = cluster,
        ["ServiceId"] = cluster,
        ["DataDirectory"] = "data",
        ["Gateway:GrpcPort"] = grpcPort.ToString(),
        ["Gateway:HttpPort"] = httpPort.ToString(),
    };

    [Fact]
    public async Task Grain_state_survives_a_crash_of_the_silo_process()
    {
        using var dir = new TempDirectory();
        var ports = FreePorts.Take(4);
        var settings = SingleNodeSettings("restart", ports[2], ports[3]);
        var key = HostKey.Of("checkout", "host-a");

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            await using var client = await OrleansClient.LocalhostAsync(silo.GatewayPort, "restart", "restart");
            await client.Client.GetGrain<IHostGrain>(key).RegisterAgentAsync(new AgentRegistration("agent-1", "9.9.9"));
            await silo.KillAsync();
        }

        Assert.True(File.Exists(Path.Combine(dir.Path, "data", "grains.db")));

        await using (var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]))
        {
            await silo.WaitReadyAsync();
            await using var client = await OrleansClient.LocalhostAsync(silo.GatewayPort, "restart", "restart");
            var info = await client.Client.GetGrain<IHostGrain>(key).GetInfoAsync();
            Assert.NotNull(info);
            Assert.Equal(("agent-1", "9.9.9", 1), (info.AgentId, info.AgentVersion, info.Registrations));
            Assert.Equal(["host-a"], await client.Client.GetGrain<IServiceGrain>("checkout").GetHostsAsync());
        }
    }
}
