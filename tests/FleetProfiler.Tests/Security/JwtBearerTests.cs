using System.Net;
using System.Security.Cryptography;
using FleetProfiler.Protocol.V1;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// JWT bearer tokens beside API keys (issue 10, item 1): tokens signed with an RSA key made in the test, its public
/// half configured as the signing key (no OIDC discovery), the "roles" claim mapped to FleetProfiler roles. On the real
/// platform, on gRPC and HTTP.
/// </summary>
public sealed class JwtBearerTests : IDisposable
{
    private const string Issuer = "https://idp.test/realms/fleet";
    private const string Audience = "fleetprofiler";

    /// <summary>A reader's route; its answer (for an unknown service) is whatever a reader API key gets.</summary>
    private const string ReadRoute = "/api/profile?service=nobody";

    private readonly TempDirectory _dir = new("jwt");
    private readonly RSA _signer = RSA.Create(2048);
    private readonly RSA _stranger = RSA.Create(2048);

    public void Dispose()
    {
        _signer.Dispose();
        _stranger.Dispose();
        _dir.Dispose();
    }

    private string Token(string role, RSA? key = null, string audience = Audience, TimeSpan? expiresIn = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = expires.AddMinutes(-20),
            NotBefore = expires.AddMinutes(-20),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["roles"] = new[] { role, "unrelated-group" } },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _signer), SecurityAlgorithms.RsaSha256),
        });
    }

    private static async Task<StatusCode> ListServicesAsync(PlatformFixture platform, string token)
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, token);
        try
        {
            await new FleetProfiler.Protocol.V1.Query.QueryClient(channel).ListServicesAsync(new ListServicesRequest(), deadline: DateTime.UtcNow + TestTimeouts.Step);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static async Task<StatusCode> TriggerAsync(PlatformFixture platform, string token)
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, token);
        try
        {
            await new FleetProfiler.Protocol.V1.Query.QueryClient(channel).TriggerAsync(new TriggerRequest { Service = "nobody", Host = "nowhere", Kind = "cpu", Seconds = 1 },
                deadline: DateTime.UtcNow + TestTimeouts.Step);
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static async Task<HttpStatusCode> HttpAsync(PlatformFixture platform, string token, HttpMethod method, string path)
    {
        using var http = platform.Http(token);
        using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? new StringContent("<coverage/>") : null });
        return response.StatusCode;
    }

    [Fact]
    public async Task Tokens_map_their_role_claim_to_reader_and_operator_and_bad_tokens_are_unauthenticated_on_grpc_and_http()
    {
        var publicKey = _dir.Combine("idp-signing.pem");
        File.WriteAllText(publicKey, _signer.ExportSubjectPublicKeyInfoPem());
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string>
        {
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKeyPath"] = publicKey,
            ["Auth:Jwt:Roles:fleet-readers"] = "reader",
            ["Auth:Jwt:Roles:fleet-ops"] = "operator",
        });
        var reader = Token("fleet-readers");
        var operatorToken = Token("fleet-ops");

        // A reader token reads, on both ports, and may not trigger or import.
        Assert.Equal(StatusCode.OK, await ListServicesAsync(platform, reader));
        var asReaderKey = await HttpAsync(platform, TestKeys.Reader, HttpMethod.Get, ReadRoute);
        Assert.DoesNotContain(asReaderKey, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Equal(asReaderKey, await HttpAsync(platform, reader, HttpMethod.Get, ReadRoute));
        Assert.Equal(StatusCode.PermissionDenied, await TriggerAsync(platform, reader));
        Assert.Equal(HttpStatusCode.Forbidden, await HttpAsync(platform, reader, HttpMethod.Post, "/api/deadcode/cobertura"));

        // An operator token gets past authorization (the trigger then fails on its own terms: no such host).
        Assert.NotEqual(StatusCode.PermissionDenied, await TriggerAsync(platform, operatorToken));
        Assert.NotEqual(StatusCode.Unauthenticated, await TriggerAsync(platform, operatorToken));

        // A valid token whose groups map to no role authenticates but may do nothing.
        Assert.Equal(StatusCode.PermissionDenied, await ListServicesAsync(platform, Token("fleet-visitors")));

        // Expired, for another audience, or signed by another key: not authenticated.
        foreach (var bad in new[]
        {
            Token("fleet-readers", expiresIn: TimeSpan.FromMinutes(-10)),
            Token("fleet-readers", audience: "another-app"),
            Token("fleet-readers", key: _stranger),
        })
        {
            Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, bad));
            Assert.Equal(HttpStatusCode.Unauthorized, await HttpAsync(platform, bad, HttpMethod.Get, ReadRoute));
        }

        // API keys work beside tokens.
        Assert.Equal(StatusCode.OK, await ListServicesAsync(platform, TestKeys.Reader));
        Assert.Equal(StatusCode.PermissionDenied, await TriggerAsync(platform, TestKeys.Reader));
    }
}
