using System.Globalization;
using FleetProfiler.Abstractions.Cost;

namespace FleetProfiler.BudgetReport;

/// <summary>The job's command line: which cluster, which range, which services and basis.</summary>
public sealed record BudgetOptions(
    int GatewayPort,
    string ClusterId,
    string ServiceId,
    string? Postgres,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> Services,
    CostBasis Basis)
{
    public const string Usage = """
        Usage: FleetProfiler.BudgetReport [--month YYYY-MM | --from T --to T] [--service S ...] [--basis requests|cpu|alloc]
                                          [--gateway-port P] [--cluster-id C] [--service-id S] [--postgres CONNECTION]

          --month YYYY-MM    the UTC month to report (default: the previous month)
          --from, --to       an explicit range instead (ISO 8601), at most 92 days
          --service S        a service to report (repeatable; default every service that has reported)
          --basis B          requests (default), cpu or alloc
          --gateway-port P   a single-node silo's Orleans gateway port on localhost (default 30000)
          --cluster-id C, --service-id S   the cluster's Orleans ids (default fleetprofiler / fleetprofiler)
          --postgres CONN    a cluster-mode silo set: its PostgreSQL clustering connection string
        """;

    public static BudgetOptions Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count) throw new ArgumentException($"'{args[i]}' is not an option with a value");
            if (!values.TryGetValue(args[i], out var list)) values[args[i]] = list = [];
            list.Add(args[++i]);
        }
        string? One(string name) => values.Remove(name, out var v) ? v[^1] : null;

        var month = One("--month");
        var fromText = One("--from");
        var toText = One("--to");
        DateTimeOffset from, to;
        if (month is not null)
        {
            if (fromText is not null || toText is not null) throw new ArgumentException("--month and --from/--to exclude each other");
            if (!DateTimeOffset.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out from))
                throw new ArgumentException($"--month: '{month}' is not a month written YYYY-MM");
            to = from.AddMonths(1);
        }
        else if (fromText is not null && toText is not null)
        {
            from = Time(fromText, "--from");
            to = Time(toText, "--to");
        }
        else if (fromText is null && toText is null)
        {
            var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
            (from, to) = (thisMonth.AddMonths(-1), thisMonth);
        }
        else
        {
            throw new ArgumentException("--from and --to go together");
        }

        if (to <= from) throw new ArgumentException("--to must be after --from");

        var basis = One("--basis") switch
        {
            null or "requests" => CostBasis.Requests,
            "cpu" => CostBasis.Cpu,
            "alloc" => CostBasis.Alloc,
            var b => throw new ArgumentException($"--basis: unknown basis '{b}' (requests, cpu or alloc)"),
        };
        var port = One("--gateway-port") is { } p ? int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65536 ? n
            : throw new ArgumentException($"--gateway-port: '{p}' is not a port") : 30000;
        var services = values.Remove("--service", out var s) ? s : [];
        var options = new BudgetOptions(port, One("--cluster-id") ?? "fleetprofiler", One("--service-id") ?? "fleetprofiler", One("--postgres"), from, to, services, basis);
        if (values.Count > 0) throw new ArgumentException($"unknown option {values.Keys.First()}");
        return options;
    }

    private static DateTimeOffset Time(string text, string name) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new ArgumentException($"{name}: '{text}' is not an ISO 8601 time");
}
