using FleetProfiler.Protocol.V1;
using Grpc.Core;

namespace FleetProfiler.Tests.Cost;

/// <summary>Cost and CODEOWNERS input over real gRPC into the real platform: what is stored, and what is refused.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CostServiceTests(PlatformFixture platform)
{
    // Sequences of agent-c that no other test class uses: the platform is shared, and (agent, sequence) is deduplicated.
    private static long _sequence = 7_000_000_000;

    private FleetProfiler.Protocol.V1.Cost.CostClient Client => new(platform.Channel);

    private async Task<string> ReportedServiceAsync()
    {
        var service = "cost-" + Guid.NewGuid().ToString("N")[..8];
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-c", "host-c", PlatformFixture.TokenC, service);
        await using var _ = agent;
        var seq = (ulong)Interlocked.Increment(ref _sequence);
        Assert.Equal(GatewayMessage.BodyOneofCase.Ack, (await agent.SendBatchAsync(TestBatches.Cpu(seq, service, "host-c", TestBatches.Epoch, ("Main;Work", 1)))).BodyCase);
        return service;
    }

    [Fact]
    public async Task A_months_cost_is_stored_with_its_per_minute_and_per_instance_hour_rates()
    {
        var service = await ReportedServiceAsync();
        var set = await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-11", Usd = 12_000, InstanceHours = 2_160 });
        Assert.Equal((service, "2026-11", 12_000d, 2_160d), (set.Service, set.Month, set.Usd, set.InstanceHours));
        Assert.Equal(12_000d / 43_200, set.UsdPerMinute, 12);
        Assert.Equal(12_000d / 2_160, set.UsdPerInstanceHour, 12);

        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-10", Usd = 100.005, InstanceHours = 0 });
        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-11", Usd = 13_000, InstanceHours = 2_160 }); // replaces
        var list = await Client.ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = service });
        Assert.Equal([("2026-10", 100.0, 0d), ("2026-11", 13_000d, 2_160d)], list.Costs.Select(c => (c.Month, c.Usd, c.InstanceHours)));
        Assert.Equal(0, list.Costs[0].UsdPerInstanceHour);
    }

    public static TheoryData<string, double, double, string> BadCosts => new()
    {
        { "2026-13", 1, 1, "month: '2026-13' is not a month written YYYY-MM (e.g. 2026-11)" },
        { "Nov 2026", 1, 1, "month: 'Nov 2026' is not a month written YYYY-MM (e.g. 2026-11)" },
        { "2026-11", -1, 1, "usd: -1 is not an amount between 0 and 1000000000" },
        { "2026-11", double.NaN, 1, "usd: NaN is not an amount between 0 and 1000000000" },
        { "2026-11", 1, double.NegativeInfinity, "instance_hours: -Infinity is not a number between 0 and 1000000000" },
    };

    [Theory]
    [MemberData(nameof(BadCosts))]
    public async Task A_bad_cost_is_refused_naming_the_field_and_changes_nothing(string month, double usd, double hours, string message)
    {
        var service = await ReportedServiceAsync();
        await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = "2026-11", Usd = 5, InstanceHours = 1 });

        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = service, Month = month, Usd = usd, InstanceHours = hours }));
        Assert.Equal((StatusCode.InvalidArgument, message), (e.StatusCode, e.Status.Detail));
        var list = await Client.ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = service });
        Assert.Equal([("2026-11", 5d)], list.Costs.Select(c => (c.Month, c.Usd)));
    }

    [Fact]
    public async Task A_service_no_agent_reported_is_not_found_and_a_bad_name_is_invalid()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await Client.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = "never-seen", Month = "2026-11", Usd = 1 }));
        Assert.Equal((StatusCode.NotFound, "service: unknown service 'never-seen' (no agent has reported it)"), (unknown.StatusCode, unknown.Status.Detail));
        var slash = await Assert.ThrowsAsync<RpcException>(async () => await Client.ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = "a/b" }));
        Assert.Equal((StatusCode.InvalidArgument, "service: may not contain '/'"), (slash.StatusCode, slash.Status.Detail));
    }

    [Fact]
    public async Task A_csv_import_applies_every_row_or_none()
    {
        var a = await ReportedServiceAsync();
        var b = await ReportedServiceAsync();
        var good = $"service,month,usd,instance_hours\n# comment\n{a},2026-10,100,10\n{b},2026-10,200.5,20\r\n\n{a},2026-11,300,30\n";
        var reply = await Client.ImportCostsAsync(new ImportCostsRequest { Csv = good });
        Assert.Equal(3, reply.Rows);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), reply.Services);

        var bad = $"{a},2026-12,400,40\n{b},2026-12,abc,1\n";
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.ImportCostsAsync(new ImportCostsRequest { Csv = bad }));
        Assert.Equal((StatusCode.InvalidArgument, "csv line 2: usd: 'abc' is not a number"), (e.StatusCode, e.Status.Detail));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await Client.ImportCostsAsync(new ImportCostsRequest { Csv = $"{a},2026-12,400,40\nghost,2026-12,1,1\n" }));
        Assert.Equal((StatusCode.NotFound, "csv line 2: service: unknown service 'ghost' (no agent has reported it)"), (unknown.StatusCode, unknown.Status.Detail));

        // Neither refused file changed anything.
        var listA = await Client.ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = a });
        Assert.Equal([("2026-10", 100d), ("2026-11", 300d)], listA.Costs.Select(c => (c.Month, c.Usd)));
        var listB = await Client.ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = b });
        Assert.Equal([("2026-10", 200.5)], listB.Costs.Select(c => (c.Month, c.Usd)));
    }

    [Theory]
    [InlineData("x,2026-11,1\n", "csv line 1: expected 4 cells (service,month,usd,instance_hours), found 3")]
    [InlineData("x,2026-11,1,1\nx,2026-11,2,2\n", "csv line 2: service 'x' month 2026-11 appears twice")]
    [InlineData("x,2026-1,1,1\n", "csv line 1: month: '2026-1' is not a month written YYYY-MM (e.g. 2026-11)")]
    [InlineData("\n# only a comment\n", "csv: no rows (expected service,month,usd,instance_hours)")]
    public async Task Malformed_csv_names_the_line(string csv, string message)
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.ImportCostsAsync(new ImportCostsRequest { Csv = csv }));
        Assert.Equal((StatusCode.InvalidArgument, message), (e.StatusCode, e.Status.Detail));
    }

    [Fact]
    public async Task Codeowners_are_stored_with_skipped_lines_listed_and_resolve_paths_last_match_first()
    {
        var service = await ReportedServiceAsync();
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Client.ResolveOwnersAsync(new ResolveOwnersRequest { Service = service, Paths = { "a.cs" } }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        var set = await Client.SetCodeOwnersAsync(new SetCodeOwnersRequest
        {
            Service = service,
            Content = "* @org/platform\nsrc/Orders/ @org/orders\n!src/Orders/Legacy.cs @nobody\nsrc/Orders/Legacy/\n",
        });
        Assert.Equal(3, set.Rules);
        Assert.Equal(["line 3: negation ('!') is not supported in CODEOWNERS"], set.Skipped);

        var resolved = await Client.ResolveOwnersAsync(new ResolveOwnersRequest { Service = service, Paths = { "src/Orders/Api.cs", "src/Orders/Legacy/Old.cs", "README.md" } });
        Assert.Equal(
            [("src/Orders/Api.cs", "@org/orders", 2, "src/Orders/"), ("src/Orders/Legacy/Old.cs", "", 4, "src/Orders/Legacy/"), ("README.md", "@org/platform", 1, "*")],
            resolved.Paths.Select(p => (p.Path, string.Join(' ', p.Owners), p.Line, p.Pattern)));
    }

    [Fact]
    public async Task An_oversized_codeowners_file_is_refused_and_the_stored_one_kept()
    {
        var service = await ReportedServiceAsync();
        await Client.SetCodeOwnersAsync(new SetCodeOwnersRequest { Service = service, Content = "* @keep\n" });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Client.SetCodeOwnersAsync(new SetCodeOwnersRequest { Service = service, Content = string.Concat(Enumerable.Repeat("x @t\n", 10_001)) }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("content: CODEOWNERS has 10002 lines", e.Status.Detail);
        var resolved = await Client.ResolveOwnersAsync(new ResolveOwnersRequest { Service = service, Paths = { "x" } });
        Assert.Equal(["@keep"], resolved.Paths[0].Owners);
    }
}
