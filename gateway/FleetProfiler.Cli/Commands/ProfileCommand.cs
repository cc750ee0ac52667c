using System.Diagnostics;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler profile</c>: one merged profile of a selector over a range, in one format, to a file or stdout.</summary>
public sealed class ProfileCommand : ToolCommand
{
    public static readonly string[] Formats = ["tree", "flame", "folded", "pprof", "speedscope", "svg"];

    public override string Name => "profile";
    public override string Summary => "export a merged profile: tree, flame, folded, pprof, speedscope or svg";

    public override string Help => $$"""
        Usage: fleetprofiler profile --service S [--host H] [--endpoint E] [--since D | --from T [--to T]]
                                     [--kind cpu|wall|alloc|inuse] [--types] [--format F] [--min-share X] [-o FILE]

        Exports the merge of every profile window of a service (or one host) that starts in the range.

          --service S        the service (required)
          --host H           only this host
          --endpoint E       only the samples that ran for this endpoint, "METHOD route" as `endpoints` lists
                             it (e.g. "GET /items/{id}") or "[not in a request]": the endpoint's own flamegraph
        {{RangeHelp}}
          --kind K           cpu (default), wall, alloc or inuse (the latest in-use snapshot of the range:
                             docs/live-memory.md; what it read and cannot see is printed on stderr)
          --types            alloc, inuse: show each allocated type as a leaf frame "[alloc] Type" under the code that
                             allocated it (default: that code, the allocation site, is the leaf)
          --format F         folded (default; collapsed stacks), tree (nested JSON), flame (compact JSON: parallel
                             arrays, at most 50,000 nodes), pprof (gzipped profile.proto), speedscope (JSON) or
                             svg (interactive flamegraph)
          --min-share X      tree/svg: hide frames under this share of the total, e.g. 0.001 (default 0 = keep all)
          -o, --output FILE  write to FILE ('-' = stdout, the default); pprof refuses a terminal stdout
        """;

    protected override IEnumerable<OptionSpec> Options =>
    [
        new("--service"), new("--host"), new("--endpoint"), .. RangeOptions, new("--kind"), new("--types", IsFlag: true), new("--format"),
        new("--min-share"), new("--output", Alias: "-o"),
    ];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var service = o.Required("--service");
        var kind = o.OneOf("--kind", Kinds) ?? "cpu";
        var format = o.OneOf("--format", Formats) ?? "folded";
        var types = o.Flag("--types");
        if (types && kind is not ("alloc" or "inuse")) throw new UsageException($"--types shows allocated types: it needs --kind alloc or inuse, not {kind}");
        var range = Range(context, o);
        var minShare = o.Double("--min-share", 0, 1) ?? 0;
        var file = o.Value("--output");
        var binary = format == "pprof";
        ProfileOutput.Check(context.Console, file, format, binary);

        var request = new GetProfileRequest
        {
            Selector = new Selector { Service = service, Host = o.Value("--host") ?? "", Endpoint = o.Value("--endpoint") ?? "" },
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Kind = kind,
            Format = format,
            MinShare = minShare,
            AllocatedTypes = types,
        };
        var started = Stopwatch.GetTimestamp();
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await Progress.WhileRunning(context.Console, $"exporting {kind} profile of {service} as {format}",
            client.GetProfileAsync(request, context.Call()).ResponseAsync);
        var elapsed = Stopwatch.GetElapsedTime(started);

        if (reply.Truncated)
            await context.Console.Error.WriteLineAsync($"fleetprofiler: warning: the range holds more windows than one query merges; this profile covers the first {reply.Windows} (narrow the range)");
        if (Formatting.WidenedNote(reply.Coverage) is { } note) await context.Console.Error.WriteLineAsync(note);
        if (reply.Note.Length > 0) await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Note}");
        var summary = $"{format}, {Formatting.Quantity(reply.Windows, "window")}, {Formatting.Count(reply.Total)} {Formatting.Unit(kind)}, {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        await ProfileOutput.WriteAsync(context.Console, reply.Data.Memory, file, binary, summary, context.Cancellation);
        return ExitCodes.Ok;
    }
}
