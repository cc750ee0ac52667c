using FleetProfiler.Protocol.V1;
using StatusClient = FleetProfiler.Protocol.V1.Status.StatusClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler status</c>: the cluster's silos and the services and hosts the grains know.</summary>
public sealed class StatusCommand : ToolCommand
{
    private const int HostsShown = 5;

    public override string Name => "status";
    public override string Summary => "the cluster: silos, services and hosts";

    public override string Help => """
        Usage: fleetprofiler status

        Prints the mode and cluster, a table of silos (ADDRESS, NAME, STATUS, STARTED, GENERATION)
        and a table of services (SERVICE, HOSTS, and the first host names), this gateway's ingest (agent
        streams, batches applied and waiting for a slot of Ingest:MaxBatchesInFlight), and the profile rollup's
        health (last success, failures in a row, watermark). Exits 5 when the rollup is unhealthy (it failed
        its threshold of runs in a row: buckets are stale and retention does not delete), naming the last error.
        """;

    protected override IEnumerable<OptionSpec> Options => [];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var client = new StatusClient(context.Gateway.Channel);
        var reply = await client.GetStatusAsync(new GetStatusRequest { IncludeHosts = true, MaxHostsPerService = HostsShown + 1 }, context.Call());
        var output = context.Console.Out;

        await output.WriteLineAsync($"mode     {reply.Mode}");
        await output.WriteLineAsync($"cluster  {reply.ClusterId} (service id {reply.ServiceId})");
        await output.WriteLineAsync($"gateway  {context.Gateway.Url}, version {reply.GatewayVersion}");
        await output.WriteLineAsync();

        var silos = new TextTable(("SILO", false), ("NAME", false), ("STATUS", false), ("STARTED", false), ("GENERATION", true));
        foreach (var s in reply.Silos)
        {
            var started = s.StartedAt?.ToDateTimeOffset();
            silos.Add(s.Address, s.Name, s.Status,
                started is { } t ? $"{Formatting.Time(t)} ({Formatting.Ago(t, context.Now)})" : "-",
                s.Generation.ToString(CultureInfo.InvariantCulture));
        }
        silos.WriteTo(output);
        await output.WriteLineAsync();

        var services = new TextTable(("SERVICE", false), ("HOSTS", true), ("HOST NAMES", false));
        foreach (var s in reply.Services.OrderBy(s => s.Name, StringComparer.Ordinal))
            services.Add(s.Name, Formatting.Count(s.HostCount), HostNames(s));
        services.WriteTo(output);
        await output.WriteLineAsync($"{Formatting.Quantity(reply.Silos.Count, "silo")}, {Formatting.Quantity(reply.Services.Count, "service")}, {Formatting.Quantity(reply.HostCount, "host")}");
        await output.WriteLineAsync();
        if (reply.Ingest is { } i)
        {
            await output.WriteLineAsync($"ingest   {Formatting.Quantity(i.AgentStreams, "agent stream")}; {i.BatchesInFlight} of {i.MaxBatchesInFlight} batch slot(s) in use, " +
                $"{i.BatchesWaiting} stream(s) waiting for one; peak {i.PeakBatchesInFlight}; {Formatting.Count(i.BatchesAdmitted)} batch(es) admitted, " +
                $"{Formatting.Count(i.BatchesAdmittedAfterWaiting)} after waiting");
        }
        return await WriteRollupAsync(reply.Rollup, context);
    }

    private static async Task<int> WriteRollupAsync(RollupStatus? r, CommandContext context)
    {
        if (r is null)
        {
            await context.Console.Error.WriteLineAsync("rollup   not reported by this gateway");
            return ExitCodes.Failed;
        }
        var lastOk = r.LastSuccessAt?.ToDateTimeOffset() is { } ok ? $"last success {Formatting.Time(ok)} ({Formatting.Ago(ok, context.Now)})" : "no successful run yet";
        var line = $"rollup   {(r.Healthy ? "healthy" : "UNHEALTHY")}: {lastOk}, {r.ConsecutiveFailures} failure(s) in a row, " +
                   $"watermark {r.Watermark}, {Formatting.Count(r.WindowsCompacted)} window(s) compacted and {Formatting.Count(r.ExpiredRowsDeleted)} expired row(s) deleted since {Formatting.Time(r.ActiveSince.ToDateTimeOffset())}" +
                   (r.QuarantinedRows > 0 ? $"; {Formatting.Count(r.QuarantinedRows)} undecodable row(s) in quarantine (see the silo log)" : "");
        await context.Console.Out.WriteLineAsync(line);
        if (r.Healthy) return ExitCodes.Ok;
        await context.Console.Error.WriteLineAsync($"fleetprofiler: the rollup failed {r.ConsecutiveFailures} runs in a row (threshold {r.FailureThreshold}); last error: {r.LastError}");
        return ExitCodes.Failed;
    }

    private static string HostNames(ServiceStatus s)
    {
        var shown = s.Hosts.Take(HostsShown).ToList();
        var more = s.HostCount - shown.Count;
        return string.Join(", ", shown) + (more > 0 ? $", … (+{more})" : "");
    }
}
