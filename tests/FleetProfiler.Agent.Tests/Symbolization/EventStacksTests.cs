using System.Reflection;
using FleetProfiler.Agent.Discovery;
using FleetProfiler.Agent.Sessions;
using FleetProfiler.Agent.Symbolization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FleetProfiler.Agent.Tests.Symbolization;

/// <summary>
/// <see cref="EventStacks"/> reads TraceEvent's internal event record at the field's byte offset, found once from the
/// value reflection reads: on every event of a real window it must be the record reflection reads.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed class EventStacksTests(DemoFixture demo) : IDisposable
{
    private static readonly FieldInfo RecordField = typeof(TraceEvent).GetField("eventRecord", BindingFlags.Instance | BindingFlags.NonPublic)!;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_record_read_at_the_found_offset_is_the_fields_value_on_every_event_of_a_window()
    {
        var runtime = RuntimeVersionProbe.TryRead(demo.Pid);
        var plan = SessionPlan.For(ProfileKinds.Cpu | ProfileKinds.Wall | ProfileKinds.Alloc, runtime);
        var trace = await TraceRecorder.RecordAsync(demo.Pid, plan, TimeSpan.FromSeconds(2), _dir.Combine("window.nettrace"),
            new AgentOptions(), NullLogger.Instance, CancellationToken.None);

        using var source = new EventPipeEventSource(trace.Path);
        long events = 0, withStacks = 0, mismatches = 0;
        source.AllEvents += e =>
        {
            events++;
            if (!SameRecord(e))
            {
                mismatches++;
            }
            if (!EventStacks.Of(e).IsEmpty)
            {
                withStacks++;
            }
        };
        source.Process();

        Assert.True(EventStacks.Available);
        Assert.True(EventStacks.Offset >= 0, $"the field's offset was found (got {EventStacks.Offset})");
        Assert.True(withStacks > 1_000, $"{withStacks} of {events} events carry a stack");
        Assert.Equal(0, mismatches);
    }

    private static unsafe bool SameRecord(TraceEvent e) => EventStacks.RecordOf(e) == (byte*)Pointer.Unbox(RecordField.GetValue(e)!);
}
