using System.Net;
using System.Net.Sockets;
using FleetProfiler.Agent.Benchmarks.Infrastructure;

namespace FleetProfiler.Agent.Benchmarks.Targets;

/// <summary>The demo service (Release build output) on a free loopback port.</summary>
public sealed class DemoService : IAsyncDisposable
{
    private DemoService(ChildProcess process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
    }

    public ChildProcess Process { get; }

    public int Pid => Process.Pid;

    public Uri BaseAddress { get; }

    /// <param name="samplingRateMs">
    /// <c>DOTNET_EventPipeThreadSamplingRate</c> for the target (milliseconds; read once at runtime start); null = the
    /// runtime default (1 ms on .NET 10).
    /// </param>
    /// <param name="load">The demo's built-in load loops (<c>--load</c>); 0 = none.</param>
    public static async Task<DemoService> StartAsync(int? samplingRateMs, int load)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>();
        if (samplingRateMs is { } rate)
        {
            // The runtime parses DOTNET_* numbers as hexadecimal: 10 ms is "A".
            environment["DOTNET_EventPipeThreadSamplingRate"] = rate.ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        }
        var process = ChildProcess.Start("demo", Repo.DotnetHost,
            [Repo.DemoDll, "--urls", $"http://127.0.0.1:{port}", "--load", load.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            environment);
        var demo = new DemoService(process, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await demo.WaitUntilServingAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
        Log.Info($"demo pid {demo.Pid} on {demo.BaseAddress} (sampling rate {(samplingRateMs is { } r ? $"{r} ms via DOTNET_EventPipeThreadSamplingRate" : "runtime default")}, built-in load {load})");
        return demo;
    }

    private async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"the demo exited with code {Process.ExitCode}:\n{Process.StderrTail()}");
            }
            try
            {
                using var response = await client.GetAsync(BaseAddress);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the demo did not answer on {BaseAddress} within {timeout.TotalSeconds:F0} s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
