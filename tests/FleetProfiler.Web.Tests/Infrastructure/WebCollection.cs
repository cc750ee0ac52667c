namespace FleetProfiler.Web.Tests.Infrastructure;

/// <summary>Every browser test shares one <see cref="WebPlatform"/> (starting it takes a minute); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebPlatform>
{
    public const string Name = "web";
}
