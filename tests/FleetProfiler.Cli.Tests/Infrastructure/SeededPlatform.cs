namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>
/// One real single-node platform (<see cref="PlatformFixture"/>) seeded over the real ingest stream with two windows
/// of service <see cref="Service"/> on host <see cref="Host"/>, a recent one and one six minutes older, at fixed times
/// (whole minutes, well in the past). Tests query them by explicit ranges (<see cref="Recent"/>,
/// <see cref="RecentAndOlder"/>), never "the last N minutes", so a slow machine cannot move a window out of a query.
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

    /// <summary>
    /// A service with two inuse windows of one process (the older one is A, the recent one B) and a heap snapshot at
    /// each: Cache.Add's in-use bytes grow from 10,000 to 50,000 while Parser.Parse's shrink; System.Byte[] grows on the heap.
    /// </summary>
    public const string InuseService = "cache";

    public static readonly (string Stack, string Type, long AllocBytes, long InuseBytes, long InuseCount)[] OlderInuse =
    [
        ("app!Program.Main;app!Cache.Add", "System.Byte[]", 40_000, 10_000, 10),
        ("app!Program.Main;app!Parser.Parse", "System.String", 90_000, 4_000, 100),
    ];

    public static readonly (string Stack, string Type, long AllocBytes, long InuseBytes, long InuseCount)[] RecentInuse =
    [
        ("app!Program.Main;app!Cache.Add", "System.Byte[]", 60_000, 50_000, 50),
        ("app!Program.Main;app!Parser.Parse", "System.String", 80_000, 1_000, 25),
    ];

    public static readonly (string Type, long LiveBytes, long Objects, long RetainedBytes)[] OlderHeap =
        [("System.Byte[]", 100_000, 100, 100_000), ("System.String", 30_000, 600, 30_000)];

    public static readonly (string Type, long LiveBytes, long Objects, long RetainedBytes)[] RecentHeap =
        [("System.Byte[]", 400_000, 400, 400_000), ("System.String", 20_000, 400, 20_000)];

    /// <summary>
    /// A service with requests and one cpu window attributed by thread correlation (the agent's fallback): in the recent
    /// minute GET /items/{id} served 4 requests and ran Items.Get (30 samples), GET /cart 2 requests (Cart.Post, 10);
    /// Cache.Lookup (5) ran outside any request.
    /// </summary>
    public const string EndpointService = "storefront";

    public const string FallbackNote = "no TPL SetActivityId events in the window: attributed by thread, wrong after await";

    public static readonly (string Stack, long Samples, string Endpoint)[] EndpointStacks =
    [
        ("app!Program.Main;app!Items.Get;app!Sieve.Run", 30, "GET /items/{id}"),
        ("app!Program.Main;app!Cart.Post", 10, "GET /cart"),
        ("app!Program.Main;app!Cache.Lookup", 5, "[not in a request]"),
    ];

    /// <summary>A service whose windows carry service versions: 1.0 (older) spends 60 % in Price.Old, 2.0 (recent) 60 % in Price.New.</summary>
    public const string VersionedService = "pricing";

    private readonly PlatformFixture _platform = new();

    public string GatewayUrl => _platform.GrpcUrl;
    public DateTimeOffset RecentStart { get; private set; }
    public DateTimeOffset OlderStart { get; private set; }
    public AgentStream Agent { get; private set; } = null!;
    public TempDirectory Files { get; } = new("cli");

    /// <summary><c>--from/--to</c> around the recent window only.</summary>
    public string[] Recent => ["--from", Iso(RecentStart.AddMinutes(-1)), "--to", Iso(RecentStart.AddMinutes(1))];

    /// <summary><c>--from/--to</c> around both windows.</summary>
    public string[] RecentAndOlder => ["--from", Iso(OlderStart.AddMinutes(-1)), "--to", Iso(RecentStart.AddMinutes(1))];

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        await _platform.InitializeAsync();
        // Fixed for the run: ranges around it stay right however long the tests take.
        var minute = DateTimeOffset.UnixEpoch.AddMinutes(Math.Floor((DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMinutes));
        RecentStart = minute.AddMinutes(-10);
        OlderStart = RecentStart.AddMinutes(-6);
        (Agent, _) = await AgentStream.ConnectAsync(_platform.Channel, Credential.AgentId, Credential.Host, Credential.Token, Service, AllocService, InuseService, EndpointService, VersionedService);
        await Agent.SendAckedAsync(TestBatches.Cpu(1, Service, Host, RecentStart, RecentStacks));
        await Agent.SendAckedAsync(TestBatches.Cpu(2, Service, Host, OlderStart, OlderStacks));
        await Agent.SendAckedAsync(TestBatches.Alloc(3, AllocService, Host, RecentStart, RecentAllocations));
        await Agent.SendAckedAsync(TestBatches.InuseAndAlloc(4, InuseService, Host, OlderStart, OlderInuse));
        await Agent.SendAckedAsync(TestBatches.InuseAndAlloc(5, InuseService, Host, RecentStart, RecentInuse));
        await Agent.SendAckedAsync(TestBatches.Heap(6, InuseService, Host, OlderStart, OlderHeap));
        await Agent.SendAckedAsync(TestBatches.Heap(7, InuseService, Host, RecentStart, RecentHeap));

        var window = TestBatches.Cpu(8, EndpointService, Host, RecentStart, [.. EndpointStacks.Select(e => (e.Stack, e.Samples))])
            .WithEndpoints([.. EndpointStacks.Select(e => e.Endpoint)]);
        window.Attribution.Method = "threads";
        window.Attribution.Note = FallbackNote;
        await Agent.SendAckedAsync(window);
        var requests = new Protocol.V1.Batch
        {
            Sequence = 9,
            Service = EndpointService,
            Host = Host,
            WindowStart = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(RecentStart),
            WindowEnd = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(RecentStart.AddMinutes(1)),
        };
        foreach (var (route, count) in new[] { ("/items/{id}", 4), ("/cart", 2) })
        {
            requests.RouteMinutes.Add(new Protocol.V1.RouteMinute
            {
                Minute = requests.WindowStart,
                Method = "GET",
                Route = route,
                StatusClass = "2xx",
                Requests = count,
                DurationSumMs = count * 10,
                P50Ms = 10,
                P95Ms = 10,
                P99Ms = 10,
            });
        }
        await Agent.SendAckedAsync(requests);

        var v1 = TestBatches.Cpu(10, VersionedService, Host, OlderStart, ("app!Program.Main;app!Price.Old", 6), ("app!Program.Main;app!Price.Shared", 4));
        v1.ServiceVersion = "1.0";
        var v2 = TestBatches.Cpu(11, VersionedService, Host, RecentStart, ("app!Program.Main;app!Price.New", 6), ("app!Program.Main;app!Price.Shared", 4));
        v2.ServiceVersion = "2.0";
        await Agent.SendAckedAsync(v1);
        await Agent.SendAckedAsync(v2);
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
