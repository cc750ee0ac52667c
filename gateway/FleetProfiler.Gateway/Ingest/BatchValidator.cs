using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Profiles;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// Checks one batch against the limits and its own tables before anything of it is applied.
/// Returns null when the batch is acceptable, else a message naming the limit or field.
/// </summary>
/// <remarks>
/// Everything a later step would trip over is checked here, so that a batch is either applied whole or rejected whole
/// with a reason: timestamps that do not convert, indexes outside their tables, line numbers that do not fit an
/// <see cref="int"/>, and sample values whose sum over the batch overflows a <see cref="long"/> or passes
/// <see cref="BatchLimits.MaxValueSum"/> (so merging windows stays far from overflow).
/// </remarks>
public static class BatchValidator
{
    /// <summary>Checks the batch without the window-time bounds (no clock): for tests of the other rules.</summary>
    public static string? Validate(Batch b, BatchLimits limits) => Validate(b, limits, now: null);

    /// <summary>Checks the batch; with <paramref name="now"/> its window must lie in [now − max_window_age, now + max_clock_skew].</summary>
    public static string? Validate(Batch b, BatchLimits limits, DateTimeOffset? now)
    {
        var size = b.CalculateSize();
        if (size > limits.MaxBatchBytes) return $"batch is {size} bytes, over max_batch_bytes ({limits.MaxBatchBytes})";
        if (ValidateHeader(b, limits, now) is { } header) return header;
        if (b.Coverage is not null) return CoverageValidator.Validate(b, limits);
        if (b.HeapSnapshot is not null) return HeapSnapshotValidator.Validate(b, limits);
        if (b.RouteMinutes.Count > 0) return RouteMinuteValidator.Validate(b, limits);
        if (ValidateWindowFields(b) is { } window) return window;

        if (b.Strings.Count > limits.MaxStrings) return $"{b.Strings.Count} strings, over max_strings ({limits.MaxStrings})";
        if (b.Strings.Count == 0) return "strings is empty (index 0 must be the empty string)";
        if (b.Strings[0].Length != 0) return "strings[0] must be the empty string";
        for (var i = 0; i < b.Strings.Count; i++)
            if (b.Strings[i].Length > limits.MaxStringLength) return $"strings[{i}] is longer than max_string_length ({limits.MaxStringLength})";

        var strings = (uint)b.Strings.Count;
        for (var i = 0; i < b.Functions.Count; i++)
        {
            var f = b.Functions[i];
            if (f.Name == 0 || f.Name >= strings) return $"functions[{i}].name is not a string index";
            if (f.File >= strings) return $"functions[{i}].file is not a string index";
            if (f.OriginalFile >= strings) return $"functions[{i}].original_file is not a string index";
        }
        var functions = (uint)b.Functions.Count;
        for (var i = 0; i < b.Locations.Count; i++)
        {
            if (b.Locations[i].Function >= functions) return $"locations[{i}].function is not a function index";
            if (b.Locations[i].Line > int.MaxValue) return $"locations[{i}].line {b.Locations[i].Line} is over {int.MaxValue}";
        }

        if (b.Stacks.Count > limits.MaxStacks) return $"{b.Stacks.Count} stacks, over max_stacks ({limits.MaxStacks})";
        var locations = (uint)b.Locations.Count;
        for (var i = 0; i < b.Stacks.Count; i++)
        {
            var s = b.Stacks[i].Locations;
            if (s.Count > limits.MaxFramesPerStack) return $"stacks[{i}] has {s.Count} frames, over max_frames_per_stack ({limits.MaxFramesPerStack})";
            foreach (var l in s)
                if (l >= locations) return $"stacks[{i}] refers to location {l}, not in locations";
        }

        if (b.Samples.Count > limits.MaxSamples) return $"{b.Samples.Count} samples, over max_samples ({limits.MaxSamples})";
        var stacks = (uint)b.Stacks.Count;
        var endpoints = new HashSet<uint>();
        var sums = new ValueSums(limits.MaxValueSum);
        for (var i = 0; i < b.Samples.Count; i++)
        {
            var s = b.Samples[i];
            if (s.Stack >= stacks) return $"samples[{i}].stack is not a stack index";
            if (s.CpuSamples < 0 || s.WallSamples < 0 || s.AllocBytes < 0 || s.AllocCount < 0 || s.InuseBytes < 0 || s.InuseCount < 0) return $"samples[{i}] has a negative value";
            if (sums.Add(s) is { } column) return $"samples[{i}].{column}: the batch's sum of {column} overflows max_value_sum ({limits.MaxValueSum})";
            // In-use values belong to allocated objects (a continuous run's may exceed the window's own alloc values).
            if ((s.InuseBytes != 0 || s.InuseCount != 0) && s.AllocatedType == 0) return $"samples[{i}] has in-use values but no allocated_type";
            if ((s.InuseBytes == 0) != (s.InuseCount == 0)) return $"samples[{i}] has in-use bytes without objects or objects without bytes";
            if (s.AllocatedType >= strings) return $"samples[{i}].allocated_type is not a string index";
            if (s.Labels.Count > MaxLabelsPerSample) return $"samples[{i}] has {s.Labels.Count} labels, over {MaxLabelsPerSample}";
            var endpointLabels = 0;
            foreach (var l in s.Labels)
            {
                if (l.Key == 0 || l.Key >= strings || l.Value >= strings) return $"samples[{i}] has a label that is not a string index";
                if (b.Strings[(int)l.Key] != EndpointNames.LabelKey) continue;
                if (++endpointLabels > 1) return $"samples[{i}] has more than one '{EndpointNames.LabelKey}' label";
                var endpoint = b.Strings[(int)l.Value];
                if (EndpointNames.Check(endpoint) is { } why) return $"samples[{i}] label '{EndpointNames.LabelKey}' {why}";
                if (endpoints.Add(l.Value) && endpoints.Count > MaxEndpointsPerBatch)
                    return $"more than {MaxEndpointsPerBatch} distinct '{EndpointNames.LabelKey}' labels in one batch: the agent must fold the rest into [other routes]";
            }
        }
        return b.Attribution is null ? null : ValidateAttribution(b.Attribution, limits);
    }

