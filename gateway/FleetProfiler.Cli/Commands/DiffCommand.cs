using System.Diagnostics;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler diff</c>: a baseline A against a profile B, as a differential flamegraph (svg) or tree.</summary>
public sealed class DiffCommand : ToolCommand
{
    public override string Name => "diff";
    public override string Summary => "compare two ranges (or versions, services, hosts) as a differential flamegraph";

    public override string Help => """
        Usage: fleetprofiler diff --service S [--host H] --window W --ago D [--kind K] [--format svg|tree] [-o FILE]
               fleetprofiler diff --service S --a-from T --a-to T --b-from T --b-to T [...]
               fleetprofiler diff --service S --a-version V --b-version W [--since D] [...]

        A is the baseline, B is compared with it: in the svg, red frames grew from A to B and blue ones shrank
        (shares of each profile's total, so ranges of different lengths compare fairly).

          --window W --ago D   B = the last W up to now; A = the same W, D earlier: [now-D-W, now-D).
                               e.g. --window 1h --ago 1d: the last hour against the same hour yesterday
          --a-from T --a-to T  A's range, explicitly (ISO 8601 or 'now')
          --b-from T --b-to T  B's range
          --a-version V        only A's windows of service version V (`fleetprofiler versions` lists them);
          --b-version W        only B's of version W. Without a range option both sides read --since D up
                               to now (default 48h: versions are kept on raw windows, Profiles:WindowRetention)
          --since D            the range of both sides of a version diff
          --service S          both sides' service; --a-service / --b-service override it per side
          --host H             both sides' host (default: every host); --a-host / --b-host override it per side
          --endpoint E         both sides: only the samples that ran for this endpoint ("GET /items/{id}")
          --kind K             cpu (default), wall, alloc or inuse (each side's latest in-use snapshot;
                               `growth` ranks the sites that grew)
          --format F           svg (default) or tree (JSON)
          -o, --output FILE    write to FILE ('-' = stdout, the default)
        """;

    protected override IEnumerable<OptionSpec> Options =>
    [
        new("--service"), new("--host"), new("--a-service"), new("--a-host"), new("--b-service"), new("--b-host"),
        new("--window"), new("--ago"), new("--a-from"), new("--a-to"), new("--b-from"), new("--b-to"),
        new("--kind"), new("--format"), new("--output", Alias: "-o"), new("--endpoint"), new("--a-version"), new("--b-version"), new("--since"),
    ];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var sides = DiffRanges.Resolve(o, context.Now);
        var kind = o.OneOf("--kind", Kinds) ?? "cpu";
        var format = o.OneOf("--format", "svg", "tree") ?? "svg";
        var file = o.Value("--output");
        var endpoint = o.Value("--endpoint") ?? "";
        ProfileOutput.Check(context.Console, file, format, isBinary: false);

        var request = new DiffRequest
        {
            SelectorA = new Selector { Service = sides.ServiceA, Host = sides.HostA ?? "", Endpoint = endpoint, Version = sides.VersionA ?? "" },
            FromA = Timestamp.FromDateTimeOffset(sides.A.From),
            ToA = Timestamp.FromDateTimeOffset(sides.A.To),
            SelectorB = new Selector { Service = sides.ServiceB, Host = sides.HostB ?? "", Endpoint = endpoint, Version = sides.VersionB ?? "" },
            FromB = Timestamp.FromDateTimeOffset(sides.B.From),
            ToB = Timestamp.FromDateTimeOffset(sides.B.To),
            Kind = kind,
            Format = format,
        };
        var started = Stopwatch.GetTimestamp();
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await Progress.WhileRunning(context.Console, $"diffing {kind} of {sides.ServiceB}",
            client.DiffAsync(request, context.Call()).ResponseAsync);
        var elapsed = Stopwatch.GetElapsedTime(started);

        if (reply.Truncated)
            await context.Console.Error.WriteLineAsync("fleetprofiler: warning: a side's range holds more windows than one query merges; narrow the ranges");
        if (reply.Note.Length > 0) await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Note}");
        var summary = $"{format} diff, A {sides.A}{(sides.VersionA is null ? "" : $" version {sides.VersionA}")}, B {sides.B}{(sides.VersionB is null ? "" : $" version {sides.VersionB}")}, {Formatting.Quantity(reply.Windows, "window")}, {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        await ProfileOutput.WriteAsync(context.Console, reply.Data.Memory, file, isBinary: false, summary, context.Cancellation);
        return ExitCodes.Ok;
    }
}
