using System.Text;
using FleetProfiler.Abstractions.Profiles;
using FleetProfiler.Gateway.Protos;
using FleetProfiler.Profiles;
using FleetProfiler.Profiles.Formats;
using Google.Protobuf;

namespace FleetProfiler.Gateway.Query;

/// <summary>Profile queries: validates the request, asks a query grain for the merged tree, renders the format.</summary>
public sealed class QueryService(IGrainFactory grains) : Protos.Query.QueryBase
{
    /// <summary>Windows merged per query at most; a larger range answers with truncated = true.</summary>
    public const int MaxWindowsPerQuery = 50_000;

    public override async Task<ProfileReply> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        var kind = QueryArguments.Kind(request.Kind);
        var format = string.IsNullOrEmpty(request.Format) ? "folded" : request.Format;
        if (format != "folded")
            throw QueryArguments.Invalid($"format: unknown format '{format}' (supported: folded)");
        var (profile, tree) = await LoadAsync(request.Selector, request.From, request.To);

        var text = new StringWriter { NewLine = "\n" };
        FoldedFormat.Write(tree, kind, text);
        return new ProfileReply
        {
            Format = format,
            ContentType = "text/plain; charset=utf-8",
            Data = ByteString.CopyFrom(Encoding.UTF8.GetBytes(text.ToString())),
            Windows = profile.Windows,
            Truncated = profile.Truncated,
            Total = tree.Total.Get(kind),
        };
    }

    public override async Task<TopFunctionsReply> TopFunctions(TopFunctionsRequest request, ServerCallContext context)
    {
        var kind = QueryArguments.Kind(request.Kind);
        if (request.Limit < 0) throw QueryArguments.Invalid("limit: must not be negative");
        var limit = request.Limit == 0 ? 20 : Math.Min(request.Limit, 1000);
        var (profile, tree) = await LoadAsync(request.Selector, request.From, request.To);
        var total = tree.Total.Get(kind);
        var reply = new TopFunctionsReply { Total = total, Windows = profile.Windows };
        foreach (var f in tree.TopFunctions(kind, limit))
        {
            reply.Functions.Add(new FunctionCost
            {
                Name = f.Function,
                Self = f.Self,
                Total = f.Total,
                SelfShare = total == 0 ? 0 : (double)f.Self / total,
                TotalShare = total == 0 ? 0 : (double)f.Total / total,
            });
        }
        return reply;
    }

    private async Task<(MergedProfile Profile, CallTree Tree)> LoadAsync(Selector? selector, Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to)
    {
        var (service, host) = QueryArguments.Selector(selector);
        var range = QueryArguments.Range(from, to);
        var profile = await grains.GetGrain<IProfileQueryGrain>(0).GetProfileAsync(service, host, range, MaxWindowsPerQuery);
        if (profile.Windows == 0)
            throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound,
                $"no profile windows for service '{service}'{(host is null ? "" : $" host '{host}'")} between {range.From:O} and {range.To:O}"));
        return (profile, CallTreeCodec.Deserialize(profile.Tree));
    }
}

/// <summary>Request checks shared by the query RPCs: each failure names the field.</summary>
public static class QueryArguments
{
    public static RpcException Invalid(string message) => new(new Grpc.Core.Status(StatusCode.InvalidArgument, message));

    public static ProfileKind Kind(string kind) => kind switch
    {
        "cpu" => ProfileKind.Cpu,
        "wall" => ProfileKind.Wall,
        "alloc" => ProfileKind.Alloc,
        "" => throw Invalid("kind: required (cpu, wall or alloc)"),
        _ => throw Invalid($"kind: unknown kind '{kind}' (cpu, wall or alloc)"),
    };

    public static (string Service, string? Host) Selector(Selector? selector)
    {
        if (selector is null || string.IsNullOrWhiteSpace(selector.Service)) throw Invalid("selector.service: required");
        if (selector.Service.Contains('/')) throw Invalid("selector.service: may not contain '/'");
        if (!string.IsNullOrEmpty(selector.Endpoint)) throw Invalid("selector.endpoint: endpoint profiles are not available yet");
        return (selector.Service, string.IsNullOrEmpty(selector.Host) ? null : selector.Host);
    }

    public static TimeRange Range(Google.Protobuf.WellKnownTypes.Timestamp? from, Google.Protobuf.WellKnownTypes.Timestamp? to)
    {
        if (from is null) throw Invalid("from: required");
        if (to is null) throw Invalid("to: required");
        var range = new TimeRange(from.ToDateTimeOffset(), to.ToDateTimeOffset());
        if (!range.IsValid) throw Invalid($"to: must be after from ({range.From:O} .. {range.To:O})");
        return range;
    }
}
