using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Query;

/// <summary>A host grain's kept commands as the query API answers them.</summary>
public static class CommandRows
{
    public static CommandInfo ToProto(HostCommand c)
    {
        var info = new CommandInfo
        {
            Id = c.Command.Id,
            Action = c.Command.Action == AgentCommandAction.Stop ? "stop" : "start",
            Kind = c.Command.Kind,
            Pid = c.Command.ProcessId,
            Seconds = c.Command.Seconds,
            SentAt = Timestamp.FromDateTimeOffset(c.SentAt),
            RequestedBy = c.Command.RequestedBy,
            State = c.Outcome switch
            {
                CommandOutcome.Sent => CommandInfo.Types.State.Sent,
                CommandOutcome.Accepted => CommandInfo.Types.State.Accepted,
                CommandOutcome.Refused => CommandInfo.Types.State.Refused,
                CommandOutcome.Offline => CommandInfo.Types.State.Offline,
                CommandOutcome.Done => CommandInfo.Types.State.Done,
                CommandOutcome.Failed => CommandInfo.Types.State.Failed,
                _ => CommandInfo.Types.State.Unspecified,
            },
            Message = c.Message,
        };
        if (c.AnsweredAt is { } answered) info.AnsweredAt = Timestamp.FromDateTimeOffset(answered);
        return info;
    }
}
