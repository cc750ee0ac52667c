using FleetProfiler.Agent.Spool;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Spool;

public sealed class BatchBuilderTests
{
    private static readonly Frame Main = F("App!Program.Main(class System.String[])", "/src/Program.cs", 10);
    private static readonly Frame Handle = F("App!Orders.Handle()", "/src/Orders.cs", 42);
    private static readonly Frame Sieve = F("App!PrimeSieve.IsPrime(int32)", "/src/PrimeSieve.cs", 23);
    private static readonly Frame Native = F("libcoreclr!0x7f12a0");

    [Fact]
    public void Interning_stores_each_string_function_location_and_stack_once()
    {
        var window = Window(
        [
            new StackSample([Main, Handle, Sieve], new SampleValues(5, 7, 0, 0)),
            new StackSample([Main, Handle], new SampleValues(1, 3, 0, 0)),
            new StackSample([Main, Handle, Native], new SampleValues(0, 2, 0, 0)),
            new StackSample([Main, Handle, Sieve], new SampleValues(0, 0, 4096, 3), "System.Double[]"),
            new StackSample([Main, F("App!Orders.Handle()", "/src/Orders.cs", 43)], new SampleValues(2, 2, 0, 0)),
        ], ProfileKinds.Cpu | ProfileKinds.Wall | ProfileKinds.Alloc);

        var batch = BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults);

