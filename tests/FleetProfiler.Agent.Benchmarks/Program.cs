using FleetProfiler.Agent.Benchmarks.Benchmarks;
using FleetProfiler.Agent.Benchmarks.Infrastructure;

// Agent benchmarks: each starts the demo service (Release build output) on a free loopback port, profiles it with the
// agent's one-shot mode (and dotnet-trace for comparison), stops every process it started by PID and prints its
// headline figure on stdout's last line. Progress goes to stderr. See docs/benchmarks-agent.md.
const string Usage = """
    usage: dotnet run -c Release --project tests/FleetProfiler.Agent.Benchmarks -- <benchmark> [options]
      overhead  [--reps 5] [--seconds 5] [--clients 4] [--rates 1,10] [--path /cpu] [--dotnet-trace <path>]
                throughput of the demo's GET /cpu: no session vs agent cpu window vs dotnet-trace (same providers), per sampling rate (ms)
      cost      [--runs 3] [--seconds 10] [--load 4] [--kinds cpu,alloc] [--baseline-agent DLL] [--env K=V,...]
                agent CPU seconds and peak RSS per one-shot window on the demo under its built-in load
      cost --daemon [--kinds cpu,alloc,coverage] [--windows 5] [--warmup-windows 3] [--every 15] [--runs 3] [--seconds 10] [--load 4] [--agent DLL|EXE] [--baseline-agent DLL|EXE] [--env K=V,...]
                the same per window of the agent daemon on a schedule (CPU per window and between windows, VmHWM, VmRSS), against one-shot runs in the same run
      metrics   [--reps 6] [--seconds 5] [--clients 4] [--path /rare]
                throughput of a demo endpoint: no agent vs an agent whose only session is the request-metrics session
      metrics-cost [--pairs 8] [--seconds 2] [--clients 2] [--path /rare] [--collect-seconds 10] [--records 5000000] [--requests 200000] [--micro-reps 9] [--series 1000] [--spin]
                the request-metrics session's cost in target CPU: per request (paired on/off segments; in-process Histogram.Record) and per collection
      attribution [--reps 5] [--seconds 4] [--clients 4] [--path /work/beta]
                throughput of a test-service route: no session vs cpu window with attribution off vs on (fresh target per rep), and the accuracy
      coverage  [--runs 8]
                CPU and request pause one coverage run (agent --once --kind coverage) costs the idle demo
      coverlet  [--reps 4] [--seconds 6] [--clients 4] [--rounds 2000] [--per-hour 1] [--cost-runs 4] [--report PATH]
                throughput of the dead-code test service: no session vs a coverage window vs coverlet SingleHit vs coverlet default; cost per hour of coverage
      inuse     [--reps 5] [--seconds 5] [--clients 4] [--path /alloc]
                throughput of an allocating demo endpoint: no session vs an agent alloc window vs an agent inuse window
      idle      [--intervals 3] [--seconds 30] [--warmup 15] [--load 1] [--agent DLL|EXE] [--baseline-agent DLL|EXE]
                CPU share and RSS of the idle agent daemon: one target, the request-metrics session, no trigger
      heap      [--sizes 100,300] [--reps 3] [--dotnet-gcdump <path>]
                pause of a heap snapshot per 100 MB of live heap: agent --once --kind heap vs dotnet-gcdump collect on the same target
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}
try
{
    var options = new CommandLineOptions(args.Skip(1));
    Log.Result($"# {args[0]} benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, runtime {Environment.Version}, {Repo.Configuration} build, load average {File.ReadAllText("/proc/loadavg").Trim()}");
    switch (args[0])
    {
        case "overhead":
            {
                var settings = OverheadSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await OverheadBenchmark.RunAsync(settings));
                return 0;
            }
        case "metrics":
            {
                var settings = MetricsSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await MetricsBenchmark.RunAsync(settings));
                return 0;
            }
        case "metrics-cost":
            {
                var settings = MetricsCostSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await MetricsCostBenchmark.RunAsync(settings));
                return 0;
            }
        case "attribution":
            {
                var settings = AttributionSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await AttributionBenchmark.RunAsync(settings));
                return 0;
            }
        case "coverage":
            {
                var settings = CoverageSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await CoverageBenchmark.RunAsync(settings));
                return 0;
            }
        case "coverlet":
            {
                var settings = CoverletSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await CoverletBenchmark.RunAsync(settings));
                return 0;
            }
        case "inuse":
            {
                var settings = InuseSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await InuseBenchmark.RunAsync(settings));
                return 0;
            }
        case "heap":
            {
                var settings = HeapSnapshotSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await HeapSnapshotBenchmark.RunAsync(settings));
                return 0;
            }
        case "idle":
            {
                var settings = IdleSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await IdleBenchmark.RunAsync(settings));
                return 0;
            }
        case "cost":
            {
                var settings = CostSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await CostBenchmark.RunAsync(settings));
                return 0;
            }
        default:
            Console.Error.WriteLine($"unknown benchmark '{args[0]}'\n{Usage}");
            return 1;
    }
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or TimeoutException or HttpRequestException)
{
    Console.Error.WriteLine(e);
    Log.Result($"FAILED: {args[0]}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    return 2;
}
