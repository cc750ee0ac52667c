using System.Globalization;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary>
/// <c>fleetprofiler endpoints</c>: requests per endpoint (method and route template) of a service over a range, from
/// the agents' always-on request metrics; with <c>--per-minute</c> the per-minute rows instead.
/// </summary>
public sealed class EndpointsCommand : ToolCommand
{
    public override string Name => "endpoints";
    public override string Summary => "requests, rate, latency percentiles and error share per route of a service";

    public override string Help => $$"""
        Usage: fleetprofiler endpoints --service S [--since D | --from T [--to T]] [--per-minute]

        Prints a table, most requested first: REQUESTS, REQ/MIN, MEAN ms, P50 ms, P95 ms, P99 ms, 5XX%, 4XX%,
        CPU (samples), CPU%, CPU s, CPU ms/REQ, ALLOC (bytes), METHOD, ROUTE, and a total line. The range is widened
        to whole UTC minutes. Routes are templates; [no route] counts requests no endpoint matched, [other routes] the
        routes over the agent's per-minute cap. Requests and MEAN are exact; the percentiles are request-weighted
        means of the runtime's per-interval percentiles. REQ/MIN divides by the minutes in which the service reported
        any request (the total line says how many). The CPU and ALLOC columns are what profiling windows saw (the
        total line says how many windows): CPU% is the share of the service's CPU samples, CPU s the samples times
        the sampling interval, CPU ms/REQ that over the requests; [not in a request] holds samples taken outside any
        request, [not attributed] those of windows without attribution.

          --service S        the service (required)
        {{RangeHelp}}
          --per-minute       one row per minute, method, route and status class instead:
                             MINUTE, REQUESTS, MEAN ms, P50 ms, P95 ms, P99 ms, STATUS, METHOD, ROUTE
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), .. RangeOptions, new("--per-minute", IsFlag: true)];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var perMinute = o.Flag("--per-minute");
        var range = Range(context, o);
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await client.ListEndpointsAsync(new ListEndpointsRequest
        {
            Service = service,
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            PerMinute = perMinute,
        }, context.Call());

        var output = context.Console.Out;
        if (perMinute)
        {
            var minutes = new TextTable(("MINUTE", false), ("REQUESTS", true), ("MEAN ms", true), ("P50 ms", true), ("P95 ms", true),
                ("P99 ms", true), ("STATUS", false), ("METHOD", false), ("ROUTE", false));
            foreach (var m in reply.Minutes)
            {
                minutes.Add(Formatting.Time(m.Minute.ToDateTimeOffset()), Formatting.Count(m.Requests),
                    Ms(m.Requests == 0 ? 0 : m.DurationSumMs / m.Requests), Ms(m.P50Ms), Ms(m.P95Ms), Ms(m.P99Ms), Or(m.StatusClass), Or(m.Method), m.Route);
            }

            minutes.WriteTo(output);
        }
        else
        {
            var table = new TextTable(("REQUESTS", true), ("REQ/MIN", true), ("MEAN ms", true), ("P50 ms", true), ("P95 ms", true),
                ("P99 ms", true), ("5XX%", true), ("4XX%", true), ("CPU", true), ("CPU%", true), ("CPU s", true), ("CPU ms/REQ", true),
                ("ALLOC", true), ("METHOD", false), ("ROUTE", false));
            foreach (var e in reply.Endpoints)
            {
                var requests = e.Requests > 0;
                table.Add(Formatting.Count(e.Requests), requests ? e.RequestsPerMinute.ToString("0.##", CultureInfo.InvariantCulture) : "-",
                    requests ? Ms(e.MeanMs) : "-", requests ? Ms(e.P50Ms) : "-", requests ? Ms(e.P95Ms) : "-", requests ? Ms(e.P99Ms) : "-",
                    requests ? Formatting.Percent(e.ErrorShare) : "-", requests ? Formatting.Percent(e.ClientErrorShare) : "-",
                    Formatting.Count(e.CpuSamples), Formatting.Percent(e.CpuShare), e.CpuSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                    requests && e.CpuSamples > 0 ? Ms(e.CpuMsPerRequest) : "-", Formatting.Count(e.AllocBytes), Or(e.Method), e.Route);
            }

            table.WriteTo(output);
        }
        var from = reply.From.ToDateTimeOffset();
        var to = reply.To.ToDateTimeOffset();
        await output.WriteLineAsync($"total {Formatting.Quantity(reply.Endpoints.Sum(e => e.Requests), "request")} in " +
            $"{Formatting.Quantity(reply.Endpoints.Count, "endpoint")}, {Formatting.Time(from)} – {Formatting.Time(to)}");
        if (!perMinute)
        {
            var rangeMinutes = (long)(to - from).TotalMinutes;
            await output.WriteLineAsync($"REQ/MIN = requests / {Formatting.Quantity(reply.MinutesWithRequests, "minute")} with requests " +
                $"(of {rangeMinutes} in the range); CPU and ALLOC from {Formatting.Quantity(reply.Windows, "profiling window")} " +
                $"({Formatting.Count(reply.CpuSamples)} CPU samples)");
            if (reply.Truncated)
                await context.Console.Error.WriteLineAsync("fleetprofiler: warning: the range holds more windows than one reply reads; the CPU and ALLOC columns miss some (narrow the range)");
            await CostText.WriteAttributionWarningAsync(context, reply.WindowAttributions, reply.Windows);
        }
        return ExitCodes.Ok;
    }

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture);

    private static string Or(string s) => s.Length == 0 ? "-" : s;
}
