using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Schedules;
using FleetProfiler.Grains.Hosts;

namespace FleetProfiler.Tests.Grains;

public sealed class RecentCommandsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static AgentCommand Command(string id, string by = "") => new(id, AgentCommandAction.Start, "cpu", 0, 30, by);

    [Fact]
    public void Past_the_cap_the_oldest_commands_are_dropped_whatever_their_state()
    {
        var records = new List<CommandRecord>();
        var commands = new RecentCommands(records, cap: 3);
        commands.Add(Command("a"), T0, CommandOutcome.Sent, "");
        commands.Add(Command("b"), T0.AddSeconds(1), CommandOutcome.Offline, "no agent connected for this host");
        commands.Add(Command("c"), T0.AddSeconds(2), CommandOutcome.Sent, "");
        commands.Add(Command("d"), T0.AddSeconds(3), CommandOutcome.Sent, "");
        commands.Add(Command("e"), T0.AddSeconds(4), CommandOutcome.Sent, "");

        Assert.Equal(["e", "d", "c"], commands.Newest().Select(c => c.Command.Id));
        Assert.Equal(3, records.Count);
        Assert.Equal(AnswerResult.Unknown, commands.Answer("a", true, "late", T0.AddSeconds(5)));
    }

    [Fact]
    public void The_default_cap_is_the_documented_fifty()
    {
        var commands = new RecentCommands([]);
        for (var i = 0; i < HostCommand.MaxKept + 7; i++) commands.Add(Command($"c{i}"), T0.AddSeconds(i), CommandOutcome.Sent, "");

        var kept = commands.Newest();
        Assert.Equal(50, kept.Count);
        Assert.Equal(($"c{HostCommand.MaxKept + 6}", "c7"), (kept[0].Command.Id, kept[^1].Command.Id));
    }

    [Fact]
    public void An_answer_moves_a_sent_command_once_and_the_first_answer_stands()
    {
        var commands = new RecentCommands([]);
        commands.Add(Command("a", by: "alice"), T0, CommandOutcome.Sent, "");
        commands.Add(Command("b"), T0, CommandOutcome.Sent, "");

        Assert.Equal(AnswerResult.Recorded, commands.Answer("a", false, "process 99 not found", T0.AddSeconds(2)));
        Assert.Equal(AnswerResult.Ignored, commands.Answer("a", true, "profiling cpu", T0.AddSeconds(3)));
        Assert.Equal(AnswerResult.Recorded, commands.Answer("b", true, "profiling cpu on pid 7 for 30 s", T0.AddSeconds(4)));

        var (b, a) = (commands.Newest()[0], commands.Newest()[1]);
        Assert.Equal((CommandOutcome.Refused, "process 99 not found", T0.AddSeconds(2), "alice"), (a.Outcome, a.Message, a.AnsweredAt, a.Command.RequestedBy));
        Assert.Equal((CommandOutcome.Accepted, "profiling cpu on pid 7 for 30 s", T0.AddSeconds(4)), (b.Outcome, b.Message, b.AnsweredAt));
        Assert.Equal(T0, a.SentAt);
    }

    [Fact]
    public void The_end_of_a_one_shot_run_moves_an_accepted_command_to_done_or_failed_once()
    {
        var commands = new RecentCommands([]);
        commands.Add(Command("ok"), T0, CommandOutcome.Sent, "");
        commands.Add(Command("over"), T0, CommandOutcome.Sent, "");
        commands.Answer("ok", true, "heap snapshot of pid 7", T0.AddSeconds(1));
        commands.Answer("over", true, "heap snapshot of pid 8", T0.AddSeconds(1));

        Assert.Equal(AnswerResult.Recorded, commands.Answer("ok", true, "heap snapshot: 1 batch spooled", T0.AddSeconds(3), finished: true));
        Assert.Equal(AnswerResult.Recorded, commands.Answer("over", false, "its GC heap is 41 MB, over the ceiling", T0.AddSeconds(4), finished: true));
        Assert.Equal(AnswerResult.Ignored, commands.Answer("ok", false, "a second end", T0.AddSeconds(5), finished: true));

        var (over, ok) = (commands.Newest()[0], commands.Newest()[1]);
        Assert.Equal((CommandOutcome.Done, "heap snapshot: 1 batch spooled", (DateTimeOffset?)T0.AddSeconds(3)), (ok.Outcome, ok.Message, ok.AnsweredAt));
        Assert.Equal((CommandOutcome.Failed, "its GC heap is 41 MB, over the ceiling"), (over.Outcome, over.Message));
    }

    [Fact]
    public void An_end_whose_first_answer_was_lost_still_counts_but_a_refused_command_stays_refused()
    {
        var commands = new RecentCommands([]);
        commands.Add(Command("lost"), T0, CommandOutcome.Sent, "");
        commands.Add(Command("no"), T0, CommandOutcome.Sent, "");
        commands.Answer("no", false, "a heap snapshot of pid 7 is already under way", T0);

        Assert.Equal(AnswerResult.Recorded, commands.Answer("lost", true, "heap snapshot: 1 batch spooled", T0, finished: true));
        Assert.Equal(AnswerResult.Ignored, commands.Answer("no", false, "heap snapshot: 0 batches spooled", T0, finished: true));
        Assert.Equal(AnswerResult.Ignored, commands.Answer("lost", true, "a late first answer", T0));

        Assert.Equal([CommandOutcome.Refused, CommandOutcome.Done], commands.Newest().Select(c => c.Outcome));
    }

    [Fact]
    public void An_offline_command_is_answered_when_added_and_a_later_answer_changes_nothing()
    {
        var commands = new RecentCommands([]);
        commands.Add(Command("a"), T0, CommandOutcome.Offline, "no agent connected for this host");

        Assert.Equal(AnswerResult.Ignored, commands.Answer("a", true, "profiling", T0.AddSeconds(1)));
        var a = Assert.Single(commands.Newest());
        Assert.Equal((CommandOutcome.Offline, "no agent connected for this host", (DateTimeOffset?)T0), (a.Outcome, a.Message, a.AnsweredAt));
    }

    [Fact]
    public void A_long_agent_message_is_cut_to_the_documented_length()
    {
        var commands = new RecentCommands([]);
        commands.Add(Command("a"), T0, CommandOutcome.Sent, "");
        commands.Answer("a", false, new string('x', 1000), T0);

        var message = commands.Newest()[0].Message;
        Assert.Equal(HostCommand.MaxMessage, message.Length);
        Assert.EndsWith("…", message);
    }
}
