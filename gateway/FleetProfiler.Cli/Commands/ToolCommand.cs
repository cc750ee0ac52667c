namespace FleetProfiler.Cli.Commands;

/// <summary>What a command gets to run: the console, the gateway, one fixed "now" for resolving relative ranges, and Ctrl+C.</summary>
public sealed class CommandContext(ToolConsole console, GatewayConnection gateway, DateTimeOffset now, CancellationToken cancellation)
{
    public ToolConsole Console { get; } = console;
    public GatewayConnection Gateway { get; } = gateway;
    public DateTimeOffset Now { get; } = now;
    public CancellationToken Cancellation { get; } = cancellation;

    public Grpc.Core.CallOptions Call() => Gateway.Call(Cancellation);
}

/// <summary>One verb of the tool: its options, its help text, and a run that returns the exit code.</summary>
public abstract class ToolCommand
{
    public static readonly OptionSpec[] CommonOptions = [new("--gateway"), new("--timeout"), new("--key-file"), new("--ca-file"), new("--allow-insecure", IsFlag: true)];

    public static readonly string[] Kinds = [.. ProfileTypes.Names];

    public abstract string Name { get; }

    /// <summary>One line for the command list.</summary>
    public abstract string Summary { get; }

    /// <summary>The usage line(s) and the command's own options, for <c>fleetprofiler NAME --help</c>.</summary>
    public abstract string Help { get; }

    protected abstract IEnumerable<OptionSpec> Options { get; }

    public IEnumerable<OptionSpec> AllOptions => Options.Concat(CommonOptions);

    /// <summary>False for commands that work offline (key generation): they need no API key.</summary>
    public virtual bool NeedsGateway => true;

    /// <summary>Reads the options and calls the gateway; failures are thrown (usage, gRPC, file) and mapped by the tool.</summary>
    public abstract Task<int> RunAsync(CommandContext context, OptionReader options);

    protected static TimeWindow Range(CommandContext context, OptionReader o) =>
        TimeWindow.Resolve(o.Value("--since"), o.Value("--from"), o.Value("--to"), context.Now, TimeSpan.FromHours(1));

    protected static readonly OptionSpec[] RangeOptions = [new("--since"), new("--from"), new("--to")];

    protected const string RangeHelp = """
          --since D          the last D up to now: 30s, 15m, 1h, 2d, 1w (default 1h)
          --from T, --to T   an explicit range, ISO 8601 (UTC unless an offset is given) or 'now'; --to defaults to now
        """;
}
