namespace FleetProfiler.Abstractions.Services;

/// <summary>A service's cost for one UTC month, as entered: USD and instance-hours (both rounded to hundredths).</summary>
[GenerateSerializer, Immutable]
public sealed record MonthlyCostEntry(
    [property: Id(0)] string Month,
    [property: Id(1)] decimal Usd,
    [property: Id(2)] decimal InstanceHours);

/// <summary>A service's CODEOWNERS file as stored, and when it was last replaced.</summary>
[GenerateSerializer, Immutable]
public sealed record CodeOwnersFile(
    [property: Id(0)] string Content,
    [property: Id(1)] DateTimeOffset UpdatedAt);
