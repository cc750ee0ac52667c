using Grpc.Net.Client;

namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>
/// One real single-node platform (silo + co-hosted gateway) seeded over the real ingest stream with two windows
/// of service <see cref="Service"/> on host <see cref="Host"/>: a recent one (2 minutes ago) and an older one (8 minutes ago).
/// The agent's stream stays open, so the host is connected and triggers reach it.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string Service = "checkout";
    public const string Host = "h1";
    public const string AgentId = "a1";
    public const string Token = "0123456789abcdef0123";

    /// <summary>The recent window: OrderRepository.Query is the hottest function (60 of 100).</summary>
    public static readonly (string Stack, long Samples)[] RecentStacks =
    [
        ("app!Program.Main;app!OrderController.Get;app!OrderRepository.Query", 60),
        ("app!Program.Main;app!OrderController.Get;app!JsonSerializer.Serialize", 25),
        ("app!Program.Main;app!Cache.Lookup", 15),
    ];

    /// <summary>The older window: Cache.Lookup dominates, so a diff of the two shows it shrinking.</summary>
    public static readonly (string Stack, long Samples)[] OlderStacks =
    [
        ("app!Program.Main;app!OrderController.Get;app!OrderRepository.Query", 10),
        ("app!Program.Main;app!Cache.Lookup", 90),
    ];

    /// <summary>A service with one recent alloc window: Reports.BuildRows allocates 8000 of 11000 bytes itself.</summary>
    public const string AllocService = "reports";

    public static readonly (string Stack, string Type, long Bytes, long Count)[] RecentAllocations =
    [
        ("app!Program.Main;app!Reports.BuildRows", "System.Double[]", 6000, 40),
        ("app!Program.Main;app!Reports.BuildRows", "Demo.DemoRow", 2000, 50),
        ("app!Program.Main;app!Json.Write", "System.Byte[]", 3000, 3),
    ];

    private readonly TempDirectory _dir = new();
    private SiloProcess? _silo;
    private GrpcChannel? _channel;

    public string GatewayUrl { get; private set; } = "";
    public DateTimeOffset RecentStart { get; private set; }
    public DateTimeOffset OlderStart { get; private set; }
    internal SeedAgent Agent { get; private set; } = null!;
    public TempDirectory Files => _dir;

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(4);
        var work = Path.Combine(_dir.Path, "silo");
        Directory.CreateDirectory(work);
        _silo = SiloProcess.Start(work, new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Gateway:GrpcPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["Gateway:HttpPort"] = ports[3].ToString(CultureInfo.InvariantCulture),
            ["DataDirectory"] = Path.Combine(work, "data"),
            ["ClusterId"] = "x",
            ["ServiceId"] = "x",
            ["Ingest:Agents:0:AgentId"] = AgentId,
            ["Ingest:Agents:0:Host"] = Host,
            ["Ingest:Agents:0:Token"] = Token,
        });
        await _silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        GatewayUrl = $"http://127.0.0.1:{ports[2]}";
        _channel = GrpcChannel.ForAddress(GatewayUrl);

        var now = DateTimeOffset.UtcNow;
        RecentStart = now.AddMinutes(-2);
        OlderStart = now.AddMinutes(-8);
        Agent = await SeedAgent.ConnectAsync(_channel, AgentId, Host, Token, Service, AllocService);
        await Agent.SendWindowAsync(Service, Host, RecentStart, RecentStacks);
        await Agent.SendWindowAsync(Service, Host, OlderStart, OlderStacks);
        await Agent.SendAllocWindowAsync(AllocService, Host, RecentStart, RecentAllocations);
    }

    public async Task DisposeAsync()
    {
        if (Agent is not null) await Agent.DisposeAsync();
        _channel?.Dispose();
        if (_silo is not null) await _silo.DisposeAsync();
        _dir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
