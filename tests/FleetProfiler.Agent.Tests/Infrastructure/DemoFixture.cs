namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>
/// One demo service for the tests that only profile it, with two runtime settings that make attribution assertions
/// exact rather than statistical: <c>DOTNET_JitNoInline=1</c>, because in a Release build the JIT inlines PrimeSieve
/// into its caller and inlined methods have no frame of their own in any stack walk (EventPipe's included); and
/// <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c>, because on a machine as busy as a CI box idle pool threads
/// spin in <c>Thread.Yield</c> long enough to rival the hot method in a cpu profile (real CPU, but not the demo's work).
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> NoInlining = new Dictionary<string, string>
    {
        ["DOTNET_JitNoInline"] = "1",
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };

    public DemoProcess Demo { get; private set; } = null!;

    public int Pid => Demo.Pid;

    public string Service => Demo.Service;

    public async Task InitializeAsync() => Demo = await DemoService.StartAsync(load: 2, environment: NoInlining);

    public async Task DisposeAsync() => await Demo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DemoCollection : ICollectionFixture<DemoFixture>
{
    public const string Name = "demo service";
}
