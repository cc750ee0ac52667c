namespace FleetProfiler.Gateway.Web.Insights;

/// <summary>
/// What one panel of a page got: its data, or why there is none in words a reader acts on ("no allocation windows of
/// demo-api in the last hour") instead of an empty table or zeros.
/// </summary>
public sealed record Answer<T>(T? Data, string? Missing) where T : class
{
    public bool HasData => Data is not null;
}

public static class Answer
{
    /// <summary>
    /// Runs <paramref name="load"/>; a NOT_FOUND (no data in the range) or FAILED_PRECONDITION becomes
    /// <paramref name="missing"/> with the service's own reason, and <paramref name="empty"/> turns data that holds
    /// nothing into a reason too. Other failures stay failures (a broken query is not "no data").
    /// </summary>
    public static async Task<Answer<T>> Of<T>(Func<Task<T>> load, string missing, Func<T, bool>? empty = null) where T : class
    {
        try
        {
            var data = await load();
            return empty is not null && empty(data) ? new Answer<T>(null, missing) : new Answer<T>(data, null);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            return new Answer<T>(null, $"{missing} ({e.Status.Detail.TrimEnd('.', '\n')}).");
        }
    }
}
