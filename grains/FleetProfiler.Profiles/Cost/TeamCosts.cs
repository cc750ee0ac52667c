namespace FleetProfiler.Profiles.Cost;

/// <summary>
/// The classic roll-up: a team's endpoints, their total cost and the average cost per endpoint. Pseudo rows
/// (<see cref="CostSplit.IsPseudoRow"/>) belong to no team and stay out.
/// Endpoints with no cost in the range still count (an endpoint that served nothing averages the team down,
/// as it does in the method people use by hand).
/// </summary>
public static class TeamCosts
{
    /// <summary>One row per team, most expensive first; <paramref name="ownerOf"/> gives an endpoint's team.</summary>
    public static IReadOnlyList<TeamCost> Of(CostTable table, IEnumerable<string> endpoints, Func<string, string> ownerOf)
    {
        ArgumentNullException.ThrowIfNull(ownerOf);
        return endpoints
            .Where(e => !CostSplit.IsPseudoRow(e))
            .Distinct(StringComparer.Ordinal)
            .GroupBy(ownerOf, StringComparer.Ordinal)
            .Select(g =>
            {
                var names = g.OrderBy(e => e, StringComparer.Ordinal).ToList();
                var total = names.Sum(e => table.Usd.GetValueOrDefault(e));
                return new TeamCost(g.Key, names, total, total / names.Count);
            })
            .OrderByDescending(t => t.TotalUsd).ThenBy(t => t.Team, StringComparer.Ordinal)
            .ToList();
    }
}

/// <summary>A team's endpoints, their total cost and the average per endpoint, in USD.</summary>
public sealed record TeamCost(string Team, IReadOnlyList<string> Endpoints, decimal TotalUsd, decimal AverageUsd);