        AssertWellFormed(batch);
        Assert.Equal(batch.Strings.Count, batch.Strings.Distinct().Count());
        Assert.Equal(batch.Functions.Count, batch.Functions.Select(f => (f.Name, f.File)).Distinct().Count());
        Assert.Equal(batch.Locations.Count, batch.Locations.Select(l => (l.Function, l.Line)).Distinct().Count());
        Assert.Equal(batch.Stacks.Count, batch.Stacks.Select(s => string.Join(",", s.Locations)).Distinct().Count());
        // Main, Handle, IsPrime, the native frame: 4 functions; Handle has two lines, so 5 locations.
        Assert.Equal(4, batch.Functions.Count);
        Assert.Equal(5, batch.Locations.Count);
        // The cpu and the alloc sample of the same stack share the stack but stay separate samples.
        Assert.Equal(4, batch.Stacks.Count);
        Assert.Equal(5, batch.Samples.Count);
        Assert.Equal(0u, batch.Functions.Single(f => batch.Strings[(int)f.Name] == Native.Function).File);
    }

    [Fact]
    public void Stacks_are_root_first_and_samples_keep_their_values_and_allocated_type()
    {
        var window = Window(
        [
            new StackSample([Main, Handle, Sieve], new SampleValues(5, 7, 0, 0)),
            new StackSample([Main, Handle, Sieve], new SampleValues(0, 0, 4096, 3), "FleetProfiler.Demo.DemoRow"),
        ], ProfileKinds.Cpu | ProfileKinds.Alloc);

        var decoded = Decode(BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults));

        var stack = "App!Program.Main(class System.String[])@/src/Program.cs:10;App!Orders.Handle()@/src/Orders.cs:42;App!PrimeSieve.IsPrime(int32)@/src/PrimeSieve.cs:23";
        Assert.Contains((stack, (string?)null, 5L, 7L, 0L, 0L), decoded);
        Assert.Contains((stack, (string?)"FleetProfiler.Demo.DemoRow", 0L, 0L, 4096L, 3L), decoded);
    }

    [Fact]
    public void Header_carries_the_window_and_leaves_sequence_and_labels_to_later()
    {
        var batch = BatchBuilder.FromWindow(Large(2), "host-1", BatchLimits.ProtocolDefaults);

        Assert.Equal("orders", batch.Service);
        Assert.Equal("host-1", batch.Host);
        Assert.Equal(4242, batch.Pid);
        Assert.Equal("Orders.Api", batch.ProcessName);
        Assert.Equal(Start, batch.WindowStart.ToDateTime());
        Assert.Equal(Start.AddSeconds(10), batch.WindowEnd.ToDateTime());
        Assert.Equal(["cpu", "wall"], batch.Kinds);
        Assert.Equal(1.25, batch.SamplingIntervalMs, 6);
        Assert.Equal("10.0.12", batch.RuntimeVersion);
        Assert.Equal(0ul, batch.Sequence);
        Assert.Equal(0u, batch.DroppedWindows);
        Assert.All(batch.Samples, s => Assert.Empty(s.Labels));
    }

    [Fact]
    public void A_window_without_thread_samples_reports_interval_zero()
    {
        var window = Window([], ProfileKinds.Alloc) with { SamplingInterval = null };

        var batch = BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults);

        Assert.Equal(0, batch.SamplingIntervalMs);
        Assert.Equal([""], batch.Strings);
        AssertWellFormed(batch);
    }

    [Fact]
    public void Over_long_names_are_cut_and_over_deep_stacks_keep_their_leaf_frames()
    {
        var limits = BatchLimits.ProtocolDefaults with { MaxStringLength = 40, MaxFramesPerStack = 8 };
        var deep = Enumerable.Range(0, 30).Select(i => F($"App!Recursive.Walk{i}()")).Append(F("App!" + new string('x', 100))).ToList();

        var batch = BatchBuilder.FromWindow(Window([new StackSample(deep, new SampleValues(1, 1, 0, 0))]), "host-1", limits);

        Assert.Null(BatchSplitter.Violation(batch, limits));
        var frames = Decode(batch).Single().Stack.Split(';');
        Assert.Equal(8, frames.Length);
        Assert.StartsWith("[truncated 24 frames]", frames[0]);
        Assert.StartsWith("App!Recursive.Walk24()", frames[1]);
        Assert.Equal(40, frames[^1].Split('@')[0].Length);
        Assert.EndsWith(BatchTables.Ellipsis, frames[^1].Split('@')[0]);
    }

    [Fact]
    public void Endpoints_become_the_endpoint_label_and_the_attribution_travels_with_the_batch_and_its_split_parts()
    {
        var window = Window(
        [
            new StackSample([Main, Handle, Sieve], new SampleValues(5, 7, 0, 0), Endpoint: "GET /items/{id}"),
            new StackSample([Main, Handle, Sieve], new SampleValues(1, 1, 0, 0), Endpoint: "[not in a request]"),
            new StackSample([Main, Handle], new SampleValues(0, 0, 4096, 3), "System.Double[]", "GET /items/{id}"),
        ]) with
        {
            Attribution = new FleetProfiler.Agent.Attribution.WindowAttribution("timeline", 12, 9, 4, 1, ""),
        };

        var batch = BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults);

        AssertWellFormed(batch);
        Assert.Equal(3, batch.Samples.Count);
        Assert.All(batch.Samples, s => Assert.Equal("endpoint", batch.Strings[(int)Assert.Single(s.Labels).Key]));
        Assert.Equal(["GET /items/{id}", "[not in a request]", "GET /items/{id}"],
            batch.Samples.Select(s => batch.Strings[(int)s.Labels[0].Value]));
        Assert.Equal(new FleetProfiler.Protocol.V1.Attribution { Method = "timeline", Requests = 12, SamplesInRequests = 9, SamplesNotInRequest = 4, RequestsWithoutRoute = 1 },
            batch.Attribution);

        // Split one sample per part: every part keeps the labels and the window's attribution.
        var parts = BatchSplitter.Split(batch, BatchLimits.ProtocolDefaults with { MaxSamples = 1 }).Parts;
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.Equal(batch.Attribution, p.Attribution));
        Assert.Equal(["GET /items/{id}", "[not in a request]", "GET /items/{id}"],
            parts.Select(p => p.Strings[(int)p.Samples.Single().Labels.Single().Value]));
    }

    [Fact]
    public void A_window_without_attribution_has_no_labels_and_no_attribution()
    {
        var batch = BatchBuilder.FromWindow(Window([new StackSample([Main], new SampleValues(1, 1, 0, 0))]), "host-1", BatchLimits.ProtocolDefaults);
        Assert.Null(batch.Attribution);
        Assert.Empty(batch.Samples.Single().Labels);
    }
}
