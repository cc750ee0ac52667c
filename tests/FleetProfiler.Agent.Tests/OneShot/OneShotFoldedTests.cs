using FleetProfiler.Profiles.Formats;

namespace FleetProfiler.Agent.Tests.OneShot;

/// <summary>What <c>--once</c> prints for a window: the shared folded writer, with file:line, biggest first.</summary>
public sealed class OneShotFoldedTests
{
    private static readonly FoldedOptions OneShot = new() { SourceLocations = true, LargestFirst = true };

    [Fact]
    public void A_window_prints_as_the_gateway_would_print_it_with_source_locations()
    {
        var main = TestWindows.F("App!Program.Main()", "src/Program.cs", 10);
        var window = TestWindows.Window(
        [
            new StackSample([main, TestWindows.F("App!Sieve.IsPrime(int32)", "src/Sieve.cs", 23)], new SampleValues(5, 6, 0, 0)),
            new StackSample([main, TestWindows.F("App!Report;Build()", "src/Report.cs", 7)], new SampleValues(0, 0, 4096, 2), "System.Double[]"),
            new StackSample([main, TestWindows.F("libcoreclr!0x7f12a0")], new SampleValues(9, 9, 0, 0)),
        ], ProfileKinds.Cpu | ProfileKinds.Alloc);

        Assert.Equal(
            "App!Program.Main() (src/Program.cs:10);libcoreclr!0x7f12a0 9\n" +
            "App!Program.Main() (src/Program.cs:10);App!Sieve.IsPrime(int32) (src/Sieve.cs:23) 5\n",
            FoldedFormat.Write(window.ToCallTree(), ProfileKind.Cpu, OneShot));
        // The allocated type is the leaf pseudo-frame; ';' inside a name becomes ':' as in the gateway's export.
        Assert.Equal(
            "App!Program.Main() (src/Program.cs:10);App!Report:Build() (src/Report.cs:7);[alloc] System.Double[] 4096\n",
            FoldedFormat.Write(window.ToCallTree(), ProfileKind.Alloc, OneShot));
    }
}
