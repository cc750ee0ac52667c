using System.Globalization;
using FleetProfiler.Agent.Discovery;
using FleetProfiler.Agent.Spool;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The service version an agent reads from a process without code changes in it (OTEL_RESOURCE_ATTRIBUTES
/// service.version, else the main assembly's informational version) and sends with every window; and, through the real
/// platform, two processes of one service running different versions told apart by a version diff.
/// </summary>
public sealed class ServiceVersionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("service.version=2.0.0", "2.0.0")]
    [InlineData("deployment.environment=prod, service.version = 1.4.2-rc.1 ,team=orders", "1.4.2-rc.1")]
    [InlineData("service.version=1.0%2Bbuild%207", "1.0+build 7")]
    [InlineData("service.name=orders,service.versionx=9", null)]
    [InlineData("service.version=", null)]
    [InlineData("", null)]
    public void The_resource_attribute_service_version_is_read_from_the_otel_list(string attributes, string? expected) =>
        Assert.Equal(expected, ServiceVersionReader.FromResourceAttributes(attributes));

    [Fact]
    public void An_assembly_s_informational_version_is_read_from_its_metadata_as_the_sdk_wrote_it()
    {
        // The SDK writes -p:Version (with the source revision) into AssemblyInformationalVersion and the product version
        // resource alike: the resource is the independent record of the same value.
        var dll = Repo.TestServiceDll;
        var expected = FileVersionInfo.GetVersionInfo(dll).ProductVersion;
        Assert.False(string.IsNullOrEmpty(expected));
        Assert.Equal(expected, ServiceVersionReader.FromAssembly(dll));
        Assert.Null(ServiceVersionReader.FromAssembly(_dir.Combine("missing.dll")));
    }

    [Fact]
    public void An_override_wins_over_the_assembly_and_an_impossible_version_is_dropped()
    {
        var environment = new Dictionary<string, string> { [ServiceVersionReader.ResourceAttributesVariable] = "service.version=3.1.4" };
        Assert.Equal("3.1.4", ServiceVersionReader.TryRead(Environment.ProcessId, environment, NullLogger.Instance));
        var tooLong = new Dictionary<string, string> { [ServiceVersionReader.ResourceAttributesVariable] = "service.version=" + new string('1', 129) };
        Assert.Null(ServiceVersionReader.TryRead(Environment.ProcessId, tooLong, NullLogger.Instance));
    }

    [Fact]
    public void A_window_s_service_version_travels_in_its_batch_and_in_every_part_of_a_split()
    {
        var window = Window([new StackSample([F("App!Program.Main()")], new SampleValues(1, 1, 0, 0))]) with { ServiceVersion = "1.2.3" };
        var batch = BatchBuilder.FromWindow(window, "host-1", BatchLimits.ProtocolDefaults);
        Assert.Equal("1.2.3", batch.ServiceVersion);
        Assert.Equal("1.2.3", BatchBuilder.CopyHeader(batch).ServiceVersion);
        Assert.Equal("", BatchBuilder.FromWindow(window with { ServiceVersion = null }, "host-1", BatchLimits.ProtocolDefaults).ServiceVersion);
    }

    [Fact]
    public async Task Two_processes_of_one_service_on_different_versions_are_listed_apart_and_diffed_by_version()
    {
        await using var platform = await PlatformFixture.StartAsync();
        var service = DemoService.ServicePrefix + "-versions";
        const string canary = "2.0.0-canary";
        var assemblyVersion = FileVersionInfo.GetVersionInfo(Repo.TestServiceDll).ProductVersion!;
        await using var stable = await TestService.StartAsync("stable", service);
        await using var next = await TestService.StartAsync("canary", service,
            new Dictionary<string, string> { [ServiceVersionReader.ResourceAttributesVariable] = $"deployment.environment=test,service.version={canary}" });
        await using var agent = await AgentDaemon.StartAsync(_dir.Combine("spool"), platform.GrpcUrl, new Dictionary<string, string>
        {
            ["AgentId"] = PlatformFixture.AgentA.AgentId,
            ["Host"] = PlatformFixture.AgentA.Host,
            ["Token"] = PlatformFixture.AgentA.Token,
            ["Pids:0"] = stable.Process.Pid.ToString(CultureInfo.InvariantCulture),
            ["Pids:1"] = next.Process.Pid.ToString(CultureInfo.InvariantCulture),
            ["Schedules:0:Kind"] = "cpu",
            ["Schedules:0:Seconds"] = "1",
            ["Schedules:0:Every"] = "00:00:02",
            ["HostSampling"] = "1",
        });

        var query = new Query.QueryClient(platform.Channel);
        var versions = await Eventually.Until(async () =>
        {
            try
            {
                return await query.ListVersionsAsync(new ListVersionsRequest { Service = service });
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                return new ListVersionsReply();
            }
        }, r => r.Versions.Count == 2, TestTimeouts.Convergence, $"windows of both processes stored with their versions. Agent output:\n{agent.Output}");
        Assert.Equal([assemblyVersion, canary], versions.Versions.Select(v => v.Version).Order(StringComparer.Ordinal));
        Assert.Equal(0, versions.UnversionedWindows);
        Assert.All(versions.Versions, v => Assert.Equal(1, v.Hosts));

        var from = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-10));
        var to = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(1));
        GetProfileRequest Profile(string version) => new() { Selector = new Selector { Service = service, Version = version }, From = from, To = to, Kind = "wall", Format = "folded" };
        var stableWindows = (await query.GetProfileAsync(Profile(assemblyVersion))).Windows;
        var canaryWindows = (await query.GetProfileAsync(Profile(canary))).Windows;
        var all = await query.GetProfileAsync(new GetProfileRequest { Selector = new Selector { Service = service }, From = from, To = to, Kind = "wall", Format = "folded" });
        // Each version reads its own process's windows; together (read in a later snapshot) at most every window.
        Assert.True(stableWindows > 0 && canaryWindows > 0, $"{stableWindows} and {canaryWindows} windows");
        Assert.True(all.Windows >= stableWindows + canaryWindows, $"{all.Windows} windows in all, {stableWindows} + {canaryWindows} by version");
        var diff = await query.DiffAsync(new DiffRequest
        {
            SelectorA = new Selector { Service = service, Version = assemblyVersion },
            FromA = from,
            ToA = to,
            SelectorB = new Selector { Service = service, Version = canary },
            FromB = from,
            ToB = to,
            Kind = "wall",
            Format = "tree",
        });
        Assert.True(diff.Windows >= stableWindows + canaryWindows);
        Assert.Empty(agent.Lines("rejected"));
    }
}
