using Grpc.Core;

namespace FleetProfiler.Cli;

/// <summary>
/// The tool: picks the command, resolves the gateway, runs it, and turns every failure into one line on stderr
/// and an exit code (see <see cref="ExitCodes"/>). Takes its console as a parameter so tests run it in-process.
/// </summary>
public static class FleetProfilerTool
{
    public static IReadOnlyList<ToolCommand> Commands { get; } =
    [
        new ProfileCommand(), new TopCommand(), new DiffCommand(), new GrowthCommand(), new ServicesCommand(), new HostsCommand(), new VersionsCommand(), new EndpointsCommand(),
        new TriggerCommand(), new CommandsCommand(), new StatusCommand(),
        new HeapListCommand(), new HeapShowCommand(), new HeapDiffCommand(), new HeapTakeCommand(),
        new CostSetCommand(), new CostListCommand(), new CostImportCommand(), new CostReportCommand(), new CostTopCommand(), new TeamsCommand(),
        new OwnersSetCommand(), new OwnersResolveCommand(), new OwnersEndpointCommand(), new OwnersListCommand(),
        new ScheduleSetCommand(), new ScheduleListCommand(), new ScheduleRemoveCommand(), new ScheduleRunCommand(), new ScheduleHistoryCommand(),
        new DeadCodeCommand(), new DeadCodeImportCommand(), new DeadCodeTeamsCommand(), new DeadCodeNotRunCommand(), new AnnotateCommand(),
        new KeysNewCommand(), new KeysRevokeCommand(),
    ];

    /// <summary>The command whose (possibly two-word) name starts the arguments, and how many words it took.</summary>
    private static (ToolCommand? Command, int Words) Find(IReadOnlyList<string> args, int skip = 0) =>
        Commands.Select(c => (Command: c, Words: c.Name.Split(' ')))
            .Where(c => c.Words.Length <= args.Count - skip && c.Words.Select((w, i) => args[skip + i] == w).All(m => m))
            .OrderByDescending(c => c.Words.Length)
            .Select(c => ((ToolCommand?)c.Command, c.Words.Length))
            .FirstOrDefault();

    public static string Version { get; } =
        typeof(FleetProfilerTool).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static string GeneralHelp => $"""
        fleetprofiler {Version}: query a FleetProfiler gateway (profiles, top functions, diffs, hosts, endpoints, triggers, schedules).

        Usage: fleetprofiler <command> [options]

        Commands:
        {string.Join(Environment.NewLine, Commands.Select(c => $"  {c.Name,-17} {c.Summary}"))}

        {CommonHelp}
        Run 'fleetprofiler <command> --help' for a command's options.

        {ExitCodeHelp}
        """;

    private static string CommonHelp => $"""
        Options of every command:
          --gateway URL      the gateway's gRPC address (default: ${GatewayConnection.EnvironmentVariable}, else {GatewayConnection.DefaultUrl})
          --timeout D        deadline of each call (default {Durations.Format(GatewayConnection.DefaultTimeout)})
        {KeySource.Help.TrimEnd()}
          --ca-file F        trust this CA (or self-signed gateway) certificate for https:// (default: ${GatewayConnection.CaFileVariable})
          --allow-insecure   allow http:// to a gateway that is not on loopback (default: ${GatewayConnection.AllowInsecureVariable}=1)
          -h, --help         this help
        Durations are a whole number and a unit: 30s, 15m, 1h, 2d, 1w.
        Times are ISO 8601 (2026-05-01T10:00:00Z; UTC unless an offset is given) or 'now'.

        """;

    public static string HelpFor(ToolCommand command) => $"""
        {command.Help}

        {CommonHelp}
        {ExitCodeHelp}
        """;

