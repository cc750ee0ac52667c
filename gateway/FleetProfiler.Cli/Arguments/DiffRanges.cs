namespace FleetProfiler.Cli.Arguments;

/// <summary>
/// The two sides of a diff. A is the baseline, B the profile compared with it (red in the flamegraph = grew from A to B).
/// Either <c>--window W --ago D</c>: B = the last W up to now, A = the same W ending D earlier, i.e. [now−D−W, now−D);
/// or explicit <c>--a-from/--a-to</c> and <c>--b-from/--b-to</c>. A side's service and host are <c>--a-service</c>/<c>--a-host</c>
/// (<c>--b-…</c>), each defaulting to <c>--service</c>/<c>--host</c>.
/// </summary>
public sealed record DiffRanges(string ServiceA, string? HostA, TimeWindow A, string ServiceB, string? HostB, TimeWindow B)
{
    public static DiffRanges Resolve(OptionReader o, DateTimeOffset now)
    {
        var service = o.Value("--service");
        var host = o.Value("--host");
        var serviceA = o.Value("--a-service") ?? service ?? throw new UsageException("--service (or --a-service and --b-service) is required");
        var serviceB = o.Value("--b-service") ?? service ?? throw new UsageException("--service (or --a-service and --b-service) is required");
        var hostA = o.Value("--a-host") ?? host;
        var hostB = o.Value("--b-host") ?? host;

        var relative = o.Has("--window") || o.Has("--ago");
        var explicitRanges = o.Has("--a-from") || o.Has("--a-to") || o.Has("--b-from") || o.Has("--b-to");
        if (relative && explicitRanges)
            throw new UsageException("use either --window/--ago or --a-from/--a-to/--b-from/--b-to, not both");
        if (!relative && !explicitRanges)
            throw new UsageException("say what to compare: --window W --ago D (last W against the same W D earlier), or --a-from/--a-to and --b-from/--b-to");

        if (relative)
        {
            var window = Durations.Parse(o.Required("--window"), "--window");
            var ago = Durations.Parse(o.Required("--ago"), "--ago");
            var b = new TimeWindow(now - window, now);
            var a = new TimeWindow(b.From - ago, b.To - ago);
            return new DiffRanges(serviceA, hostA, a, serviceB, hostB, b);
        }

        var rangeA = TimeWindow.Between(o.Required("--a-from"), o.Required("--a-to"), now, "--a-from", "--a-to");
        var rangeB = TimeWindow.Between(o.Required("--b-from"), o.Required("--b-to"), now, "--b-from", "--b-to");
        return new DiffRanges(serviceA, hostA, rangeA, serviceB, hostB, rangeB);
    }
}
