using Grpc.Net.Client;
using Xunit;

namespace FleetProfiler.Testing;

/// <summary>An agent key the platform accepts (FleetProfiler:Auth:Keys, role agent, by hash): its agent id, host and the key.</summary>
public sealed record AgentCredential(string AgentId, string Host, string Token);

/// <summary>
/// A single-node platform process (silo + co-hosted gateway, SQLite) with three agent credentials, and a gRPC channel
/// to it. Tests that share it use their own service names, so they do not see each other's data.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime, IAsyncDisposable
{
    public const string TokenA = "token-a-0123456789abcdef";
    public const string TokenB = "token-b-0123456789abcdef";
    public const string TokenC = "token-c-0123456789abcdef";
    public const int MaxBatchBytes = 64 * 1024;

    public static readonly AgentCredential AgentA = new("agent-a", "host-a", TokenA);
    public static readonly AgentCredential AgentB = new("agent-b", "host-b", TokenB);
    public static readonly AgentCredential AgentC = new("agent-c", "host-c", TokenC);

    /// <summary>A fleet key: agent "agent-d" on any host matching <c>web-*</c>, allowed to write only <see cref="OwnedServices"/>.</summary>
    public static readonly AgentCredential AgentD = new("agent-d", "web-*", "token-d-0123456789abcdef");
    public static readonly string[] OwnedServices = ["owned-a", "owned-b"];

    private readonly TempDirectory _dir = new("platform");
    private int[] _ports = [];

    public SiloProcess Silo { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public string DataDirectory => _dir.Path;
    public Uri HttpBase => new($"http://127.0.0.1:{_ports[3]}");
    public string GrpcUrl => $"http://127.0.0.1:{_ports[2]}";

    /// <summary>The silo to run: the build output's, or a copy with its own appsettings.json (<see cref="TempDirectory.LinkBuildOutput"/>).</summary>
    public string SiloDll { get; init; } = Repo.SiloDll;

    /// <summary>Extra settings (keys under <c>FleetProfiler:</c>) over the defaults; set before <see cref="InitializeAsync"/>.</summary>
    public Dictionary<string, string> Overrides { get; } = [];

    /// <summary>An HttpClient for the HTTP port carrying <paramref name="key"/> (the operator key by default; null: none).</summary>
    public HttpClient Http(string? key = TestKeys.Operator) => TestKeys.Http(HttpBase, key);

    public Dictionary<string, string> Settings
    {
        get
        {
            var settings = new Dictionary<string, string>
            {
                ["Mode"] = "single-node",
                ["ClusterId"] = "platform",
                ["ServiceId"] = "platform",
                ["DataDirectory"] = "data",
                ["Gateway:GrpcPort"] = _ports[2].ToString(CultureInfo.InvariantCulture),
                ["Gateway:HttpPort"] = _ports[3].ToString(CultureInfo.InvariantCulture),
                ["Ingest:Limits:MaxBatchBytes"] = MaxBatchBytes.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in TestKeys.AgentSettings([AgentA, AgentB, AgentC]).Concat(TestKeys.AgentSettings([AgentD], 3, OwnedServices)))
            {
                settings[key] = value;
            }
            foreach (var (key, value) in Overrides)
            {
                settings[key] = value;
            }
            return settings;
        }
    }

    /// <summary>A platform of its own, for one test (<c>await using</c>).</summary>
    public static async Task<PlatformFixture> StartAsync(IReadOnlyDictionary<string, string>? overrides = null, string? siloDll = null)
    {
        var platform = new PlatformFixture { SiloDll = siloDll ?? Repo.SiloDll };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            platform.Overrides[key] = value;
        }
        try
        {
            await platform.InitializeAsync();
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
        return platform;
    }

    public async Task InitializeAsync()
    {
        _ports = FreePorts.Take(4);
        await StartSiloAsync();
    }

    /// <summary>Kills the platform process (SIGKILL) and starts it again on the same ports and data.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartSiloAsync();
    }

    /// <summary>SIGKILL: a crash, with whatever was in flight lost.</summary>
    public async Task KillAsync()
    {
        Channel.Dispose();
        await Silo.DisposeAsync();
    }

    private async Task StartSiloAsync()
    {
        Silo = SiloProcess.Start(_dir.Path, Settings, _ports[0], _ports[1], SiloDll);
        try
        {
            await Silo.WaitReadyAsync();
        }
        catch
        {
            await Silo.DisposeAsync(); // xunit does not dispose a fixture whose start failed
            throw;
        }
        Channel = TestKeys.Channel(GrpcUrl, TestKeys.Operator, new GrpcChannelOptions { MaxSendMessageSize = null });
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
        _dir.Dispose();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
