using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace FleetProfiler.Demo;

public sealed class LoadOptions
{
    /// <summary>Concurrent request loops; 0 disables the generator.</summary>
    public int Concurrency { get; set; }

    /// <summary>The generator stops by itself after this long.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Calls this service's own endpoints over loopback HTTP in a realistic mix:
/// mostly /cpu and /alloc, sometimes /async, rarely /rare.
/// </summary>
public sealed class LoadGenerator(
    IOptions<LoadOptions> options,
    IServer server,
    IHostApplicationLifetime lifetime,
    IHttpClientFactory clients,
    ILogger<LoadGenerator> logger) : BackgroundService
{
    public const string ClientName = "self-load";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var load = options.Value;
        if (load.Concurrency <= 0)
        {
            return;
        }

        await WaitForStartAsync(stoppingToken);
        var baseAddress = LoopbackAddress();
        logger.LogInformation("Load generator: {Concurrency} loops against {Address} for {Duration}", load.Concurrency, baseAddress, load.Duration);

        // Stop with the server (ApplicationStopping comes before Kestrel closes), not after it.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        deadline.CancelAfter(load.Duration);
        var loops = Enumerable.Range(0, load.Concurrency).Select(i => RunLoopAsync(baseAddress, i, deadline.Token));
        await Task.WhenAll(loops);
        logger.LogInformation("Load generator stopped");
    }

    private async Task RunLoopAsync(Uri baseAddress, int seed, CancellationToken ct)
    {
        var client = clients.CreateClient(ClientName);
        client.BaseAddress = baseAddress;
        var random = new Random(seed);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(PickPath(random), ct);
                await response.Content.ReadAsByteArrayAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException e)
            {
                logger.LogWarning("Load request failed: {Message}", e.Message);
                await Task.Delay(500, ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    internal static string PickPath(Random random) => random.Next(100) switch
    {
        < 45 => "/cpu",
        < 85 => "/alloc",
        < 99 => "/async",
        _ => "/rare",
    };

    private Task WaitForStartAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource();
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(ct);
    }

    private Uri LoopbackAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5000";
        var uri = new UriBuilder(address.Replace("*", "127.0.0.1").Replace("+", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1"));
        return uri.Uri;
    }
}
