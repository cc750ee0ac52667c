using System.Net.Http.Headers;
using FleetProfiler.Protocol;
using Grpc.Net.Client;

namespace FleetProfiler.Testing;

/// <summary>
/// The API keys every platform the kit starts accepts (<see cref="SiloProcess"/> configures them by hash), and clients
/// that carry them: a gRPC channel and an HttpClient send the operator key unless a call sets its own
/// <c>authorization</c>, so tests that are not about security read and operate as before.
/// </summary>
public static class TestKeys
{
    public const string Operator = "fpk_test-operator-0123456789abcdef0123456789";
    public const string Reader = "fpk_test-reader-0123456789abcdef0123456789ab";

    /// <summary>Configuration indices of the kit's keys; tests add their own below them.</summary>
    public const int OperatorIndex = 900;
    public const int ReaderIndex = 901;

    /// <summary><c>Auth:Keys</c> settings (under <c>FleetProfiler:</c>) for the operator and reader keys.</summary>
    public static Dictionary<string, string> Settings() => new()
    {
        [$"Auth:Keys:{OperatorIndex}:Name"] = "test-operator",
        [$"Auth:Keys:{OperatorIndex}:Role"] = ApiKeys.Operator,
        [$"Auth:Keys:{OperatorIndex}:Sha256"] = ApiKeys.Hash(Operator),
        [$"Auth:Keys:{ReaderIndex}:Name"] = "test-reader",
        [$"Auth:Keys:{ReaderIndex}:Role"] = ApiKeys.Reader,
        [$"Auth:Keys:{ReaderIndex}:Sha256"] = ApiKeys.Hash(Reader),
    };

    /// <summary>
    /// Agent keys for <paramref name="agents"/> at indices from <paramref name="first"/>: each for its own agent id and
    /// host, and any service (tests invent service names) unless <paramref name="services"/> lists them.
    /// </summary>
    public static Dictionary<string, string> AgentSettings(IEnumerable<AgentCredential> agents, int first = 0, params string[] services)
    {
        var settings = new Dictionary<string, string>();
        var i = first;
        foreach (var agent in agents)
        {
            settings[$"Auth:Keys:{i}:Name"] = agent.AgentId;
            settings[$"Auth:Keys:{i}:Role"] = ApiKeys.Agent;
            settings[$"Auth:Keys:{i}:Sha256"] = ApiKeys.Hash(agent.Token);
            settings[$"Auth:Keys:{i}:Host"] = agent.Host;
            string[] allowed = services.Length == 0 ? ["*"] : services;
            for (var s = 0; s < allowed.Length; s++)
            {
                settings[$"Auth:Keys:{i}:Services:{s}"] = allowed[s];
            }
            i++;
        }
        return settings;
    }

    /// <summary>A gRPC channel whose calls carry <paramref name="key"/> (null: none) unless they set their own authorization.</summary>
    public static GrpcChannel Channel(string address, string? key = Operator, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.HttpHandler = new BearerHandler(key, options.HttpHandler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
        options.DisposeHttpClient = true;
        return GrpcChannel.ForAddress(address, options);
    }

    /// <summary>An HttpClient whose requests carry <paramref name="key"/> (null: none) unless they set their own authorization.</summary>
    public static HttpClient Http(Uri baseAddress, string? key = Operator) =>
        new(new BearerHandler(key, new SocketsHttpHandler())) { BaseAddress = baseAddress };

    private sealed class BearerHandler(string? key, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (key is not null && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
