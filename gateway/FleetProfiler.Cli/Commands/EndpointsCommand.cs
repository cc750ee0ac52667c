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
        METHOD, ROUTE, and a total line. The range is widened to whole UTC minutes. Routes are templates; [no route]
        counts requests no endpoint matched, [other routes] the routes over the agent's per-minute cap. Requests and
        MEAN are exact; the percentiles are request-weighted means of the runtime's per-interval percentiles.

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
                ("P99 ms", true), ("5XX%", true), ("4XX%", true), ("METHOD", false), ("ROUTE", false));
            foreach (var e in reply.Endpoints)
            {
                table.Add(Formatting.Count(e.Requests), e.RequestsPerMinute.ToString("0.##", CultureInfo.InvariantCulture), Ms(e.MeanMs),
                    Ms(e.P50Ms), Ms(e.P95Ms), Ms(e.P99Ms), Formatting.Percent(e.ErrorShare), Formatting.Percent(e.ClientErrorShare), Or(e.Method), e.Route);
            }

            table.WriteTo(output);
        }
        var from = reply.From.ToDateTimeOffset();
        var to = reply.To.ToDateTimeOffset();
        await output.WriteLineAsync($"total {Formatting.Quantity(reply.Endpoints.Sum(e => e.Requests), "request")} in " +
            $"{Formatting.Quantity(reply.Endpoints.Count, "endpoint")}, {Formatting.Time(from)} – {Formatting.Time(to)}");
        return ExitCodes.Ok;
    }

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture);

    private static string Or(string s) => s.Length == 0 ? "-" : s;
}