    /// <summary>The fields every batch has (sequence, service, process, version, window times), without its tables.</summary>
    internal static string? ValidateHeader(Batch b, BatchLimits limits, DateTimeOffset? now)
    {
        if (b.Sequence == 0) return "sequence must be positive";
        if (string.IsNullOrWhiteSpace(b.Service)) return "service is required";
        if (b.Service.Contains('/')) return "service may not contain '/'";
        if (b.Service.Length > limits.MaxStringLength) return $"service is longer than max_string_length ({limits.MaxStringLength})";
        if (b.ProcessName.Length > limits.MaxStringLength) return $"process_name is longer than max_string_length ({limits.MaxStringLength})";
        if (ServiceVersionNames.Check(b.ServiceVersion) is { } badVersion) return $"service_version is {badVersion}";
        if (b.WindowStart is null || b.WindowEnd is null) return "window_start and window_end are required";
        if (WireTime.Problem(b.WindowStart) is { } badStart) return $"window_start {badStart}";
        if (WireTime.Problem(b.WindowEnd) is { } badEnd) return $"window_end {badEnd}";
        var start = b.WindowStart.ToDateTimeOffset();
        var end = b.WindowEnd.ToDateTimeOffset();
        if (end < start) return "window_end is before window_start";
        if (end - start > limits.MaxWindow) return $"window is longer than max_window ({limits.MaxWindow})";
        if (now is { } at)
        {
            if (end > at + limits.MaxClockSkew) return $"window_end {end:O} is in the future (more than max_clock_skew {limits.MaxClockSkew} after the gateway's clock {at:O})";
            if (start < at - limits.MaxWindowAge) return $"window_start {start:O} is older than max_window_age ({limits.MaxWindowAge}): past the retention of raw windows";
        }
        if (b.Coverage?.ProcessStart is { } processStart && WireTime.Problem(processStart) is { } badProcessStart) return $"coverage.process_start {badProcessStart}";
        foreach (var r in b.RouteMinutes)
            if (r.Minute is not null && WireTime.Problem(r.Minute) is { } badMinute) return $"route_minutes.minute {badMinute}";
        return null;
    }

