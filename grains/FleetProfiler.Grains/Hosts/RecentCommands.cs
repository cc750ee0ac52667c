using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;

namespace FleetProfiler.Grains.Hosts;

/// <summary>
/// A host's recent commands, oldest first, bounded: adding one past the cap drops the oldest (whatever its state: a
/// command nobody answered in 50 newer ones will not be). The first answer moves a sent command to accepted or refused
/// once; the end of a one-shot run moves a sent or accepted one to done or failed once.
/// </summary>
public sealed class RecentCommands(List<CommandRecord> records, int cap = HostCommand.MaxKept)
{
    /// <summary>Adds a command, dropping the oldest ones past the cap.</summary>
    public void Add(AgentCommand command, DateTimeOffset at, CommandOutcome outcome, string message)
    {
        records.Add(new CommandRecord
        {
            Id = command.Id,
            Action = command.Action,
            Kind = command.Kind,
            ProcessId = command.ProcessId,
            Seconds = command.Seconds,
            RequestedBy = command.RequestedBy,
            SentAt = at,
            Outcome = outcome,
            Message = Truncate(message),
            AnsweredAt = outcome == CommandOutcome.Sent ? null : at,
        });
        if (records.Count > cap) records.RemoveRange(0, records.Count - cap);
    }

    /// <summary>
    /// Records the agent's answer (<paramref name="finished"/>: the end of the run it accepted; a lost first answer is
    /// implied). Unknown: the id is not kept here. Ignored: the state it would move from is past (the first answer
    /// stands; a refused, offline or ended command stays so). Recorded: it changed state.
    /// </summary>
    public AnswerResult Answer(string id, bool accepted, string message, DateTimeOffset at, bool finished = false)
    {
        var record = records.FindLast(r => r.Id == id);
        if (record is null) return AnswerResult.Unknown;
        CommandOutcome[] from = finished ? [CommandOutcome.Sent, CommandOutcome.Accepted] : [CommandOutcome.Sent];
        if (!from.Contains(record.Outcome)) return AnswerResult.Ignored;
        record.Outcome = (finished, accepted) switch
        {
            (false, true) => CommandOutcome.Accepted,
            (false, false) => CommandOutcome.Refused,
            (true, true) => CommandOutcome.Done,
            (true, false) => CommandOutcome.Failed,
        };
        record.Message = Truncate(message);
        record.AnsweredAt = at;
        return AnswerResult.Recorded;
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<HostCommand> Newest() =>
    [
        .. Enumerable.Reverse(records).Select(r => new HostCommand(
            new AgentCommand(r.Id, r.Action, r.Kind, r.ProcessId, r.Seconds, r.RequestedBy), r.SentAt, r.Outcome, r.Message, r.AnsweredAt)),
    ];

    private static string Truncate(string message) =>
        message.Length <= HostCommand.MaxMessage ? message : message[..(HostCommand.MaxMessage - 1)] + "…";
}

/// <summary>What <see cref="RecentCommands.Answer"/> did.</summary>
public enum AnswerResult
{
    Unknown,
    Ignored,
    Recorded,
}

/// <summary>One kept command. Stored as JSON in the host's state: keep member names stable.</summary>
[GenerateSerializer]
public sealed class CommandRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public AgentCommandAction Action { get; set; }
    [Id(2)] public string Kind { get; set; } = "";
    [Id(3)] public int ProcessId { get; set; }
    [Id(4)] public int Seconds { get; set; }
    [Id(5)] public string RequestedBy { get; set; } = "";
    [Id(6)] public DateTimeOffset SentAt { get; set; }
    [Id(7)] public CommandOutcome Outcome { get; set; }
    [Id(8)] public string Message { get; set; } = "";
    [Id(9)] public DateTimeOffset? AnsweredAt { get; set; }
}
