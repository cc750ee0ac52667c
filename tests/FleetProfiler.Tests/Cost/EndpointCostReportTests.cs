using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using CostClient = FleetProfiler.Protocol.V1.Cost.CostClient;

namespace FleetProfiler.Tests.Cost;

/// <summary>A platform that keeps every level for ten years, so that a month boundary in the past stays readable at minute precision.</summary>
public sealed class LongRetentionPlatform : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public async Task InitializeAsync()
    {
        foreach (var level in new[] { "WindowRetention", "MinuteRetention", "HourRetention", "DayRetention" })
            Platform.Overrides[$"Profiles:{level}"] = "3650.00:00:00";
        await Platform.InitializeAsync();
    }

    public Task DisposeAsync() => Platform.DisposeAsync();
}

/// <summary>
/// Endpoint cost through the real gateway and silo: route minutes and attributed windows ingested over gRPC, cost
/// and CODEOWNERS set over gRPC, the reports compared to a table computed by hand. October 2026 costs $44,640 over
/// 44,640 minutes ($1 a minute, 744 instance-hours: $60 each); November $86,400 over 43,200 ($2 a minute). The range
/// is the four minutes around midnight of 31 October: $1 + $1 + $2 + $2 = $6.
/// </summary>
public sealed class EndpointCostReportTests(LongRetentionPlatform fixture) : IClassFixture<LongRetentionPlatform>
{
    private static readonly DateTimeOffset From = new(2026, 10, 31, 23, 58, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddMinutes(4);
    private static long _sequence = 100;

    private const string Kestrel = "Microsoft.AspNetCore.Server.Kestrel!Connection.Process";
    private const string OrdersGet = "app!Orders.Get|src/Orders/Orders.cs";
    private const string LegacyGet = "app!Legacy.Get|src/Legacy/Legacy.cs";
    private const string Sieve = "app!Sieve.Run|src/Shared/Sieve.cs";
    private const string Timer = "app!Cache.Refresh|src/Shared/Cache.cs";

    private PlatformFixture Platform => fixture.Platform;
    private CostClient Client => new(Platform.Channel);
    private static ulong Next() => (ulong)Interlocked.Increment(ref _sequence);

    /// <summary>Ingests the hand-made service: requests per minute, two CPU windows, one allocation window; its costs and CODEOWNERS.</summary>
    private async Task<string> SeededServiceAsync() => (await SeededAsync()).Service;

    /// <summary>The seeded service and its orders team (a team of its own, so that team totals do not add up other tests' services).</summary>
    private async Task<(string Service, string Orders)> SeededAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var service = "cost-" + id;
        var orders = "@org/orders-" + id;
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        // Requests: 23:58 /a 3, /b 1; 23:59 none; 00:00 /a 1, /b 1; 00:01 /a 2.
        await agent.SendAckedAsync(LabelledBatches.Requests(Next(), service, "host-a",
            (From, "GET", "/a", 3), (From, "GET", "/b", 1),
            (From.AddMinutes(2), "GET", "/a", 1), (From.AddMinutes(2), "GET", "/b", 1),
            (From.AddMinutes(3), "GET", "/a", 2)));
        // CPU on 31 October: /a 1, /b 3, outside requests 4; on 1 November: /a 3, /b 1.
        await agent.SendAckedAsync(LabelledBatches.Window(Next(), service, "host-a", From.AddSeconds(10), "cpu",
            ("GET /a", $"{Kestrel};{OrdersGet};{Sieve}", 1), ("GET /b", $"{Kestrel};{LegacyGet}", 3), ("[not in a request]", Timer, 4)));
        await agent.SendAckedAsync(LabelledBatches.Window(Next(), service, "host-a", From.AddMinutes(3).AddSeconds(10), "cpu",
            ("GET /a", $"{Kestrel};{OrdersGet}", 3), ("GET /b", $"{Kestrel};{LegacyGet};{Sieve}", 1)));
        // Allocations on 31 October only: /b 1,000 bytes, outside requests 1,000.
        await agent.SendAckedAsync(LabelledBatches.Window(Next(), service, "host-a", From.AddMinutes(1).AddSeconds(10), "alloc",
            ("GET /b", $"{Kestrel};{LegacyGet}", 1_000), ("[not in a request]", Timer, 1_000)));

        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-10", Usd = 44_640, InstanceHours = 744 });
        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-11", Usd = 86_400, InstanceHours = 1_440 });
        await Client.SetCodeOwnersAsync(new SetCodeOwnersRequest { Service = service, Content = $"* @org/platform\nsrc/Orders/ {orders}\nsrc/Legacy/\n" });
        // An endpoint that served nothing in the range, owned explicitly: it shows as zero and averages its team down.
        await Client.SetEndpointOwnersAsync(new SetEndpointOwnersRequest { Service = service, Set = { ["GET /idle"] = orders } });
        return (service, orders);
    }

