using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Commands;

/// <summary><c>fleetprofiler commands</c>: a host's recent commands (triggers, scheduled runs) and what its agent answered.</summary>
public sealed class CommandsCommand : ToolCommand
{
    public override string Name => "commands";
    public override string Summary => "a host's recent commands (triggers, schedules) and its agent's answers";

    public override string Help => """
        Usage: fleetprofiler commands --service S --host H [--id ID]

        Prints a table, newest first: ID, SENT (UTC), BY (the API key's name, schedule), WHAT (kind, pid, seconds),
        STATE (sent = no answer yet, accepted, refused, offline = no agent was connected; a heap or coverage run
        then done or failed), MESSAGE (the agent's).
        The gateway keeps the last 50 commands of each host. With --id, that command only (exit 2 when not kept).

          --service S        the service (required)
          --host H           the host (required)
          --id ID            one command (the id trigger and heap take print)
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--service"), new("--host"), new("--id")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var (service, host, id) = (o.Required("--service"), o.Required("--host"), o.Value("--id"));
        var client = new Query.QueryClient(context.Gateway.Channel);
        IEnumerable<CommandInfo> commands = id is null
            ? (await client.ListCommandsAsync(new ListCommandsRequest { Service = service, Host = host }, context.Call())).Commands
            : [await client.GetCommandAsync(new GetCommandRequest { Service = service, Host = host, Id = id }, context.Call())];

        var table = new TextTable(("ID", false), ("SENT", false), ("BY", false), ("WHAT", false), ("STATE", false), ("MESSAGE", false));
        foreach (var c in commands)
        {
            table.Add(c.Id, c.SentAt is null ? "-" : Formatting.Time(c.SentAt.ToDateTimeOffset()), c.RequestedBy.Length == 0 ? "-" : c.RequestedBy,
                What(c), CommandOutcomes.State(c.State), c.Message.Length == 0 ? "-" : c.Message);
        }
        table.WriteTo(context.Console.Out);
        return ExitCodes.Ok;
    }

    private static string What(CommandInfo c) =>
        $"{c.Action} {c.Kind} {(c.Pid == 0 ? "every pid" : $"pid {c.Pid}")}{(c.Action == "start" && c.Kind is not "heap" and not "coverage" ? $" {c.Seconds} s" : "")}";
}
