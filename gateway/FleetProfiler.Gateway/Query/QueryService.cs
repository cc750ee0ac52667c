using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Abstractions.Fleet;
using FleetProfiler.Abstractions.Hosts;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Abstractions.Services;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Formats;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Gateway.Query;

/// <summary>
/// The query API: validates each request (naming the field on failure), asks grains for merged trees,
/// renders the format. Rendering happens here, in the stateless gateway, not in the silos.
/// </summary>
public sealed class QueryService(IGrainFactory grains, TriggerLimits triggerLimits) : Protocol.V1.Query.QueryBase
{
    /// <summary>Windows merged per query at most; a larger range answers with truncated = true.</summary>
    public const int MaxWindowsPerQuery = 50_000;

    /// <summary>Versions ListVersions returns at most (the profile query grain's own cap); beyond them truncated = true.</summary>
    public const int MaxVersionsListed = 100;

    public override async Task<ProfileReply> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        var kind = QueryArguments.Kind(request.Kind);
        var format = ProfileRendering.Format(request.Format);
        if (request.MinShare is < 0 or >= 1 || double.IsNaN(request.MinShare)) throw QueryArguments.Invalid("min_share: must be in [0, 1)");
        var (service, host, endpoint) = QueryArguments.Selector(request.Selector);
        var version = QueryArguments.Version(request.Selector);
        var range = QueryArguments.Range(request.From, request.To);
        var (profile, tree) = await LoadAsync(service, host, endpoint, range, kind, version: version);
        if (!request.AllocatedTypes) tree = tree.WithoutAllocatedTypes();
        var title = $"{service}{(host is null ? "" : "/" + host)}{(endpoint is null ? "" : " " + endpoint)}{(version is null ? "" : " version " + version)} {request.Kind} {range.From:u} – {range.To:u}";
        var (data, contentType) = ProfileRendering.Render(tree, kind, format, title, profile, range, request.MinShare);
        return new ProfileReply
        {
            Format = format,
            ContentType = contentType,
            // The rendered bytes are this reply's own and never change: no copy.
            Data = UnsafeByteOperations.UnsafeWrap(data),
            Windows = profile.Windows,
            Truncated = profile.Truncated,
            Total = tree.Total.Get(kind),
            Coverage = CoverageOf(profile, range),
            Note = profile.Note ?? "",
        };
    }

    public override Task<TopReply> TopFunctions(TopRequest request, ServerCallContext context) =>
        TopAsync(request, (tree, kind, n, by) => tree.TopFunctions(kind, n, by).Select(f => (f.Function, f.Self, f.Total, 0L)));

    public override async Task<TopReply> TopFiles(TopRequest request, ServerCallContext context)
    {
        var reply = await TopAsync(request, (tree, kind, n, by) => tree.TopFiles(kind, n, by).Select(f => (f.File, f.Self, f.Total, 0L)));
        var originals = await grains.GetGrain<IProfileQueryGrain>(0).GetOriginalPathsAsync(request.Selector.Service, [.. reply.Entries.Select(e => e.Name)]);
        foreach (var e in reply.Entries)
            if (originals.TryGetValue(e.Name, out var original)) e.OriginalPath = original;
        return reply;
    }

    public override Task<TopReply> TopTypes(TopRequest request, ServerCallContext context)
    {
        if (request.Kind is not ("" or "alloc" or "inuse")) throw QueryArguments.Invalid($"kind: allocated types exist only for kinds alloc and inuse, not '{request.Kind}'");
        if (QueryArguments.OrderBy(request.OrderBy) != RankBy.Self) throw QueryArguments.Invalid("order_by: types rank by bytes (self) only");
        var typed = request.Clone();
        if (typed.Kind == "") typed.Kind = "alloc";
        return TopAsync(typed, (tree, kind, n, _) => tree.TopAllocatedTypes(n, kind).Select(t => (t.Type, t.Bytes, t.Bytes, t.Count)));
    }

    private async Task<TopReply> TopAsync(TopRequest request, Func<CallTree, ProfileKind, int, RankBy, IEnumerable<(string Name, long Self, long Total, long Count)>> top)
    {
        var kind = QueryArguments.Kind(request.Kind);
        var limit = QueryArguments.Limit(request.Limit);
        var orderBy = QueryArguments.OrderBy(request.OrderBy);
        var (service, host, endpoint) = QueryArguments.Selector(request.Selector);
        var (profile, tree) = await LoadAsync(service, host, endpoint, QueryArguments.Range(request.From, request.To), kind, version: QueryArguments.Version(request.Selector));
        var total = tree.Total.Get(kind);
        var reply = new TopReply { Total = total, Windows = profile.Windows, Coverage = CoverageOf(profile, QueryArguments.Range(request.From, request.To)), Note = profile.Note ?? "" };
        foreach (var (name, self, sum, count) in top(tree, kind, limit, orderBy))
        {
            reply.Entries.Add(new TopEntry
            {
                Name = name,
                Self = self,
                Total = sum,
                Count = count,
                SelfShare = total == 0 ? 0 : (double)self / total,
                TotalShare = total == 0 ? 0 : (double)sum / total,
            });
        }
        return reply;
    }

    public override async Task<ProfileReply> Diff(DiffRequest request, ServerCallContext context)
    {
        var kind = QueryArguments.Kind(request.Kind);
        var format = string.IsNullOrEmpty(request.Format) ? "svg" : request.Format;
        if (format is not ("tree" or "svg")) throw QueryArguments.Invalid($"format: unknown diff format '{format}' (tree or svg)");
        var (serviceA, hostA, endpointA) = QueryArguments.Selector(request.SelectorA, "selector_a");
        var rangeA = QueryArguments.Range(request.FromA, request.ToA, "from_a", "to_a");
        var (serviceB, hostB, endpointB) = QueryArguments.Selector(request.SelectorB, "selector_b");
        var rangeB = QueryArguments.Range(request.FromB, request.ToB, "from_b", "to_b");
        var a = LoadAsync(serviceA, hostA, endpointA, rangeA, kind, "selector_a", QueryArguments.Version(request.SelectorA, "selector_a"));
        var b = LoadAsync(serviceB, hostB, endpointB, rangeB, kind, "selector_b", QueryArguments.Version(request.SelectorB, "selector_b"));
        var (profileA, treeA) = await a;
        var (profileB, treeB) = await b;
        // Allocation sites are the leaves, as in GetProfile's default and in top.
        var diff = ProfileDiff.Compute(treeA.WithoutAllocatedTypes(), treeB.WithoutAllocatedTypes(), kind);
        var (data, contentType) = format == "svg"
            ? (System.Text.Encoding.UTF8.GetBytes(FlameGraphSvg.RenderDiff(diff, new FlameGraphOptions { Title = $"{request.Kind} diff: A → B (red grew, blue shrank)" })), "image/svg+xml")
            : (TreeFormat.ToUtf8Json(TreeFormat.Build(diff)), "application/json");
        return new ProfileReply
        {
            Format = format,
            ContentType = contentType,
            // The rendered bytes are this reply's own and never change: no copy.
            Data = UnsafeByteOperations.UnsafeWrap(data),
            Windows = profileA.Windows + profileB.Windows,
            Truncated = profileA.Truncated || profileB.Truncated,
            Total = treeB.Total.Get(kind),
            Note = profileB.Note is null ? "" : $"A: {profileA.Note}; B: {profileB.Note}",
        };
    }

    public override async Task<GrowthReply> Growth(GrowthRequest request, ServerCallContext context)
    {
        var (service, host, endpoint) = QueryArguments.Selector(request.Selector);
        if (request.Selector.Version.Length > 0) throw QueryArguments.Invalid("selector.version: the leak finder reads in-use snapshots, which are not selected by version");
        var rangeA = QueryArguments.Range(request.FromA, request.ToA, "from_a", "to_a");
        var rangeB = QueryArguments.Range(request.FromB, request.ToB, "from_b", "to_b");
        if (rangeB.To <= rangeA.From) throw QueryArguments.Invalid("from_b/to_b: range B must not end before range A starts (B is the later snapshot)");
        var limit = QueryArguments.Limit(request.Limit);
        var by = request.By switch
        {
            "" or "site" => GrowthBy.Site,
            "type" => GrowthBy.Type,
            _ => throw QueryArguments.Invalid($"by: unknown grouping '{request.By}' (site or type)"),
        };
        var a = LoadAsync(service, host, endpoint, rangeA, ProfileKind.Inuse);
        var b = LoadAsync(service, host, endpoint, rangeB, ProfileKind.Inuse);
        var (profileA, treeA) = await a;
        var (profileB, treeB) = await b;
        var reply = new GrowthReply
        {
            TotalA = treeA.Total.InuseBytes,
            TotalB = treeB.Total.InuseBytes,
            Note = $"A: {profileA.Note}; B: {profileB.Note}",
        };
        foreach (var e in InuseGrowth.Compute(treeA, treeB, by, limit))
            reply.Entries.Add(new GrowthEntry { Name = e.Name, BytesA = e.BytesA, BytesB = e.BytesB, Growth = e.Growth, CountGrowth = e.CountGrowth, CountA = e.CountA, CountB = e.CountB });
        return reply;
    }

    public override async Task<ListServicesReply> ListServices(ListServicesRequest request, ServerCallContext context)
    {
        var services = await grains.GetGrain<IFleetGrain>(IFleetGrain.Key).GetServicesAsync();
        var hosts = await Task.WhenAll(services.Select(s => grains.GetGrain<IServiceGrain>(s).GetHostsAsync()));
        var reply = new ListServicesReply();
        for (var i = 0; i < services.Count; i++)
            reply.Services.Add(new ServiceSummary { Name = services[i], HostCount = hosts[i].Count });
        return reply;
    }

    public override async Task<ListHostsReply> ListHosts(ListHostsRequest request, ServerCallContext context)
    {
        var service = QueryArguments.Selector(new Selector { Service = request.Service }, "request").Service;
        var hosts = await grains.GetGrain<IServiceGrain>(service).GetHostsAsync();
        if (hosts.Count == 0) throw QueryArguments.NotFound($"service: unknown service '{service}'");
        var infos = await Task.WhenAll(hosts.Select(h => grains.GetGrain<IHostGrain>(HostKey.Of(service, h)).GetInfoAsync()));
        var reply = new ListHostsReply();
        foreach (var info in infos.OfType<HostInfo>())
        {
            reply.Hosts.Add(new HostSummary
            {
                Host = info.Host,
                AgentId = info.AgentId,
                AgentVersion = info.AgentVersion,
                FirstSeen = Timestamp.FromDateTimeOffset(info.FirstSeen),
                LastSeen = Timestamp.FromDateTimeOffset(info.LastSeen),
                Connected = info.AgentConnected,
            });
        }
        return reply;
    }

    public override async Task<ListEndpointsReply> ListEndpoints(ListEndpointsRequest request, ServerCallContext context)
    {
        var service = QueryArguments.Selector(new Selector { Service = request.Service }, "request").Service;
        var range = QueryArguments.Range(request.From, request.To);
        var reportCall = grains.GetGrain<IProfileQueryGrain>(0).GetEndpointsAsync(service, range, request.PerMinute);
        var usageCall = grains.GetGrain<IServiceEndpointsGrain>(service).GetUsageAsync(range);
        EndpointReport report;
        ServiceEndpointUsage usage;
        try
        {
            report = await reportCall;
            usage = await usageCall;
        }
        catch (ArgumentException e)
        {
            throw QueryArguments.Invalid(e.Message);
        }
        var reply = new ListEndpointsReply
        {
            From = Timestamp.FromDateTimeOffset(report.Range.From),
            To = Timestamp.FromDateTimeOffset(report.Range.To),
            MinutesWithRequests = report.MinutesWithRequests,
            Windows = usage.Total.Windows,
            CpuSamples = usage.Total.CpuSamples,
            Truncated = usage.Truncated,
            WindowAttributions = EndpointRows.Attributions(usage.Attributions, usage.Total.Windows),
        };
        reply.Endpoints.AddRange(EndpointRows.Join(report.Endpoints, usage));
        reply.Minutes.AddRange(report.Minutes.Select(m => new EndpointMinute
        {
            Minute = Timestamp.FromDateTimeOffset(m.Minute),
            Method = m.Method,
            Route = m.Route,
            StatusClass = m.StatusClass,
            Requests = m.Requests,
            DurationSumMs = m.DurationSumMs,
            P50Ms = m.P50Ms,
            P95Ms = m.P95Ms,
            P99Ms = m.P99Ms,
        }));
        return reply;
    }

    [Authorize(Policy = FleetPolicies.Operator)]
    public override async Task<TriggerReply> Trigger(TriggerRequest request, ServerCallContext context)
    {
        // "heap" takes one heap snapshot (its seconds do not apply); every other kind is a profile window.
        if (request.Kind != Ingest.HeapSnapshotValidator.Kind) QueryArguments.Kind(request.Kind);
        var service = QueryArguments.Selector(new Selector { Service = request.Service }, "request").Service;
        if (string.IsNullOrWhiteSpace(request.Host)) throw QueryArguments.Invalid("host: required");
        if (request.Pid < 0) throw QueryArguments.Invalid("pid: must not be negative (0 = every process)");
        if (request.Seconds is < 1 or > 600) throw QueryArguments.Invalid("seconds: must be between 1 and 600");
        var host = grains.GetGrain<IHostGrain>(HostKey.Of(service, request.Host));
        if (await host.GetInfoAsync() is null) throw QueryArguments.NotFound($"host: no agent ever reported host '{request.Host}' of service '{service}'");
        triggerLimits.Take(HostKey.Of(service, request.Host));
        var id = Guid.NewGuid().ToString("N")[..12];
        var by = context.GetHttpContext().User.Identity?.Name ?? "";
        if (!await host.SendCommandAsync(new AgentCommand(id, AgentCommandAction.Start, request.Kind, request.Pid, request.Seconds, by)))
            throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, $"host: the agent of '{request.Host}' is not connected"));
        return new TriggerReply { CommandId = id };
    }

    public override async Task<CommandInfo> GetCommand(GetCommandRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Id)) throw QueryArguments.Invalid("id: required");
        var commands = await CommandsOfAsync(request.Service, request.Host);
        var command = commands.FirstOrDefault(c => c.Command.Id == request.Id)
            ?? throw QueryArguments.NotFound($"id: host '{request.Host}' has no command '{request.Id}' among its last {HostCommand.MaxKept}");
        return CommandRows.ToProto(command);
    }

    public override async Task<ListCommandsReply> ListCommands(ListCommandsRequest request, ServerCallContext context)
    {
        var reply = new ListCommandsReply();
        reply.Commands.AddRange((await CommandsOfAsync(request.Service, request.Host)).Select(CommandRows.ToProto));
        return reply;
    }

    private async Task<IReadOnlyList<HostCommand>> CommandsOfAsync(string serviceName, string hostName)
    {
        var service = QueryArguments.Selector(new Selector { Service = serviceName }, "request").Service;
        if (string.IsNullOrWhiteSpace(hostName)) throw QueryArguments.Invalid("host: required");
        var host = grains.GetGrain<IHostGrain>(HostKey.Of(service, hostName));
        if (await host.GetInfoAsync() is null) throw QueryArguments.NotFound($"host: no agent ever reported host '{hostName}' of service '{service}'");
        return await host.GetCommandsAsync();
    }

    /// <summary>
    /// The merged profile of a selector: the whole service (or host) with endpoint roots folded away, or, with an
    /// endpoint, only the stacks under that endpoint's root. NOT_FOUND names what is missing.
    /// </summary>
    internal async Task<(MergedProfile Profile, CallTree Tree)> LoadAsync(string service, string? host, string? endpoint, TimeRange range, ProfileKind kind, string field = "selector", string? version = null)
    {
        var query = grains.GetGrain<IProfileQueryGrain>(0);
        var gauge = ProfileTypes.Of(kind).IsGauge;
        if (gauge && endpoint is not null) throw QueryArguments.Invalid($"{field}.endpoint: kind {ProfileTypes.Of(kind).Name} has no per-endpoint view (a snapshot, not samples of requests)");
        if (gauge && version is not null) throw QueryArguments.Invalid($"{field}.version: kind {ProfileTypes.Of(kind).Name} is a snapshot, not selected by version (cpu, wall or alloc)");
        if (version is not null) return await LoadVersionAsync(service, host, endpoint, version, range, field);
        // In-use is a gauge: the latest snapshot of the range, not a sum over its windows (docs/live-memory.md).
        var profile = gauge
            ? await query.GetInuseSnapshotAsync(service, host, range, MaxWindowsPerQuery)
            : endpoint is null
                ? await query.GetProfileAsync(service, host, range, MaxWindowsPerQuery)
                : await grains.GetGrain<IEndpointGrain>(EndpointKey.Of(service, endpoint)).GetProfileAsync(range, host, MaxWindowsPerQuery);
        if (profile.Windows == 0)
        {
            await EnsureKnownAsync(service, host, field + ".");
            throw QueryArguments.NotFound($"from/to: no profile data for '{service}'{(host is null ? "" : $" host '{host}'")} between {range.From:O} and {range.To:O}");
        }
        var tree = CallTreeCodec.Deserialize(profile.Tree);
        if (endpoint is null) tree = tree.WithoutEndpoints();   // a no-op for trees the grains already folded
        if (gauge && tree.Total.InuseBytes == 0 && tree.Total.InuseCount == 0)
            throw QueryArguments.NotFound($"from/to: no inuse data for '{service}'{(host is null ? "" : $" host '{host}'")} between {range.From:O} and {range.To:O} (profiles of other kinds exist: start an inuse window, docs/live-memory.md)");
        if (endpoint is not null && tree.Total.IsZero)
            throw QueryArguments.NotFound($"{field}.endpoint: no samples of endpoint '{endpoint}' in '{service}'{(host is null ? "" : $" host '{host}'")} between {range.From:O} and {range.To:O} ({profile.Windows} window(s) read; ListEndpoints names the endpoints)");
        return (profile, tree);
    }

    /// <summary>
    /// NOT_FOUND naming the field (after <paramref name="prefix"/>, e.g. "selector.") when no agent ever reported the
    /// service, or the host is not one of its hosts; returns when both are known (the caller then says what is missing).
    /// </summary>
    private async Task EnsureKnownAsync(string service, string? host, string prefix)
    {
        var hosts = await grains.GetGrain<IServiceGrain>(service).GetHostsAsync();
        if (hosts.Count == 0) throw QueryArguments.NotFound($"{prefix}service: unknown service '{service}'");
        if (host is not null && !hosts.Contains(host)) throw QueryArguments.NotFound($"{prefix}host: service '{service}' has no host '{host}'");
    }

    /// <summary>
    /// The merged raw windows of one service version (a version labels raw windows only): NOT_FOUND names the version
    /// when the range holds none of its windows, with the versions that exist.
    /// </summary>
    private async Task<(MergedProfile Profile, CallTree Tree)> LoadVersionAsync(string service, string? host, string? endpoint, string version, TimeRange range, string field)
    {
        var query = grains.GetGrain<IProfileQueryGrain>(0);
        var profile = await query.GetVersionProfileAsync(service, host, endpoint, version, range, MaxWindowsPerQuery);
        if (profile.Windows == 0)
        {
            await EnsureKnownAsync(service, host, field + ".");
            var known = await query.GetVersionsAsync(service, host, 5);
            var names = known.Versions.Count == 0 ? "none stored (agents report a version from their service's main assembly or OTEL_RESOURCE_ATTRIBUTES service.version)" : string.Join(", ", known.Versions.Select(v => $"'{v.Version}'"));
            throw QueryArguments.NotFound($"{field}.version: no window of version '{version}' of '{service}'{(host is null ? "" : $" host '{host}'")} between {range.From:O} and {range.To:O} (versions are kept on raw windows, Profiles:WindowRetention; newest versions: {names})");
        }
        var tree = CallTreeCodec.Deserialize(profile.Tree);
        if (endpoint is not null && tree.Total.IsZero)
            throw QueryArguments.NotFound($"{field}.endpoint: no samples of endpoint '{endpoint}' in version '{version}' of '{service}' between {range.From:O} and {range.To:O} ({profile.Windows} window(s) read)");
        return (profile, tree);
    }

    public override async Task<ListVersionsReply> ListVersions(ListVersionsRequest request, ServerCallContext context)
    {
        var service = QueryArguments.Selector(new Selector { Service = request.Service }, "request").Service;
        var host = string.IsNullOrEmpty(request.Host) ? null : request.Host;
        var list = await grains.GetGrain<IProfileQueryGrain>(0).GetVersionsAsync(service, host, MaxVersionsListed);
        if (list.Versions.Count == 0 && list.UnversionedWindows == 0)
        {
            await EnsureKnownAsync(service, host, "");
        }
        var reply = new ListVersionsReply
        {
            Truncated = list.Truncated,
            UnversionedWindows = list.UnversionedWindows,
            Note = "versions of the stored raw windows (Profiles:WindowRetention, default 48 h); a version diff reads those windows",
        };
        foreach (var v in list.Versions)
        {
            reply.Versions.Add(new VersionSummary
            {
                Version = v.Version,
                FirstSeen = Timestamp.FromDateTimeOffset(v.FirstSeen),
                LastSeen = Timestamp.FromDateTimeOffset(v.LastSeen),
                Windows = v.Windows,
                Hosts = v.Hosts,
            });
        }
        return reply;
    }

    /// <summary>Sample volume per step over a range (the explorer's range picker), read as <see cref="IProfileQueryGrain.GetTimelineAsync"/> reads it.</summary>
    internal Task<ProfileTimeline> TimelineAsync(string service, string? host, string? endpoint, TimeRange range, TimeSpan step) =>
        grains.GetGrain<IProfileQueryGrain>(0).GetTimelineAsync(service, host, endpoint, range, step, MaxWindowsPerQuery);

    internal static Coverage CoverageOf(MergedProfile profile, TimeRange asked)
    {
        var covered = profile.Covered ?? asked;
        return new Coverage
        {
            From = Timestamp.FromDateTimeOffset(covered.From),
            To = Timestamp.FromDateTimeOffset(covered.To),
            Widened = profile.Widened,
            BucketsRead = profile.BucketsRead,
            RawWindowsRead = profile.RawWindowsRead,
        };
    }
}
