using System.Globalization;
using FleetProfiler.Gateway.Query;

namespace FleetProfiler.Gateway.Cost;

/// <summary>
/// The cost import format: one row per service and month, <c>service,month,usd,instance_hours</c>, numbers in
/// invariant culture, an optional header row, blank lines and <c>#</c> comments ignored. Every row is checked here,
/// before anything is stored; the first bad row refuses the file with its line number.
/// </summary>
public static class CostCsv
{
    /// <summary>Rows one import may carry.</summary>
    public const int MaxRows = 10_000;

    public static IReadOnlyList<CostRow> Parse(string csv)
    {
        var rows = new List<CostRow>();
        var seen = new HashSet<(string, string)>();
        var lines = csv.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            var n = i + 1;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var cells = line.Split(',').Select(c => c.Trim()).ToArray();
            if (rows.Count == 0 && cells.Length > 0 && cells[0].Equals("service", StringComparison.OrdinalIgnoreCase)) continue; // header
            if (cells.Length != 4) throw QueryArguments.Invalid($"csv line {n}: expected 4 cells (service,month,usd,instance_hours), found {cells.Length}");
            var (service, month) = (cells[0], cells[1]);
            if (service.Length == 0 || service.Contains('/')) throw QueryArguments.Invalid($"csv line {n}: service: '{service}' is not a service name");
            var usd = Number(cells[2], n, "usd");
            var hours = Number(cells[3], n, "instance_hours");
            CostService.Validate(month, usd, hours, $"csv line {n}: ");
            if (!seen.Add((service, month))) throw QueryArguments.Invalid($"csv line {n}: service '{service}' month {month} appears twice");
            if (rows.Count == MaxRows) throw QueryArguments.Invalid($"csv: more than {MaxRows} rows");
            rows.Add(new CostRow(n, service, month, usd, hours));
        }
        if (rows.Count == 0) throw QueryArguments.Invalid("csv: no rows (expected service,month,usd,instance_hours)");
        return rows;
    }

    private static double Number(string cell, int line, string field) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw QueryArguments.Invalid($"csv line {line}: {field}: '{cell}' is not a number");
}

/// <summary>One checked CSV row.</summary>
public sealed record CostRow(int Line, string Service, string Month, double Usd, double InstanceHours);
