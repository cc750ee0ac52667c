using Grpc.Net.Client;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>
/// A single-node platform process (silo + co-hosted gateway) with three agent credentials, and a gRPC channel to it.
/// Tests that share it use their own service names, so they do not see each other's data.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string TokenA = "token-a-0123456789abcdef";
    public const string TokenB = "token-b-0123456789abcdef";
    public const string TokenC = "token-c-0123456789abcdef";
    public const int MaxBatchBytes = 64 * 1024;

    private readonly TempDirectory _dir = new();
    private int[] _ports = [];

    public SiloProcess Silo { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public string DataDirectory => _dir.Path;
    public Uri HttpBase => new($"http://127.0.0.1:{_ports[3]}");
    public string GrpcUrl => $"http://127.0.0.1:{_ports[2]}";

    public Dictionary<string, string> Settings => new()
    {
        ["Mode"] = "single-node",
        ["ClusterId"] = "platform",
        ["ServiceId"] = "platform",
        ["DataDirectory"] = "data",
        ["Gateway:GrpcPort"] = _ports[2].ToString(),
        ["Gateway:HttpPort"] = _ports[3].ToString(),
        ["Ingest:Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(),
        ["Ingest:Agents:0:AgentId"] = "agent-a", ["Ingest:Agents:0:Host"] = "host-a", ["Ingest:Agents:0:Token"] = TokenA,
        ["Ingest:Agents:1:AgentId"] = "agent-b", ["Ingest:Agents:1:Host"] = "host-b", ["Ingest:Agents:1:Token"] = TokenB,
        ["Ingest:Agents:2:AgentId"] = "agent-c", ["Ingest:Agents:2:Host"] = "host-c", ["Ingest:Agents:2:Token"] = TokenC,
    };

    public async Task InitializeAsync()
    {
        _ports = FreePorts.Take(4);
        await StartAsync();
    }

    /// <summary>Kills the platform process (SIGKILL) and starts it again on the same ports and data.</summary>
    public async Task RestartAsync()
    {
        Channel.Dispose();
        await Silo.DisposeAsync();
        await StartAsync();
    }

    public async Task KillAsync() => await Silo.KillAsync();

    private async Task StartAsync()
    {
        Silo = SiloProcess.Start(_dir.Path, Settings, _ports[0], _ports[1]);
        try { await Silo.WaitReadyAsync(); }
        catch
        {
            await Silo.DisposeAsync(); // xunit does not dispose a fixture whose start failed
            throw;
        }
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_ports[2]}", new GrpcChannelOptions { MaxSendMessageSize = null });
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Silo is not null) await Silo.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