    private async Task<EndpointCostsReply> ReportAsync(string service, string basis) =>
        await Client.EndpointCostsAsync(new EndpointCostsRequest { Service = service, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To), Basis = basis });

    private static EndpointCost Row(EndpointCostsReply r, string endpoint) => r.Endpoints.Single(e => e.Endpoint == endpoint);

    [Fact]
    public async Task The_api_equals_the_hand_computed_table_by_request_cpu_and_allocation_share_to_the_cent()
    {
        var service = await SeededServiceAsync();
        var r = await ReportAsync(service, "requests");

        // Every reply states its range, windows and basis.
        Assert.Equal((From, To, 4L, "requests", 3, 600L), (r.From.ToDateTimeOffset(), r.To.ToDateTimeOffset(), r.Minutes, r.Basis, r.Windows, r.TotalCents));
        Assert.Equal(["GET /a", "GET /b", "GET /idle"], r.Endpoints.Select(e => e.Endpoint));
        // Cents:          by requests           by CPU               by allocations
        //   GET /a        0.75 + 1 + 2 = 3.75   0.25 + 3 = 3.25      0
        //   GET /b        0.25 + 1     = 1.25   0.75 + 1 = 1.75      1.00
        //   GET /idle     0                     0                    0
        //   not in a req  0                     1.00                 1.00
        //   no data       1.00 (23:59)          0                    4.00 (1 November: no allocation window)
        Assert.Equal([(375L, 325L, 0L), (125L, 175L, 100L), (0L, 0L, 0L)], r.Endpoints.Select(e => (e.CentsByRequests, e.CentsByCpu, e.CentsByAlloc)));
        Assert.Equal((0L, 100L, 100L), (r.NotInRequest.CentsByRequests, r.NotInRequest.CentsByCpu, r.NotInRequest.CentsByAlloc));
        Assert.Equal((100L, 0L, 400L), (r.NoData.CentsByRequests, r.NoData.CentsByCpu, r.NoData.CentsByAlloc));

        var a = Row(r, "GET /a");
        Assert.Equal((6L, 4L, 0.04), (a.Requests, a.CpuSamples, Math.Round(a.CpuSeconds, 6)));
        Assert.Equal((375L, 0.9375, 625.0), (a.Cents, a.UsdPerMinute, a.UsdPerThousandRequests));
        Assert.Equal(0.75, a.RequestShare, 12);
        Assert.Equal(1d / 3, a.CpuShare, 12);
        Assert.False(Row(r, "GET /idle").HasUsdPerThousandRequests);

        var byCpu = await ReportAsync(service, "cpu");
        Assert.Equal("cpu", byCpu.Basis);
        Assert.Equal(["GET /a", "GET /b", "GET /idle"], byCpu.Endpoints.Select(e => e.Endpoint));
        Assert.Equal((325L, 541.67, 875.0), (Row(byCpu, "GET /a").Cents, Math.Round(Row(byCpu, "GET /a").UsdPerThousandRequests, 2), Row(byCpu, "GET /b").UsdPerThousandRequests));
        var byAlloc = await ReportAsync(service, "alloc");
        Assert.Equal(["GET /b", "GET /a", "GET /idle"], byAlloc.Endpoints.Select(e => e.Endpoint));
        Assert.Equal(1_000L, Row(byAlloc, "GET /b").AllocBytes);

        // Each month's figures, and its instance-hour rate.
        Assert.Equal([("2026-10", 1.0, 60.0), ("2026-11", 2.0, 60.0)], r.Months.Select(m => (m.Month, m.UsdPerMinute, m.UsdPerInstanceHour)));
        Assert.Empty(r.MonthsWithoutInput);
    }

    [Fact]
    public async Task Owners_come_from_the_handler_file_codeowners_last_match_or_an_explicit_entry_and_teams_roll_up()
    {
        var (service, orders) = await SeededAsync();
        var r = await ReportAsync(service, "requests");
        Assert.Equal((orders, "codeowners", "src/Orders/Orders.cs", "CODEOWNERS line 2 (src/Orders/)"), (Row(r, "GET /a").Team, Row(r, "GET /a").OwnerSource, Row(r, "GET /a").HandlerFile, Row(r, "GET /a").OwnerReason));
        // /b's handler file matches the ownerless last line, although "*" also matches: unowned.
        Assert.Equal(("unowned", "unowned", "src/Legacy/Legacy.cs", "CODEOWNERS line 3 (src/Legacy/) names no owner"), (Row(r, "GET /b").Team, Row(r, "GET /b").OwnerSource, Row(r, "GET /b").HandlerFile, Row(r, "GET /b").OwnerReason));
        Assert.Equal((orders, "explicit"), (Row(r, "GET /idle").Team, Row(r, "GET /idle").OwnerSource));
        Assert.Equal("unowned", r.NotInRequest.Team);

        // Every team of the service: @org/orders owns /a ($3.75) and /idle ($0): average $1.875.
        var teams = await Client.TeamCostsAsync(new TeamCostsRequest { Service = service, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To) });
        Assert.Equal(("requests", 3), (teams.Basis, teams.Windows));
        var team = teams.Teams.Single(t => t.Team == orders);
        Assert.Equal((2, 3.75, 1.875), (team.EndpointCount, team.TotalUsd, team.AverageUsd));
        Assert.Equal(["GET /a", "GET /idle"], team.Endpoints.Select(e => e.Cost.Endpoint));
        Assert.Contains(team.Files, f => f.Path == "src/Orders/Orders.cs");
        var unowned = teams.Teams.Single(t => t.Team == "unowned");
        Assert.Equal((1, 1.25), (unowned.EndpointCount, unowned.TotalUsd));
        Assert.Contains(teams.Teams, t => t.Team == "@org/platform" && t.EndpointCount == 0 && t.Files.Any(f => f.Path == "src/Shared/Sieve.cs"));

        // The team grain, across the services it is named in, by CPU share: /a $3.25, /idle $0.
        var byGrain = await Client.TeamCostsAsync(new TeamCostsRequest { Team = orders, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To), Basis = "cpu", Top = 1 });
        var t = Assert.Single(byGrain.Teams);
        Assert.Equal([service], t.Services);
        Assert.Equal((2, 3.25, 1.625, 3), (t.EndpointCount, t.TotalUsd, t.AverageUsd, byGrain.Windows));
        Assert.Equal([("GET /a", 3.25)], t.Endpoints.Select(e => (e.Cost.Endpoint, e.Cost.Usd)));
    }

    [Fact]
    public async Task Top_endpoints_rank_by_requests_cost_or_cpu_per_request()
    {
        var service = await SeededServiceAsync();
        async Task<IEnumerable<string>> TopAsync(string by, string basis = "") =>
            (await Client.TopEndpointsAsync(new TopEndpointsRequest { Service = service, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To), By = by, Basis = basis, Limit = 2 }))
                .Endpoints.Select(e => e.Endpoint);
        Assert.Equal(["GET /a", "GET /b"], await TopAsync("requests"));
        Assert.Equal(["GET /b", "GET /a"], await TopAsync("cost", "alloc"));
        // CPU share over request share: /b 1/3 ÷ 1/4 = 1.33, /a 1/3 ÷ 3/4 = 0.44.
        Assert.Equal(["GET /b", "GET /a"], await TopAsync("cpu_per_request"));
    }

    [Fact]
    public async Task A_month_without_cost_input_is_named_and_charges_nothing()
    {
        var service = await SeededServiceAsync();
        var r = await Client.EndpointCostsAsync(new EndpointCostsRequest { Service = service, From = Timestamp.FromDateTimeOffset(From.AddMonths(-1)), To = Timestamp.FromDateTimeOffset(From.AddMonths(-1).AddMinutes(1)) });
        Assert.Equal(["2026-09"], r.MonthsWithoutInput);
        Assert.Equal(0, r.TotalCents);
    }

    public static TheoryData<string, string, StatusCode, string> BadRequests => new()
    {
        { "basis", "cost", StatusCode.InvalidArgument, "basis: unknown basis 'cost' (requests, cpu or alloc)" },
        { "range", "93d", StatusCode.InvalidArgument, "to: the range is longer than 92 days (a cost report covers at most a quarter)" },
        { "range", "empty", StatusCode.InvalidArgument, "to: the range is empty (from equals to)" },
        { "service", "never-seen", StatusCode.NotFound, "service: unknown service 'never-seen' (no agent has reported it)" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_report_requests_are_refused_naming_the_field(string what, string value, StatusCode code, string message)
    {
        var request = new EndpointCostsRequest { Service = "never-seen", From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To) };
        if (what != "service") request.Service = await SeededServiceAsync();
        if (what == "basis") request.Basis = value;
        if (value == "93d") request.To = Timestamp.FromDateTimeOffset(From.AddDays(93));
        if (value == "empty") request.To = request.From;
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.EndpointCostsAsync(request));
        Assert.Equal((code, message), (e.StatusCode, e.Status.Detail));
    }

    [Fact]
    public async Task Bad_explicit_owners_are_refused_and_change_nothing()
    {
        var (service, orders) = await SeededAsync();
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await Client.SetEndpointOwnersAsync(new SetEndpointOwnersRequest { Service = service, Set = { ["GET /a"] = "@org/a", ["GET /b"] = "orders team" } }));
        Assert.Equal((StatusCode.InvalidArgument, "team: 'orders team' (for 'GET /b') is not @user, @org/team or an e-mail address"), (bad.StatusCode, bad.Status.Detail));
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Client.SetEndpointOwnersAsync(new SetEndpointOwnersRequest { Service = service, Remove = { "GET /nothing" } }));
        Assert.Equal((StatusCode.InvalidArgument, "remove: 'GET /nothing' has no explicit owner"), (missing.StatusCode, missing.Status.Detail));
        var list = await Client.ListEndpointOwnersAsync(new ListEndpointOwnersRequest { Service = service });
        Assert.Equal(new Dictionary<string, string> { ["GET /idle"] = orders }, list.Owners);

        var unknownTeam = await Assert.ThrowsAsync<RpcException>(async () => await Client.TeamCostsAsync(new TeamCostsRequest { Team = "@nobody-" + service, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(To) }));
        Assert.Equal(StatusCode.NotFound, unknownTeam.StatusCode);
    }

    [Fact]
    public async Task A_route_flood_beyond_the_row_cap_folds_into_other_endpoints_with_its_cost_and_requests()
    {
        // 1,200 distinct routes over two minutes (600 a minute, under the protocol's 1,000 a minute): the report keeps
        // 999 rows and folds 201 into [other endpoints]; nothing is lost from the totals.
        var service = "flood-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-b", "host-b", PlatformFixture.TokenB, service);
        await using (agent)
        {
            await agent.SendAckedAsync(LabelledBatches.Requests(Next(), service, "host-b", [.. Enumerable.Range(0, 600).Select(i => (From, "GET", $"/r{i}", (long)(i + 1)))]));
            await agent.SendAckedAsync(LabelledBatches.Requests(Next(), service, "host-b", [.. Enumerable.Range(600, 600).Select(i => (From.AddMinutes(1), "GET", $"/r{i}", (long)(i + 1)))]));
        }
        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-10", Usd = 44_640 });
        var r = await Client.EndpointCostsAsync(new EndpointCostsRequest { Service = service, From = Timestamp.FromDateTimeOffset(From), To = Timestamp.FromDateTimeOffset(From.AddMinutes(2)) });
        Assert.Equal((1000, 201, 200L), (r.Endpoints.Count, r.FoldedEndpoints, r.TotalCents));
        Assert.Equal(1200L * 1201 / 2, r.Endpoints.Sum(e => e.Requests));
        Assert.Equal(200L, r.Endpoints.Sum(e => e.CentsByRequests));
        Assert.Contains(r.Endpoints, e => e.Endpoint == "[other endpoints]");
    }

    [Fact]
    public async Task The_budget_report_sample_reads_endpoint_and_team_costs_from_the_grains_as_an_orleans_client()
    {
        var (service, orders) = await SeededAsync();
        await using var job = ChildProcess.StartDotnet("budget report", Repo.RequireBuilt(Repo.BudgetReportDll),
        [
            "--gateway-port", Platform.Silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cluster-id", "platform", "--service-id", "platform",
            "--service", service, "--from", From.ToString("O"), "--to", To.ToString("O"),
        ]);
        Assert.True(await job.WaitForExitAsync(TestTimeouts.ProcessExit) == 0, job.Output);
        string[] Cells(string line) => System.Text.RegularExpressions.Regex.Split(line.Trim(), " {2,}");
        var lines = job.StdoutLines.Select(Cells).ToList();
        Assert.Contains(["Budget report 2026-10-31 23:58Z – 2026-11-01 00:02Z, basis requests"], lines);
        Assert.Contains([service, "GET /a", orders, "6", "$3.75", "$625.00"], lines);
        Assert.Contains([service, "GET /b", "unowned", "2", "$1.25", "$625.00"], lines);
        Assert.Contains([service, "GET /idle", orders, "0", "$0.00", "-"], lines);
        Assert.Contains([service, "[no data]", "unowned", "0", "$1.00", "-"], lines);
        Assert.Contains([service, "(total)", "$6.00"], lines);
        Assert.Contains([$"{service}: 3 profiling windows behind the CPU and allocation shares"], lines);
        Assert.Contains([orders, "2", "$3.75", "$1.88", $"{service} GET /a"], lines);
        // ("unowned" adds up every service of this platform, so only the service's own team is compared.)
    }

    [Fact]
    public async Task The_browser_port_answers_the_same_reports_as_json_and_errors_as_statuses()
    {
        var (service, orders) = await SeededAsync();
        using var http = Platform.Http();
        var range = $"from={Uri.EscapeDataString(From.ToString("O"))}&to={Uri.EscapeDataString(To.ToString("O"))}";
        using var costs = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/cost/endpoints?service={service}&{range}&basis=cpu"));
        var root = costs.RootElement;
        Assert.Equal(("cpu", 3, "600", "2026-10-31T23:58:00Z"), (root.GetProperty("basis").GetString(), root.GetProperty("windows").GetInt32(), root.GetProperty("totalCents").GetString(), root.GetProperty("from").GetString()));
        Assert.Equal([("GET /a", "325"), ("GET /b", "175"), ("GET /idle", "0")],
            root.GetProperty("endpoints").EnumerateArray().Select(e => (e.GetProperty("endpoint").GetString(), e.GetProperty("cents").GetString())));
        Assert.Equal("100", root.GetProperty("notInRequest").GetProperty("cents").GetString());

        using var teams = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"/api/teams?team={Uri.EscapeDataString(orders)}&{range}"));
        Assert.Equal(3.75, teams.RootElement.GetProperty("teams")[0].GetProperty("totalUsd").GetDouble());

        using var bad = await http.GetAsync($"/api/cost/endpoints?service={service}&{range}&basis=euros");
        Assert.Equal((System.Net.HttpStatusCode.BadRequest, "basis: unknown basis 'euros' (requests, cpu or alloc)\n"), (bad.StatusCode, await bad.Content.ReadAsStringAsync()));
        using var unknown = await http.GetAsync($"/api/cost/top?service=nowhere-{service}&{range}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_browser_port_lists_endpoints_as_json_as_query_list_endpoints_does()
    {
        var service = await SeededServiceAsync();
        var grpc = await new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel).ListEndpointsAsync(new ListEndpointsRequest
        {
            Service = service,
            From = Timestamp.FromDateTimeOffset(From),
            To = Timestamp.FromDateTimeOffset(To),
            PerMinute = true,
        });
        using var http = Platform.Http();
        var range = $"from={Uri.EscapeDataString(From.ToString("O"))}&to={Uri.EscapeDataString(To.ToString("O"))}";
        var json = await http.GetStringAsync($"/api/endpoints?service={service}&{range}&per_minute=true");
        // The proto3 JSON mapping of the same reply.
        Assert.Equal(grpc, ListEndpointsReply.Parser.ParseJson(json));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal((3, 5), (doc.RootElement.GetProperty("windows").GetInt32(), doc.RootElement.GetProperty("minutes").GetArrayLength()));
        Assert.Equal(["/a", "/b", "[not in a request]"], doc.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("route").GetString()));
        Assert.Equal(3, doc.RootElement.GetProperty("windowAttributions").GetProperty("timeline").GetInt32());

        using var bad = await http.GetAsync($"/api/endpoints?service={service}&{range}&per_minute=yes");
        Assert.Equal((System.Net.HttpStatusCode.BadRequest, "per_minute: 'yes' is not true or false\n"), (bad.StatusCode, await bad.Content.ReadAsStringAsync()));
        using var unknown = await http.GetAsync($"/api/endpoints?{range}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Every_report_counts_its_windows_by_attribution_method_and_names_the_thread_fallback()
    {
        const string note = "no TPL SetActivityId events in the window (the runtime did not honour the DebugActivityId keyword): attributed by thread, wrong after await";
        var service = "attr-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(Platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        // 31 October: one window on the TPL timeline, one by thread correlation; 1 November: one without attribution.
        await agent.SendAckedAsync(LabelledBatches.Window(Next(), service, "host-a", From.AddSeconds(10), "cpu", ("GET /a", $"{Kestrel};{OrdersGet}", 5)));
        var threads = LabelledBatches.Window(Next(), service, "host-a", From.AddMinutes(1).AddSeconds(10), "cpu", ("GET /a", $"{Kestrel};{OrdersGet}", 2));
        threads.Attribution = new Attribution { Method = "threads", Requests = 1, SamplesInRequests = 2, Note = note };
        await agent.SendAckedAsync(threads);
        await agent.SendAckedAsync(TestBatches.Cpu(Next(), service, "host-a", From.AddMinutes(2).AddSeconds(10), (Timer, 3)));

        var costs = await ReportAsync(service, "cpu");
        Assert.Equal(3, costs.Windows);
        var a = costs.WindowAttributions;
        Assert.Equal((1, 1, 0, 1, 0), (a.Timeline, a.Threads, a.None, a.Off, a.Unknown));
        Assert.Equal([note], a.ThreadsNotes);

        var endpoints = await new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel).ListEndpointsAsync(new ListEndpointsRequest
        {
            Service = service,
            From = Timestamp.FromDateTimeOffset(From),
            To = Timestamp.FromDateTimeOffset(To),
        });
        Assert.Equal(3, endpoints.Windows);
        Assert.Equal(costs.WindowAttributions, endpoints.WindowAttributions);
    }
}
