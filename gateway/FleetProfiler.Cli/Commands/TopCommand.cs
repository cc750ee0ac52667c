using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary>
/// <c>fleetprofiler top</c>: the functions (or source files) with the largest self or total values, as a table; for
/// allocations, the allocated types with <c>--types</c>. A function's alloc SELF is what it allocated itself.
/// </summary>
public sealed class TopCommand : ToolCommand
{
    public override string Name => "top";
    public override string Summary => "the functions, source files or allocated types with the most time or memory";

    public override string Help => $$"""
        Usage: fleetprofiler top --service S [--host H] [--endpoint E] [--since D | --from T [--to T]] [--kind K]
                                 [--files | --types] [--limit N] [--order self|total]

        Prints a table: SELF, SELF%, TOTAL, TOTAL%, and the function (or file), hottest first.
        For --kind alloc, SELF is the bytes a function (or the code of a file) allocated itself: the
        allocation site, the innermost frame of the stack. --types lists the allocated types instead:
        BYTES, BYTES%, COUNT (allocations), TYPE.

          --service S        the service (required)
          --host H           only this host
          --endpoint E       only the samples that ran for this endpoint ("GET /items/{id}", as `endpoints` lists it)
        {{RangeHelp}}
          --kind K           cpu (default), wall, alloc or inuse (values in bytes; inuse: the latest snapshot, see growth)
          --files            rank source files instead of functions
          --types            rank allocated types (implies --kind alloc; also with --kind inuse)
          --limit N          rows, 1 to 1000 (default 20)
          --order O          self (default) or total
        """;

    protected override IEnumerable<OptionSpec> Options =>
    [
        new("--service"), new("--host"), new("--endpoint"), .. RangeOptions, new("--kind"), new("--files", IsFlag: true), new("--types", IsFlag: true), new("--limit"), new("--order"),
    ];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var files = o.Flag("--files");
        var types = o.Flag("--types");
        if (files && types) throw new UsageException("--files and --types exclude each other");
        var kind = o.OneOf("--kind", Kinds) ?? (types ? "alloc" : "cpu");
        if (types && kind is not ("alloc" or "inuse")) throw new UsageException($"--types ranks allocated types: it needs --kind alloc or inuse, not {kind}");
        var orderBy = o.OneOf("--order", "self", "total") ?? "self";
        if (types && orderBy != "self") throw new UsageException("--types ranks by bytes: --order total does not apply");
        var range = Range(context, o);
        var request = new TopRequest
        {
            Selector = new Selector { Service = service, Host = o.Value("--host") ?? "", Endpoint = o.Value("--endpoint") ?? "" },
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Kind = kind,
            Limit = o.Int("--limit", 1, 1000) ?? 20,
            OrderBy = orderBy,
        };
        var client = new Query.QueryClient(context.Gateway.Channel);
        var call = types ? client.TopTypesAsync(request, context.Call())
            : files ? client.TopFilesAsync(request, context.Call())
            : client.TopFunctionsAsync(request, context.Call());
        var reply = await Progress.WhileRunning(context.Console, $"ranking {kind} of {service}", call.ResponseAsync);

        var table = types ? TypeTable(reply) : Table(reply, files ? "FILE" : "FUNCTION");
        var output = context.Console.Out;
        table.WriteTo(output);
        await output.WriteLineAsync($"total {Formatting.Count(reply.Total)} {Formatting.Unit(kind)} in {Formatting.Quantity(reply.Windows, "window")}, {range}");
        if (Formatting.WidenedNote(reply.Coverage) is { } note) await context.Console.Error.WriteLineAsync(note);
        if (reply.Note.Length > 0) await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Note}");
        return ExitCodes.Ok;
    }

    private static TextTable Table(TopReply reply, string name)
    {
        var table = new TextTable(("SELF", true), ("SELF%", true), ("TOTAL", true), ("TOTAL%", true), (name, false));
        foreach (var e in reply.Entries)
            table.Add(Formatting.Count(e.Self), Formatting.Percent(e.SelfShare), Formatting.Count(e.Total), Formatting.Percent(e.TotalShare), e.Name);
        return table;
    }

    private static TextTable TypeTable(TopReply reply)
    {
        var table = new TextTable(("BYTES", true), ("BYTES%", true), ("COUNT", true), ("TYPE", false));
        foreach (var e in reply.Entries)
            table.Add(Formatting.Count(e.Self), Formatting.Percent(e.SelfShare), Formatting.Count(e.Count), e.Name);
        return table;
    }
}
