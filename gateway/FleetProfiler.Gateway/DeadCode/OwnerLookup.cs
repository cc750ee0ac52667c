using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles.Ownership;

namespace FleetProfiler.Gateway.DeadCode;

/// <summary>
/// Owners of files from the CODEOWNERS the services keep (one per service, set with <c>owners set</c>): a file's
/// owners come from the first of its services (ordinal order) that has a CODEOWNERS file. Parsed once per query.
/// </summary>
public sealed class OwnerLookup(IGrainFactory grains)
{
    private readonly Dictionary<string, CodeOwners?> _byService = new(StringComparer.Ordinal);

    public async Task<(IReadOnlyList<string> Owners, string Service)> OwnersAsync(string path, IEnumerable<string> services)
    {
        foreach (var service in services.Order(StringComparer.Ordinal))
        {
            if (!_byService.TryGetValue(service, out var owners))
            {
                var file = await grains.GetGrain<IServiceGrain>(service).GetCodeOwnersAsync();
                _byService[service] = owners = file is null ? null : CodeOwners.Parse(file.Content);
            }
            if (owners is null) continue;
            return (owners.RuleFor(path)?.Owners ?? [], service);
        }
        return ([], "");
    }
}
