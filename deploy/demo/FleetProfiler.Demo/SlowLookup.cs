namespace FleetProfiler.Demo;

/// <summary>Mostly waiting (wall time, little CPU): a stand-in for a remote call.</summary>
public static class SlowLookup
{
    public static async Task<int> FetchAsync(CancellationToken ct)
    {
        await Task.Delay(25, ct);
        var checksum = 0;
        for (var i = 0; i < 10_000; i++)
        {
            checksum = unchecked(checksum * 31 + i);
        }
        return checksum;
    }
}

/// <summary>Called about once in a hundred requests: should show up rarely, if at all.</summary>
public static class RareReport
{
    public static string Compute() => string.Join(",", Enumerable.Range(0, 100).Select(i => (i * i).ToString()));
}
