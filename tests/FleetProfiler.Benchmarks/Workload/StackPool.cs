namespace FleetProfiler.Benchmarks.Workload;

/// <summary>A frame of a synthetic stack: a function of the pool and the line executing in it.</summary>
public readonly record struct PoolFrame(int Function, int Line);

/// <summary>A function as an agent symbolizes it: <c>Module!Namespace.Type.Method(args)</c> and its source file (or none).</summary>
public sealed record PoolFunction(string Name, string? File, int FirstLine);

/// <summary>
/// One service's code as a profiler sees it: a few thousand functions across framework and application modules and
/// a pool of distinct stacks (root first, depth 30–80) that share prefixes the way real call trees do (thread-pool,
/// Kestrel and timer roots, middleware chains, then the application's own frames). Deterministic per seed.
/// </summary>
public sealed class StackPool
{
    private static readonly string[] FrameworkModules =
    [
        "System.Private.CoreLib", "System.Net.Http", "System.Net.Sockets", "System.Text.Json", "System.Linq",
        "System.Collections.Concurrent", "Microsoft.AspNetCore.Server.Kestrel.Core", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Mvc.Core", "Microsoft.Extensions.DependencyInjection",
        "Microsoft.Extensions.Logging", "Microsoft.EntityFrameworkCore", "Microsoft.EntityFrameworkCore.Relational",
        "Npgsql", "StackExchange.Redis", "Grpc.Net.Client", "Polly.Core", "Google.Protobuf", "System.Security.Cryptography",
    ];

    private static readonly string[] Verbs = ["Get", "Set", "Read", "Write", "Handle", "Process", "Invoke", "Execute", "Build", "Parse",
        "Serialize", "Deserialize", "Validate", "Resolve", "Dispatch", "Apply", "Compute", "Load", "Save", "Send", "Receive", "Try", "Map", "Create"];
    private static readonly string[] Nouns = ["Order", "Request", "Response", "Item", "Cart", "Price", "Customer", "Payment", "Token", "Buffer",
        "Message", "Header", "Route", "Query", "Command", "Entity", "Session", "Connection", "Batch", "Result", "Value", "Stream", "Span", "Node"];
    private static readonly string[] Args = ["", "int", "string", "System.Threading.CancellationToken", "System.ReadOnlySpan`1<uint8>",
        "System.__Canon, System.Threading.CancellationToken", "class System.Collections.Generic.IEnumerable`1<!!0>", "int, int", "object, bool", "System.Memory`1<uint8>"];

    public string Service { get; }
    public IReadOnlyList<PoolFunction> Functions { get; }
    public IReadOnlyList<PoolFrame[]> Stacks { get; }
    /// <summary>Per stack, the probability that a thread sample of it was running managed code (cpu) rather than waiting.</summary>
    public IReadOnlyList<double> RunningShare { get; }

    public StackPool(string service, int seed, int stackCount = 3000, int functionCount = 2000)
    {
        Service = service;
        var rng = new Random(seed);
        var app = char.ToUpperInvariant(service[0]) + service[1..];
        string[] appModules = [$"{app}.Api", $"{app}.Domain", $"{app}.Infrastructure", $"{app}.Contracts"];

        var functions = new List<PoolFunction>(functionCount);
        var byModule = new Dictionary<string, List<int>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (functions.Count < functionCount)
        {
            var isApp = rng.NextDouble() < 0.4;
            var module = isApp ? appModules[rng.Next(appModules.Length)] : FrameworkModules[rng.Next(FrameworkModules.Length)];
            var ns = isApp ? $"{module}.{Nouns[rng.Next(Nouns.Length)]}s" : $"{module}.{(rng.NextDouble() < 0.5 ? "Internal" : Nouns[rng.Next(Nouns.Length)] + "s")}";
            var type = Nouns[rng.Next(Nouns.Length)] + (rng.NextDouble() < 0.5 ? Verbs[rng.Next(Verbs.Length)] + "er" : "Service") + (rng.NextDouble() < 0.15 ? "`1[System.__Canon]" : "");
            var method = Verbs[rng.Next(Verbs.Length)] + Nouns[rng.Next(Nouns.Length)] + (rng.NextDouble() < 0.3 ? "Async" : "") + (rng.NextDouble() < 0.1 ? "Core" : "");
            var name = $"{module}!{ns}.{type}.{method}({Args[rng.Next(Args.Length)]})";
            if (!names.Add(name)) continue;
            string? file = isApp ? $"src/{app}/{module}/{ns[(module.Length + 1)..]}/{type.Split('`')[0]}.cs"
                : rng.NextDouble() < 0.5 ? $"/_/src/libraries/{module}/src/{ns.Replace('.', '/')}/{type.Split('`')[0]}.cs" : null;
            if (!byModule.TryGetValue(module, out var list)) byModule[module] = list = [];
            list.Add(functions.Count);
            functions.Add(new PoolFunction(name, file, 10 + rng.Next(400)));
        }
        Functions = functions;

        // A few fixed roots: threads start in the runtime, then the thread pool, Kestrel's connection loop or a timer.
        var roots = new List<PoolFrame[]>();
        for (var r = 0; r < 6; r++)
            roots.Add(Enumerable.Range(0, 4 + rng.Next(6)).Select(_ => RandomFrame(byModule[FrameworkModules[rng.Next(3)]])).ToArray());

        var stacks = new List<PoolFrame[]>(stackCount);
        var running = new List<double>(stackCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (stacks.Count < stackCount)
        {
            var depth = 30 + rng.Next(51);
            var frames = new List<PoolFrame>(depth);
            if (stacks.Count < 20 || rng.NextDouble() < 0.05)
            {
                frames.AddRange(roots[rng.Next(roots.Count)]);
            }
            else
            {
                // Share a prefix with an earlier stack (skewed towards early ones: they are the hot paths).
                // Most stacks differ from a relative only in their last few frames (a different callee, another line).
                var parent = stacks[(int)(stacks.Count * Math.Pow(rng.NextDouble(), 2))];
                var keep = Math.Max(8, Math.Min(parent.Length - 1, depth - 2 - rng.Next(12)));
                frames.AddRange(parent.Take(keep));
            }
            var module = appModules[rng.Next(appModules.Length)];
            while (frames.Count < depth)
            {
                if (rng.NextDouble() < 0.25)
                    module = rng.NextDouble() < 0.5 ? appModules[rng.Next(appModules.Length)] : FrameworkModules[rng.Next(FrameworkModules.Length)];
                frames.Add(RandomFrame(byModule.TryGetValue(module, out var l) ? l : byModule[FrameworkModules[0]]));
            }
            var array = frames.Take(depth).ToArray();
            if (!seen.Add(string.Join(';', array.Select(f => $"{f.Function}:{f.Line}")))) continue;
            stacks.Add(array);
            running.Add(rng.NextDouble() < 0.5 ? 0.02 * rng.NextDouble() : 0.6 + 0.4 * rng.NextDouble());
        }
        Stacks = stacks;
        RunningShare = running;

        PoolFrame RandomFrame(List<int> candidates)
        {
            // Skewed: a module's code is mostly reached through a few hot functions.
            var f = candidates[(int)(candidates.Count * Math.Pow(rng.NextDouble(), 3))];
            return new PoolFrame(f, functions[f].FirstLine + rng.Next(30));
        }
    }
}
