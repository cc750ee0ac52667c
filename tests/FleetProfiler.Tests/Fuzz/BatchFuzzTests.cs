using System.Diagnostics;
using FleetProfiler.Profiles;
using Xunit.Abstractions;

namespace FleetProfiler.Tests.Fuzz;

/// <summary>
/// Issue 10's fuzz proof, in process: mutated and random batches (seeded, so every run tries the same ones) through
/// the validator, the translator and the codec. The only allowed answers are "not a batch" (gRPC's) and a rejection
/// with a reason; an exception is a crash and lands in the corpus. The suite runs 25,000 cases (seconds);
/// FLEETPROFILER_FUZZ_CASES=100000 runs the full proof and FLEETPROFILER_FUZZ_SEED other seeds (docs/benchmarks.md, "Reliability").
/// </summary>
public sealed class BatchFuzzTests(ITestOutputHelper output)
{
    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("FLEETPROFILER_FUZZ_CASES"), out var n) && n > 0 ? n : 25_000;
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FLEETPROFILER_FUZZ_SEED"), out var s) ? s : 20261129;

    [Fact]
    public void Mutated_batches_are_each_accepted_or_rejected_never_a_crash()
    {
        // Four partitions, each with its own seed (Seed + p) and pipeline, run in parallel: the same cases every run.
        const int Partitions = 4;
        var counts = new Dictionary<FuzzOutcome, int>();
        var crashes = new List<string>();
        var signatures = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, Partitions, p =>
        {
            var mutator = new BatchMutator(Seed + p);
            var pipeline = IngestPipeline.Default();
            var cases = Cases / Partitions + (p < Cases % Partitions ? 1 : 0);
            for (var i = 0; i < cases; i++)
            {
                var input = mutator.Next();
                FuzzOutcome outcome;
                try
                {
                    outcome = pipeline.Run(input.Bytes);
                }
                catch (Exception e)
                {
                    lock (crashes)
                    {
                        // A few inputs per kind of crash (its type and message without numbers) go to the corpus.
                        var signature = e.GetType().Name + ": " + new string([.. e.Message.Where(c => !char.IsAsciiDigit(c))]);
                        var seen = signatures[signature] = signatures.GetValueOrDefault(signature) + 1;
                        crashes.Add(seen <= 3 ? $"partition {p} case {i}: {e.GetType().Name}: {e.Message} -> {FuzzCorpus.Add(input.Bytes)}" : $"partition {p} case {i}: {signature}");
                    }
                    continue;
                }
                lock (counts) counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            }
        });
        output.WriteLine($"fuzz: {Cases} cases, seed {Seed}, {clock.Elapsed.TotalSeconds:0.0} s: " +
            string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")) + $", crashes {crashes.Count}");

        Assert.True(crashes.Count == 0, $"{crashes.Count} crash(es) of {signatures.Count} kinds, added to {FuzzCorpus.Directory}:\n"
            + string.Join('\n', signatures.Select(s => $"{s.Value} x {s.Key}")) + "\n" + string.Join('\n', crashes.Where(c => c.Contains("->")).Take(60)));
        // The mutator must reach every answer, or it tests nothing: a share of inputs stays valid, most are rejected.
        Assert.True(counts.GetValueOrDefault(FuzzOutcome.Accepted) > Cases / 50, $"only {counts.GetValueOrDefault(FuzzOutcome.Accepted)} accepted");
        Assert.True(counts.GetValueOrDefault(FuzzOutcome.Rejected) > Cases / 4, $"only {counts.GetValueOrDefault(FuzzOutcome.Rejected)} rejected");
        Assert.True(counts.GetValueOrDefault(FuzzOutcome.Undecodable) > 0, "no input was undecodable: byte damage is not reached");
    }

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in FuzzCorpus.Files()) data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_input_that_once_crashed_the_ingest_path_is_now_rejected(string file)
    {
        // Each was a stream death (a timestamp or line that does not convert) or a silently stored window (totals that
        // wrapped, an infinite sampling interval, a time outside retention) before the validator knew it.
        Assert.Equal(FuzzOutcome.Rejected, IngestPipeline.Default().Run(File.ReadAllBytes(Path.Combine(FuzzCorpus.Directory, file))));
    }

    [Fact]
    public void Damaged_call_trees_decode_or_fail_with_a_profile_data_error_only()
    {
        var random = new Random(Seed);
        var trees = BatchMutator.Seeds().Select(b => IngestPipeline.Default().Run(b) == FuzzOutcome.Accepted ? FleetProfiler.Gateway.Ingest.BatchTranslator.ToTree(b) : null)
            .OfType<CallTree>().SelectMany(t => new[] { CallTreeCodec.Serialize(t), CallTreeCodec.Serialize(t, compress: true) }).ToArray();
        var decoded = 0;
        for (var i = 0; i < Cases / 4; i++)
        {
            var bytes = (byte[])trees[random.Next(trees.Length)].Clone();
            switch (random.Next(3))
            {
                case 0: bytes = bytes[..random.Next(bytes.Length)]; break;
                case 1: for (var k = 0; k < 1 + random.Next(3); k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); break;
                default: random.NextBytes(bytes.AsSpan(4 + random.Next(bytes.Length - 4))); break;
            }
            try
            {
                CallTreeCodec.Deserialize(bytes);
                decoded++;
            }
            catch (ProfileDataException)
            {
                // The documented answer to bytes that are not a call tree.
            }
        }
        output.WriteLine($"codec fuzz: {Cases / 4} damaged trees, {decoded} still decoded");
    }
}
