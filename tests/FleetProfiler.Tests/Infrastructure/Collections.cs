namespace FleetProfiler.Tests.Infrastructure;

/// <summary>The tests that share one platform process (<see cref="PlatformFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
