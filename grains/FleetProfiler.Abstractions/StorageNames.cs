namespace FleetProfiler.Abstractions;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>Grain state of hosts, services and the fleet directory.</summary>
    public const string Fleet = "fleet";
}
