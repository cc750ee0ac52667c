// A budget report job: connects to a FleetProfiler cluster as an Orleans client and prints what each endpoint and
// each team cost over a month (or any range up to 92 days). It shows how another service reads endpoint and team
// costs from the grains with nothing but FleetProfiler.Abstractions; see README.md.
using System.Globalization;
using FleetProfiler.Abstractions.Cost;
using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.BudgetReport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

BudgetOptions options;
try
{
    options = BudgetOptions.Parse(args, DateTimeOffset.UtcNow);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"budget-report: {e.Message}\n\n{BudgetOptions.Usage}");
    return 64; // usage, as every FleetProfiler binary
}

using var host = Host.CreateDefaultBuilder()
    .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
    .UseOrleansClient(client =>
    {
        if (options.Postgres is { } connectionString)
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ServiceId; });
            client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = connectionString; });
        }
        else
        {
            client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
        }
    })
    .Build();
try
{
    await host.StartAsync();
}
catch (Exception e) when (e is OrleansException or TimeoutException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"budget-report: cannot reach the cluster '{options.ClusterId}' ({e.Message})");
    return 4; // unreachable
}

var grains = host.Services.GetRequiredService<IClusterClient>();
var range = new TimeRange(options.From, options.To);
var services = options.Services.Count > 0 ? options.Services : await grains.GetGrain<IFleetGrain>(IFleetGrain.Key).GetServicesAsync();
var reports = new List<ServiceCostReport>();
foreach (var service in services)
    reports.Add(await grains.GetGrain<IServiceCostGrain>(service).GetEndpointCostsAsync(range));

var output = Console.Out;
output.WriteLine($"Budget report {range.From:yyyy-MM-dd HH:mm}Z – {range.To:yyyy-MM-dd HH:mm}Z, basis {options.Basis.ToString().ToLowerInvariant()}");
output.WriteLine();
var rows = new Table("SERVICE", "ENDPOINT", "TEAM", "REQUESTS", "USD", "USD/1K REQ");
foreach (var r in reports)
{
    foreach (var e in r.By(options.Basis).Append(r.NotInRequest).Append(r.NotAttributed).Append(r.NoData).Where(e => e.Cents[options.Basis] != 0 || !e.Endpoint.StartsWith('[')))
    {
        rows.Add(r.Service, e.Endpoint, e.Owner.Team, e.Requests.ToString("N0", CultureInfo.InvariantCulture), Money(e.Cents[options.Basis]),
            e.UsdPerThousandRequests(options.Basis) is { } perThousand ? Money(perThousand) : "-");
    }
    rows.Add(r.Service, "(total)", "", "", Money(r.TotalCents), "");
}
rows.WriteTo(output);
foreach (var r in reports)
{
    output.WriteLine($"{r.Service}: {r.Windows} profiling windows behind the CPU and allocation shares" +
        (r.MonthsWithoutInput.Count > 0 ? $"; no cost entered for {string.Join(", ", r.MonthsWithoutInput)}" : ""));
}

// Teams from the reports' owners, each asked for its own roll-up (total and average per endpoint, across services).
var teamNames = reports.SelectMany(r => r.Endpoints).Select(e => e.Owner.Team).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
output.WriteLine();
var teams = new Table("TEAM", "ENDPOINTS", "TOTAL", "AVERAGE", "COSTLIEST");
foreach (var name in teamNames)
{
    var team = await grains.GetGrain<ITeamGrain>(name).GetCostsAsync(range, options.Basis, 1);
    teams.Add(team.Team, team.EndpointCount.ToString(CultureInfo.InvariantCulture), Money(team.TotalUsd), Money(team.AverageUsd),
        team.Endpoints.Count == 0 ? "-" : $"{team.Endpoints[0].Service} {team.Endpoints[0].Row.Endpoint}");
}
teams.WriteTo(output);
await host.StopAsync();
return 0;

static string Money(decimal usd) => "$" + Math.Round(usd, 2, MidpointRounding.AwayFromZero).ToString("N2", CultureInfo.InvariantCulture);
