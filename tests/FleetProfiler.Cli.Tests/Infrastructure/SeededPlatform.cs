namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>
/// One real single-node platform (<see cref="PlatformFixture"/>) seeded over the real ingest stream with two windows
/// of service <see cref="Service"/> on host <see cref="Host"/>: a recent one (2 minutes ago) and an older one (8 minutes ago).
/// The agent's stream stays open, so the host is connected and triggers reach it.
/// </summary>
public sealed class SeededPlatform : IAsyncLifetime
{
    public const string Service = "checkout";

    private static readonly AgentCredential Credential = PlatformFixture.AgentA;
    public static readonly string Host = Credential.Host;
    public static readonly string AgentId = Credential.AgentId;

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

    private readonly PlatformFixture _platform = new();

    public string GatewayUrl => _platform.GrpcUrl;
    public DateTimeOffset RecentStart { get; private set; }
    public DateTimeOffset OlderStart { get; private set; }
    internal SeedAgent Agent { get; private set; } = null!;
    public TempDirectory Files { get; } = new("cli");

    public async Task InitializeAsync()
    {
        await _platform.InitializeAsync();
        var now = DateTimeOffset.UtcNow;
        RecentStart = now.AddMinutes(-2);
        OlderStart = now.AddMinutes(-8);
        Agent = await SeedAgent.ConnectAsync(_platform.Channel, Credential.AgentId, Credential.Host, Credential.Token, Service, AllocService);
        await Agent.SendWindowAsync(Service, Host, RecentStart, RecentStacks);
        await Agent.SendWindowAsync(Service, Host, OlderStart, OlderStacks);
        await Agent.SendAllocWindowAsync(AllocService, Host, RecentStart, RecentAllocations);
    }

    public async Task DisposeAsync()
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
        await _platform.DisposeAsync();
        Files.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<SeededPlatform>
{
    public const string Name = "platform";
}
