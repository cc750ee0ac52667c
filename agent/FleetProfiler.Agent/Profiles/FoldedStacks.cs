namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// Brendan Gregg's collapsed format: <c>root;caller;leaf value</c>, one stack per line, biggest first.
/// Allocation stacks end with the pseudo-frame <c>[alloc] TypeName</c>.
/// </summary>
public static class FoldedStacks
{
    public static IReadOnlyList<string> Render(ProfileWindow window, ProfileKinds kind)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sample in window.Samples)
        {
            var value = sample.Values.For(kind);
            if (value <= 0)
            {
                continue;
            }

            var frames = sample.Frames.Select(f => f.ToFoldedText());
            if (kind == ProfileKinds.Alloc && sample.AllocatedType is not null)
            {
                frames = frames.Append((ProfileFrame.AllocatedTypePrefix + sample.AllocatedType).Replace(';', ','));
            }

            var key = string.Join(';', frames);
            totals[key] = totals.GetValueOrDefault(key) + value;
        }

        return totals
            .OrderByDescending(t => t.Value)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key} {t.Value}")
            .ToList();
    }
}
