using FleetProfiler.Benchmarks.Benchmarks;
using FleetProfiler.Benchmarks.Infrastructure;

// FleetProfiler benchmarks: each starts its own single-node silo, drives it over loopback gRPC, stops it by PID and
// prints its headline figure on stdout's last line. Progress goes to stderr. See docs/benchmarks.md.
const string Usage = """
    usage: dotnet run -c Release --project tests/FleetProfiler.Benchmarks -- <benchmark> [options]
      ingest  [--agents 2000] [--seconds 60] [--warmup 15] [--inflight 1] [--services 10] [--realtime] [--agents-per-connection 1]
              [--self-contained (agents send prebuilt self-contained bodies, no stream interning)] [--pool 32] [--sequences 16 (per service; 0 = one per agent)] [--prebuilt N] [--cap-kib 4096]
              [--silo-dll <a FleetProfiler.Silo.dll of another build, e.g. a baseline>]
      memory  (the ingest run, headline = silo VmRSS/VmHWM after it; same options)
      workload  (prints the synthetic window shape only; no silo)
      encoding  [--windows 32]  (the profile store's encodings of the query benchmark's windows, with the frame dictionary; no silo)
      interning  [--services 5] [--windows 30] [--cap-kib 8192]  (stream interning's wire size on the synthetic windows; no silo)
      chaos   [--agents 200] [--minutes 5] [--kill-every 30] [--gateway-kills 2] [--pg-outage 60] [--seed 20261129]  (3 silos + gateway on a PostgreSQL of its own)
      query   [--hosts 200] [--windows-per-host 10 (96 = the full day, ~20 min here)] [--days 1 (30: the 30-day query)] [--queries 20] [--budget-seconds 150] [--no-compact] [--compaction-timeout 300] [--min-share 0]
    every benchmark: [--silo-args "Key=Value;..."]  extra FleetProfiler: settings for the silo, e.g. Profiles:RollupPeriod=01:00:00
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}
try
{
    var options = new CommandLineOptions(args.Skip(1));
    Log.Result($"# {args[0]} benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {IngestBenchmark.LoadAverage()}, silo {Repo.SiloDll}");
    switch (args[0])
    {
        case "ingest":
        case "memory":
            {
                var settings = IngestSettings.Read(options);
                options.EnsureAllUsed();
                var result = await IngestBenchmark.RunAsync(settings);
                Log.Result(args[0] == "memory" ? IngestBenchmark.MemoryHeadline(result) : IngestBenchmark.Headline(result));
                return 0;
            }
        case "query":
            {
                var settings = QuerySettings.Read(options);
                options.EnsureAllUsed();
                Log.Result(await QueryBenchmark.RunAsync(settings));
                return 0;
            }
        case "workload":
            {
                // Prints the synthetic workload's shape only (no silo).
                var settings = IngestSettings.Read(options);
                options.EnsureAllUsed();
                Log.Result("workload: " + IngestBenchmark.BuildWorkload(settings.Services, settings.Variants).Summary);
                return 0;
            }
        case "encoding":
            {
                var windows = options.Int("windows", 32, min: 1);
                options.EnsureAllUsed();
                Log.Result(EncodingBenchmark.Run(windows));
                return 0;
            }
        case "interning":
            {
                var services = options.Int("services", 5, min: 1);
                var windows = options.Int("windows", 30, min: 2);
                var cap = options.Int("cap-kib", (int)(FleetProfiler.Protocol.BatchLimitDefaults.MaxDictionaryBytes / 1024), min: 1) * 1024L;
                options.EnsureAllUsed();
                Log.Result(InterningBenchmark.Run(services, windows, cap));
                return 0;
            }
        case "chaos":
            {
                var minutes = options.Double("minutes", 5);
                var killEvery = TimeSpan.FromSeconds(options.Int("kill-every", 30, min: 5));
                var chaos = new FleetProfiler.Testing.Chaos.ChaosOptions
                {
                    Agents = options.Int("agents", 200, min: 1),
                    Seed = options.Int("seed", 20261129),
                    KillEvery = killEvery,
                    SiloKills = Math.Max(1, (int)(TimeSpan.FromMinutes(minutes) / killEvery)),
                    GatewayKills = options.Int("gateway-kills", 2, min: 0),
                    PostgresOutage = TimeSpan.FromSeconds(options.Int("pg-outage", 60, min: 0)),
                    StepDeadline = TimeSpan.FromMinutes(10),
                    Log = Log.Info,
                };
                options.EnsureAllUsed();
                var report = await FleetProfiler.Testing.Chaos.ChaosRun.RunAsync(chaos);
                foreach (var m in report.Mismatches.Take(20)) Log.Info("mismatch: " + m);
                Log.Result($"chaos: {chaos.Agents} agents, {report.Summary}");
                return report.Lost == 0 && report.DoubleCounted == 0 && report.Mismatches.Count == 0 && report.Acked == report.Offered ? 0 : 3;
            }
        default:
            Console.Error.WriteLine($"unknown benchmark '{args[0]}'\n{Usage}");
            return 1;
    }
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or Grpc.Core.RpcException)
{
    Log.Result($"FAILED: {args[0]}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    Console.Error.WriteLine(e);
    return 2;
}