    /// <summary>The fields of a profile window besides its tables: kinds and sampling interval.</summary>
    internal static string? ValidateWindowFields(Batch b)
    {
        if (b.Kinds.Count == 0) return "kinds is empty";
        foreach (var k in b.Kinds)
            if (!ProfileTypes.TryParse(k, out _)) return k == "coverage" ? "kind 'coverage' needs coverage (a CoverageRun)" : k == HeapSnapshotValidator.Kind ? "kind 'heap' needs heap_snapshot (a HeapSnapshot)" : $"unknown kind '{Truncate(k)}' (expected {ProfileTypes.NameList})";
        if (!double.IsFinite(b.SamplingIntervalMs) || b.SamplingIntervalMs < 0 || b.SamplingIntervalMs > MaxSamplingIntervalMs)
            return $"sampling_interval_ms must be a finite number in [0, {MaxSamplingIntervalMs}], not {b.SamplingIntervalMs}";
        return null;
    }

    /// <summary>Largest sampling interval accepted (one sample a minute); beyond it the figure is not a sampling interval.</summary>
    public const double MaxSamplingIntervalMs = 60_000;

    /// <summary>Checked per-column sums of a batch's sample values, each bounded by a maximum.</summary>
    internal struct ValueSums(long max)
    {
        private long _cpu, _wall, _allocBytes, _allocCount, _inuseBytes, _inuseCount;

        /// <summary>Adds one sample; returns the first column whose sum passes the maximum (or overflows), else null.</summary>
        public string? Add(Sample s) =>
            Over(ref _cpu, s.CpuSamples) ? "cpu_samples"
            : Over(ref _wall, s.WallSamples) ? "wall_samples"
            : Over(ref _allocBytes, s.AllocBytes) ? "alloc_bytes"
            : Over(ref _allocCount, s.AllocCount) ? "alloc_count"
            : Over(ref _inuseBytes, s.InuseBytes) ? "inuse_bytes"
            : Over(ref _inuseCount, s.InuseCount) ? "inuse_count"
            : null;

        private readonly long _max = max;

        private readonly bool Over(ref long sum, long value)
        {
            // Both non-negative (checked before), so the sum overflows exactly when value > long.MaxValue - sum.
            if (value > long.MaxValue - sum) return true;
            sum += value;
            return sum > _max;
        }
    }

    /// <summary>Labels one sample may carry (the protocol defines one key today; room for a few more).</summary>
    public const int MaxLabelsPerSample = 8;

    /// <summary>
    /// Distinct endpoint labels in one window: the agent's per-service route cap (<see cref="BatchLimitDefaults.MaxRoutesPerMinute"/>)
    /// plus room for <c>[not in a request]</c>, <c>[other routes]</c> and <c>METHOD [unknown route]</c> rows.
    /// </summary>
    public const int MaxEndpointsPerBatch = BatchLimitDefaults.MaxRoutesPerMinute + 64;

    private static readonly HashSet<string> AttributionMethods = ["timeline", "threads", "none"];

    internal static string? ValidateAttribution(Attribution a, BatchLimits limits)
    {
        if (!AttributionMethods.Contains(a.Method)) return $"attribution.method must be timeline, threads or none, not '{Truncate(a.Method)}'";
        if (a.Requests < 0) return "attribution.requests is negative";
        if (a.SamplesInRequests < 0) return "attribution.samples_in_requests is negative";
        if (a.SamplesNotInRequest < 0) return "attribution.samples_not_in_request is negative";
        if (a.RequestsWithoutRoute < 0) return "attribution.requests_without_route is negative";
        if (a.RequestsWithoutRoute > a.Requests) return "attribution.requests_without_route is more than attribution.requests";
        if (a.Note.Length > limits.MaxStringLength) return $"attribution.note is longer than max_string_length ({limits.MaxStringLength})";
        return null;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
