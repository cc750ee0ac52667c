using FleetProfiler.Agent.Attribution;
using FleetProfiler.Agent.Spool;
using FleetProfiler.Protocol;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Upload;

/// <summary>
/// The agent's batches are built in the order stream interning needs (docs/protocol.md, "Stream interning"), so they
/// are sent interned and the gateway expands them back into exactly the spooled batch.
/// </summary>
public sealed class StreamInterningTests
{
    private static readonly Frame Main = F("App!Program.Main(class System.String[])", "src/Program.cs", 10);
    private static readonly Frame Handle = F("App!Orders.Handle()", "src/Orders.cs", 42);
    private static readonly Frame Sieve = F("App!PrimeSieve.IsPrime(int32)", "src/PrimeSieve.cs", 23);

    private static ProfileWindow Attributed(int shift) => Window(
    [
        new StackSample([Main, Handle, Sieve], new SampleValues(5 + shift, 7, 0, 0), Endpoint: "GET /orders/{id}"),
        new StackSample([Main, Handle], new SampleValues(1, 3, 0, 0), Endpoint: "[not in a request]"),
        new StackSample([Main, Handle, F($"App!Orders.Step{shift}()", "src/Orders.cs", 50)], new SampleValues(0, 0, 4096, 3), "System.Double[]", "GET /orders/{id}"),
        new StackSample([Main, F("libcoreclr!0x7f12a0")], new SampleValues(0, 2, 0, 0), Endpoint: "POST /orders"),
    ], ProfileKinds.Cpu | ProfileKinds.Wall | ProfileKinds.Alloc) with
    {
        Attribution = new WindowAttribution("timeline", 3, 10, 2, 0, ""),
        OriginalPaths = new Dictionary<string, string> { ["src/Orders.cs"] = "/home/ci/work/src/Orders.cs" },
    };

    [Fact]
    public void Built_windows_are_interned_and_expand_to_the_spooled_batch()
    {
        var agent = new StreamInterner(BatchLimitDefaults.MaxDictionaryBytes);
        var gateway = new StreamDictionary(BatchLimitDefaults.MaxDictionaryBytes, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);
        var windows = new[] { Attributed(0), Attributed(1), Large(50), Large(60) };
        foreach (var window in windows)
        {
            var spooled = BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults);
            var wire = agent.Encode(spooled);

            Assert.NotNull(wire.Interning);
            Assert.Null(gateway.Expand(wire, out var expanded));
            Assert.Equal(spooled, expanded);
        }
        // The second attributed window sends only its one new function, location and stack.
        var second = new StreamInterner(BatchLimitDefaults.MaxDictionaryBytes);
        second.Encode(BatchBuilder.FromWindow(Attributed(0), "host-1", BatchLimits.ProtocolDefaults));
        var next = second.Encode(BatchBuilder.FromWindow(Attributed(1), "host-1", BatchLimits.ProtocolDefaults));
        Assert.Equal(["App!Orders.Step1()"], next.Strings);
        Assert.Single(next.Stacks);
    }

    [Fact]
    public void The_parts_of_a_split_window_are_interned_too()
    {
        var agent = new StreamInterner(BatchLimitDefaults.MaxDictionaryBytes);
        var gateway = new StreamDictionary(BatchLimitDefaults.MaxDictionaryBytes, BatchLimitDefaults.MaxStringLength, BatchLimitDefaults.MaxFramesPerStack);
        var whole = BatchBuilder.FromWindow(Attributed(0), "host-1", BatchLimits.ProtocolDefaults);
        var parts = new[] { BatchSplitter.Rebuild(whole, 0, 2, BatchLimits.ProtocolDefaults), BatchSplitter.Rebuild(whole, 2, 2, BatchLimits.ProtocolDefaults) };

        foreach (var part in parts)
        {
            var wire = agent.Encode(part);
            Assert.NotNull(wire.Interning);
            Assert.Null(gateway.Expand(wire, out var expanded));
            Assert.Equal(part, expanded);
        }
    }
}