    /// <summary>The codes this tool returns, from the table every FleetProfiler binary shares.</summary>
    private static string ExitCodeHelp => $"""
        Exit codes:
          {ExitCodes.Ok,3}  success
          {ExitCodes.Failed,3}  any other failure (deadline exceeded, agent not connected, file not writable, status unhealthy, ...)
          {ExitCodes.NotFound,3}  not found: unknown service or host, or no profile data in the range
          {ExitCodes.InvalidArgument,3}  the gateway rejected an argument (INVALID_ARGUMENT)
          {ExitCodes.Unreachable,3}  the gateway is unreachable (UNAVAILABLE, connection refused); the message names the URL
          {ExitCodes.Usage,3}  usage error (unknown command or option, bad value, --from not before --to, ...)
          {ExitCodes.Interrupted,3}  interrupted (Ctrl+C)
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, ToolConsole console, CancellationToken cancellation = default)
    {
        if (args.Count == 0)
        {
            await console.Error.WriteLineAsync(GeneralHelp);
            return ExitCodes.Usage;
        }
        var name = args[0];
        if (name is "-h" or "--help" or "help")
        {
            var topic = Find(args, 1).Command;
            await console.Out.WriteLineAsync(topic is null ? GeneralHelp : HelpFor(topic));
            return ExitCodes.Ok;
        }
        if (name is "--version")
        {
            await console.Out.WriteLineAsync(Version);
            return ExitCodes.Ok;
        }
        var (command, words) = Find(args);
        if (command is null)
        {
            await console.Error.WriteLineAsync($"fleetprofiler: unknown command '{name}' (commands: {string.Join(", ", Commands.Select(c => c.Name))}; see 'fleetprofiler --help')");
            return ExitCodes.Usage;
        }
        var rest = args.Skip(words).ToList();
        if (rest.Contains("-h") || rest.Contains("--help"))
        {
            await console.Out.WriteLineAsync(HelpFor(command));
            return ExitCodes.Ok;
        }

        var url = GatewayConnection.DefaultUrl;
        var timeout = GatewayConnection.DefaultTimeout;
        try
        {
            var options = OptionReader.Parse(command.Name, rest, command.AllOptions);
            url = GatewayConnection.ResolveUrl(options.Value("--gateway"), console.GetEnvironmentVariable);
            timeout = options.Value("--timeout") is { } t ? Durations.Parse(t, "--timeout") : timeout;
            var key = command.NeedsGateway ? KeySource.Resolve(options.Value("--key-file"), console.GetEnvironmentVariable) : null;
            var allowInsecure = options.Flag("--allow-insecure") || console.GetEnvironmentVariable(GatewayConnection.AllowInsecureVariable) is "1" or "true";
            if (command.NeedsGateway && FleetProfiler.Protocol.GatewayTls.PlaintextRefusal(new Uri(url), allowInsecure, $"--allow-insecure (or {GatewayConnection.AllowInsecureVariable}=1)") is { } plaintext)
                throw new UsageException(plaintext);
            var ca = options.Value("--ca-file") ?? console.GetEnvironmentVariable(GatewayConnection.CaFileVariable);
            using var gateway = new GatewayConnection(url, timeout, key, string.IsNullOrEmpty(ca) ? null : ca);
            return await command.RunAsync(new CommandContext(console, gateway, console.Time.GetUtcNow(), cancellation), options);
        }
        catch (UsageException e)
        {
            return await FailAsync(console, ExitCodes.Usage, $"{e.Message} (see 'fleetprofiler {command.Name} --help')");
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && cancellation.IsCancellationRequested)
        {
            return await FailAsync(console, ExitCodes.Interrupted, "cancelled");
        }
        catch (RpcException e)
        {
            var (code, message) = GatewayErrors.Describe(e, url, timeout);
            return await FailAsync(console, code, message);
        }
        catch (CommandFailedException e)
        {
            return await FailAsync(console, e.ExitCode, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return await FailAsync(console, ExitCodes.Failed, $"{e.Message} (gateway {url})");
        }
    }

    private static async Task<int> FailAsync(ToolConsole console, int exitCode, string message)
    {
        await console.Error.WriteLineAsync("fleetprofiler: " + message);
        return exitCode;
    }
}
