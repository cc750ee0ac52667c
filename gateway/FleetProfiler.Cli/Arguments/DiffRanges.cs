namespace FleetProfiler.Cli.Arguments;

/// <summary>
/// The two sides of a diff. A is the baseline, B the profile compared with it (red in the flamegraph = grew from A to B).
/// Either <c>--window W --ago D</c>: B = the last W up to now, A = the same W ending D earlier, i.e. [now−D−W, now−D);
/// or explicit <c>--a-from/--a-to</c> and <c>--b-from/--b-to</c>. A side's service and host are <c>--a-service</c>/<c>--a-host</c>
/// (<c>--b-…</c>), each defaulting to <c>--service</c>/<c>--host</c>. <c>--a-version</c>/<c>--b-version</c> select each side's
/// windows by service version; with a version and no range option, both sides read <c>--since D</c> up to now (default
/// <see cref="VersionSince"/>, the raw windows' default retention): a diff of two versions over one range.
/// </summary>
public sealed record DiffRanges(string ServiceA, string? HostA, TimeWindow A, string ServiceB, string? HostB, TimeWindow B)
{
    /// <summary>The range both sides of a version diff read by default: the server's default raw-window retention.</summary>
    public static readonly TimeSpan VersionSince = TimeSpan.FromHours(48);

    public string? VersionA { get; init; }
    public string? VersionB { get; init; }

    public static DiffRanges Resolve(OptionReader o, DateTimeOffset now)
    {
        var service = o.Value("--service");
        var host = o.Value("--host");
        var serviceA = o.Value("--a-service") ?? service ?? throw new UsageException("--service (or --a-service and --b-service) is required");
        var serviceB = o.Value("--b-service") ?? service ?? throw new UsageException("--service (or --a-service and --b-service) is required");
        var hostA = o.Value("--a-host") ?? host;
        var hostB = o.Value("--b-host") ?? host;

        var versionA = o.Value("--a-version");
        var versionB = o.Value("--b-version");
        var relative = o.Has("--window") || o.Has("--ago");
        var explicitRanges = o.Has("--a-from") || o.Has("--a-to") || o.Has("--b-from") || o.Has("--b-to");
        var since = o.Has("--since");
        if ((relative ? 1 : 0) + (explicitRanges ? 1 : 0) + (since ? 1 : 0) > 1)
            throw new UsageException("use one of --window/--ago, --a-from/--a-to/--b-from/--b-to or --since, not several");
        if (since && versionA is null && versionB is null)
            throw new UsageException("--since compares two versions over one range: give --a-version and --b-version");
        if (!relative && !explicitRanges && (versionA is not null || versionB is not null))
        {
            var span = since ? Durations.Parse(o.Required("--since"), "--since") : VersionSince;
            var both = new TimeWindow(now - span, now);
            return new DiffRanges(serviceA, hostA, both, serviceB, hostB, both) { VersionA = versionA, VersionB = versionB };
        }
        if (!relative && !explicitRanges)
            throw new UsageException("say what to compare: --window W --ago D (last W against the same W D earlier), --a-from/--a-to and --b-from/--b-to, or --a-version V --b-version W");

        if (relative)
        {
            var window = Durations.Parse(o.Required("--window"), "--window");
            var ago = Durations.Parse(o.Required("--ago"), "--ago");
            var b = new TimeWindow(now - window, now);
            var a = new TimeWindow(b.From - ago, b.To - ago);
            return new DiffRanges(serviceA, hostA, a, serviceB, hostB, b) { VersionA = versionA, VersionB = versionB };
        }

        var rangeA = TimeWindow.Between(o.Required("--a-from"), o.Required("--a-to"), now, "--a-from", "--a-to");
        var rangeB = TimeWindow.Between(o.Required("--b-from"), o.Required("--b-to"), now, "--b-from", "--b-to");
        return new DiffRanges(serviceA, hostA, rangeA, serviceB, hostB, rangeB) { VersionA = versionA, VersionB = versionB };
    }
}
