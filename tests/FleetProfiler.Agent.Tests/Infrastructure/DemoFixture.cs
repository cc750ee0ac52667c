namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>
/// One demo service for the tests that only profile it, run with <see cref="DemoService.NoInlining"/> so that
/// attribution assertions are exact rather than statistical.
/// </summary>
public sealed class DemoFixture : IAsyncLifetime
{

    public DemoProcess Demo { get; private set; } = null!;

    public int Pid => Demo.Pid;

    public string Service => Demo.Service;

    public async Task InitializeAsync() => Demo = await DemoService.StartAsync(new DemoOptions { Load = 2, Environment = DemoService.NoInlining });

    public async Task DisposeAsync() => await Demo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DemoCollection : ICollectionFixture<DemoFixture>
{
    public const string Name = "demo service";
}
