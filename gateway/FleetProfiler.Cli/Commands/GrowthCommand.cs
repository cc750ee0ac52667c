using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler growth</c>: the leak finder — allocation sites ranked by how much their in-use bytes grew from A to B.</summary>
public sealed class GrowthCommand : ToolCommand
{
    public override string Name => "growth";
    public override string Summary => "top growing allocation sites (or types): in-use bytes of range B minus range A";

    public override string Help => """
        Usage: fleetprofiler growth --service S [--host H] --window W --ago D [--types] [--limit N]
               fleetprofiler growth --service S --a-from T --a-to T --b-from T --b-to T [...]

        Compares the latest in-use snapshot (kind inuse) of range A with that of range B, per allocation site (the
        innermost real frame) or, with --types, per allocated type; largest growth first. Snapshots come from inuse
        windows: with a continuous inuse run (signal-started windows back to back) each counts every sampled object
        alive since the run started, so the growth is what was retained between A and B; separate windows each count
        only their own window's objects (docs/live-memory.md). Objects allocated before a window are not seen.

          --window W --ago D   B = the last W up to now; A = the same W, D earlier
          --a-from T --a-to T  A's range (ISO 8601 or 'now'); --b-from T --b-to T: B's range
          --service S          the service; --host H one host (default: every host)
          --types              group by allocated type instead of allocation site
          --limit N            rows, 1 to 1000 (default 20)
        """;

    protected override IEnumerable<OptionSpec> Options =>
    [
        new("--service"), new("--host"), new("--window"), new("--ago"), new("--a-from"), new("--a-to"), new("--b-from"), new("--b-to"),
        new("--types", IsFlag: true), new("--limit"),
    ];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var sides = DiffRanges.Resolve(o, context.Now);
        var request = new GrowthRequest
        {
            Selector = new Selector { Service = sides.ServiceB, Host = sides.HostB ?? "" },
            FromA = Timestamp.FromDateTimeOffset(sides.A.From),
            ToA = Timestamp.FromDateTimeOffset(sides.A.To),
            FromB = Timestamp.FromDateTimeOffset(sides.B.From),
            ToB = Timestamp.FromDateTimeOffset(sides.B.To),
            Limit = o.Int("--limit", 1, 1000) ?? 20,
            By = o.Flag("--types") ? "type" : "site",
        };
        var client = new Query.QueryClient(context.Gateway.Channel);
        var reply = await Progress.WhileRunning(context.Console, $"comparing in-use of {sides.ServiceB}", client.GrowthAsync(request, context.Call()).ResponseAsync);

        var table = new TextTable(("GROWTH", true), ("A", true), ("B", true), ("OBJECTS", true), (o.Flag("--types") ? "TYPE" : "SITE", false));
        foreach (var e in reply.Entries)
            table.Add(Signed(e.Growth), Formatting.Count(e.BytesA), Formatting.Count(e.BytesB), Signed(e.CountGrowth), e.Name);
        var output = context.Console.Out;
        table.WriteTo(output);
        await output.WriteLineAsync($"in use: A {Formatting.Count(reply.TotalA)} bytes ({sides.A}), B {Formatting.Count(reply.TotalB)} bytes ({sides.B})");
        await context.Console.Error.WriteLineAsync($"fleetprofiler: {reply.Note}");
        return ExitCodes.Ok;
    }

    private static string Signed(long value) => value > 0 ? "+" + Formatting.Count(value) : value < 0 ? "-" + Formatting.Count(-value) : "0";
}
