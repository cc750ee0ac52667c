namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>The dead-code web service (after 40 requests of /work) and the worker, shared by the tests that only cover them.</summary>
public sealed class DeadCodeFixture : IAsyncLifetime
{
    public DeadCodeProcess Service { get; private set; } = null!;

    public DeadCodeProcess Worker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await DeadCodeTargets.StartServiceAsync();
        Worker = await DeadCodeTargets.StartWorkerAsync();
    }

    public async Task DisposeAsync()
    {
        await Service.DisposeAsync();
        await Worker.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DeadCodeCollection : ICollectionFixture<DeadCodeFixture>
{
    public const string Name = "dead-code targets";
}
