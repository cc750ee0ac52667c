using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler top</c>: the functions (or source files) with the largest self or total values, as a table.</summary>
public sealed class TopCommand : ToolCommand
{
    public override string Name => "top";
    public override string Summary => "the functions (or source files) with the most self or total time";

    public override string Help => $$"""
        Usage: fleetprofiler top --service S [--host H] [--since D | --from T [--to T]] [--kind K]
                                 [--files] [--limit N] [--order self|total]

        Prints a table: SELF, SELF%, TOTAL, TOTAL%, and the function (or file), hottest first.

          --service S        the service (required)
          --host H           only this host
        {{RangeHelp}}
          --kind K           cpu (default), wall or alloc (values in bytes)
          --files            rank source files instead of functions
          --limit N          rows, 1 to 1000 (default 20)
          --order O          self (default) or total
        """;

    protected override IEnumerable<OptionSpec> Options =>
    [
        new("--service"), new("--host"), .. RangeOptions, new("--kind"), new("--files", IsFlag: true), new("--limit"), new("--order"),
    ];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var kind = o.OneOf("--kind", Kinds) ?? "cpu";
        var range = Range(context, o);
        var files = o.Flag("--files");
        var request = new TopRequest
        {
            Selector = new Selector { Service = service, Host = o.Value("--host") ?? "" },
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Kind = kind,
            Limit = o.Int("--limit", 1, 1000) ?? 20,
            OrderBy = o.OneOf("--order", "self", "total") ?? "self",
        };
        var client = new Query.QueryClient(context.Gateway.Channel);
        var call = files ? client.TopFilesAsync(request, context.Call()) : client.TopFunctionsAsync(request, context.Call());
        var reply = await Progress.WhileRunning(context.Console, $"ranking {kind} of {service}", call.ResponseAsync);

        var table = new TextTable(("SELF", true), ("SELF%", true), ("TOTAL", true), ("TOTAL%", true), (files ? "FILE" : "FUNCTION", false));
        foreach (var e in reply.Entries)
            table.Add(Formatting.Count(e.Self), Formatting.Percent(e.SelfShare), Formatting.Count(e.Total), Formatting.Percent(e.TotalShare), e.Name);
        var output = context.Console.Out;
        table.WriteTo(output);
        await output.WriteLineAsync($"total {Formatting.Count(reply.Total)} {Formatting.Unit(kind)} in {Formatting.Quantity(reply.Windows, "window")}, {range}");
        if (Formatting.WidenedNote(reply.Coverage) is { } note) await context.Console.Error.WriteLineAsync(note);
        return ExitCodes.Ok;
    }
}
