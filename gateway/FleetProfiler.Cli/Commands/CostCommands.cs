using FleetProfiler.Protocol.V1;
using CostClient = FleetProfiler.Protocol.V1.Cost.CostClient;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler cost set</c>: a service's cost for one month.</summary>
public sealed class CostSetCommand : ToolCommand
{
    public override string Name => "cost set";
    public override string Summary => "set a service's cost for a month (USD and instance-hours)";

    public override string Help => """
        Usage: fleetprofiler cost set --service S --month YYYY-MM --usd X [--instance-hours H]

        Sets (or replaces) what running the service cost in one UTC month. Endpoint cost spreads it evenly over
        the month's minutes. Amounts are rounded to cents / hundredths of an hour.

          --service S          the service (it must have reported)
          --month YYYY-MM      the month, e.g. 2026-11
          --usd X              cost in US dollars (0 to 1,000,000,000)
          --instance-hours H   instance-hours the service ran that month (default 0)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--month"), new("--usd"), new("--instance-hours")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new SetMonthlyCostRequest
        {
            Service = o.Required("--service"),
            Month = o.Required("--month"),
            Usd = o.Double("--usd", 0, double.MaxValue) ?? throw new UsageException("--usd is required"),
            InstanceHours = o.Double("--instance-hours", 0, double.MaxValue) ?? 0,
        };
        var reply = await new CostClient(context.Gateway.Channel).SetMonthlyCostAsync(request, context.Call());
        await context.Console.Out.WriteLineAsync($"{reply.Service} {reply.Month}: {CostFormat.Usd(reply.Usd)}, {CostFormat.Hours(reply.InstanceHours)} instance-hours " +
                                                 $"({CostFormat.Usd(reply.UsdPerMinute, 4)} a minute{(reply.InstanceHours > 0 ? $", {CostFormat.Usd(reply.UsdPerInstanceHour)} an instance-hour" : "")})");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler cost list</c>: a service's monthly costs.</summary>
public sealed class CostListCommand : ToolCommand
{
    public override string Name => "cost list";
    public override string Summary => "a service's monthly costs";

    public override string Help => """
        Usage: fleetprofiler cost list --service S

        Prints a table: MONTH, USD, INSTANCE-HOURS, USD/MINUTE, USD/INSTANCE-HOUR, oldest month first.
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var reply = await new CostClient(context.Gateway.Channel).ListMonthlyCostsAsync(new ListMonthlyCostsRequest { Service = service }, context.Call());
        if (reply.Costs.Count == 0)
        {
            await context.Console.Error.WriteLineAsync($"fleetprofiler: no cost entered for '{service}' (fleetprofiler cost set / cost import)");
            return ExitCodes.Ok;
        }
        var table = new TextTable(("MONTH", false), ("USD", true), ("INSTANCE-HOURS", true), ("USD/MINUTE", true), ("USD/INSTANCE-HOUR", true));
        foreach (var c in reply.Costs)
            table.Add(c.Month, CostFormat.Usd(c.Usd), CostFormat.Hours(c.InstanceHours), CostFormat.Usd(c.UsdPerMinute, 4), c.InstanceHours > 0 ? CostFormat.Usd(c.UsdPerInstanceHour) : "-");
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler cost import</c>: monthly costs of many services from a CSV file.</summary>
public sealed class CostImportCommand : ToolCommand
{
    public override string Name => "cost import";
    public override string Summary => "import monthly costs from CSV (service,month,usd,instance_hours)";

    public override string Help => """
        Usage: fleetprofiler cost import --file costs.csv

        Imports rows "service,month,usd,instance_hours" (an optional header row; blank lines and # comments
        ignored). Every row is checked first: one bad row refuses the whole file, naming its line, and nothing
        is changed.

          --file F   the CSV file ('-' = stdin)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--file")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var csv = await InputFile.ReadAsync(o.Required("--file"), context);
        var reply = await new CostClient(context.Gateway.Channel).ImportCostsAsync(new ImportCostsRequest { Csv = csv }, context.Call());
        await context.Console.Out.WriteLineAsync($"imported {Formatting.Quantity(reply.Rows, "row")} for {string.Join(", ", reply.Services)}");
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler owners set</c>: a service's CODEOWNERS file.</summary>
public sealed class OwnersSetCommand : ToolCommand
{
    public override string Name => "owners set";
    public override string Summary => "upload a service's CODEOWNERS file";

    public override string Help => """
        Usage: fleetprofiler owners set --service S --file CODEOWNERS

        Replaces the service's CODEOWNERS (GitHub syntax: the last matching line wins). Lines GitHub would skip
        (negation, [ ] ranges, bad owners) are skipped and listed on stderr; the command then exits 0.

          --service S   the service (it must have reported)
          --file F      the CODEOWNERS file ('-' = stdin)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--file")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var content = await InputFile.ReadAsync(o.Required("--file"), context);
        var reply = await new CostClient(context.Gateway.Channel).SetCodeOwnersAsync(new SetCodeOwnersRequest { Service = service, Content = content }, context.Call());
        foreach (var skipped in reply.Skipped)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: warning: CODEOWNERS {skipped} (skipped)");
        await context.Console.Out.WriteLineAsync($"{service}: CODEOWNERS with {Formatting.Quantity(reply.Rules, "rule")} stored" +
                                                 (reply.Skipped.Count > 0 ? $", {Formatting.Quantity(reply.Skipped.Count, "line")} skipped" : ""));
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler owners resolve</c>: who owns given paths under a service's CODEOWNERS.</summary>
public sealed class OwnersResolveCommand : ToolCommand
{
    public override string Name => "owners resolve";
    public override string Summary => "the owners of repository-relative paths, and the deciding CODEOWNERS line";

    public override string Help => """
        Usage: fleetprofiler owners resolve --service S --path P [--path P ...]

        Prints a table: PATH, OWNERS ("unowned" when no rule gives one), LINE, PATTERN.
        Several paths: separate them with commas.
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--path")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var request = new ResolveOwnersRequest { Service = o.Required("--service") };
        request.Paths.AddRange(o.Required("--path").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var reply = await new CostClient(context.Gateway.Channel).ResolveOwnersAsync(request, context.Call());
        var table = new TextTable(("PATH", false), ("OWNERS", false), ("LINE", true), ("PATTERN", false));
        foreach (var p in reply.Paths)
            table.Add(p.Path, p.Owners.Count == 0 ? "unowned" : string.Join(' ', p.Owners), p.Line == 0 ? "-" : p.Line.ToString(CultureInfo.InvariantCulture), p.Pattern.Length == 0 ? "-" : p.Pattern);
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }
}

/// <summary>Money and hours as the cost commands print them.</summary>
internal static class CostFormat
{
    public static string Usd(double usd, int decimals = 2) => "$" + usd.ToString("N" + decimals, CultureInfo.InvariantCulture);
    public static string Hours(double hours) => hours.ToString("N2", CultureInfo.InvariantCulture);
}

/// <summary>Reads an input file named on the command line ('-' = stdin), with a usage error naming it when absent.</summary>
internal static class InputFile
{
    public static async Task<string> ReadAsync(string path, CommandContext context)
    {
        if (path == "-") return await Console.In.ReadToEndAsync(context.Cancellation);
        if (!File.Exists(path)) throw new UsageException($"--file: '{path}' does not exist");
        return await File.ReadAllTextAsync(path, context.Cancellation);
    }
}
