using Xunit.Abstractions;
using Xunit.Sdk;

namespace FleetProfiler.Web.Tests.Benchmarks;

/// <summary>
/// A benchmark: figures depend on the machine, so the suite does not time them. Without FLEETPROFILER_BENCHMARKS=1 it is
/// not discovered at all (rather than reported as skipped); with it, it runs as a plain fact.
/// </summary>
[XunitTestCaseDiscoverer("FleetProfiler.Web.Tests.Benchmarks.BenchmarkFactDiscoverer", "FleetProfiler.Web.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BenchmarkFactAttribute : FactAttribute;

public sealed class BenchmarkFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    private readonly FactDiscoverer _fact = new(diagnostics);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        Environment.GetEnvironmentVariable("FLEETPROFILER_BENCHMARKS") == "1" ? _fact.Discover(discoveryOptions, testMethod, factAttribute) : [];
}
