using FleetProfiler.Testing;

namespace FleetProfiler.Agent.Benchmarks.Targets;

/// <summary>The demo service (build output) as a benchmark target, with the EventPipe sampling rate under test.</summary>
public static class BenchmarkDemo
{
    /// <param name="samplingRateMs">
    /// <c>DOTNET_EventPipeThreadSamplingRate</c> for the target (milliseconds; read once at runtime start); null = the
    /// runtime default (1 ms on .NET 10).
    /// </param>
    /// <param name="load">The demo's built-in load loops (<c>--load</c>); 0 = none.</param>
    /// <param name="extraEnvironment">More variables for the demo (a private TMPDIR, say).</param>
    public static async Task<DemoProcess> StartAsync(int? samplingRateMs, int load, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var environment = new Dictionary<string, string>(extraEnvironment ?? new Dictionary<string, string>());
        if (samplingRateMs is { } rate)
        {
            // The runtime parses DOTNET_* numbers as hexadecimal: 10 ms is "A".
            environment["DOTNET_EventPipeThreadSamplingRate"] = rate.ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        }
        var demo = await DemoService.StartAsync(new DemoOptions { Load = load, LoadSeconds = null, Service = "demo", Environment = environment });
        Log.Info($"demo pid {demo.Pid} on {demo.BaseAddress} (sampling rate {(samplingRateMs is { } r ? $"{r} ms via DOTNET_EventPipeThreadSamplingRate" : "runtime default")}, built-in load {load})");
        return demo;
    }
}
