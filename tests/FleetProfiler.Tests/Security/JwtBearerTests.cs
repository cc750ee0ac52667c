using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
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

    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new("jwt");
    private readonly RSA _signer = RSA.Create(2048);
    private readonly RSA _stranger = RSA.Create(2048);

    public void Dispose()
    {
        _signer.Dispose();
        _stranger.Dispose();
        _dir.Dispose();
    }

    private string Token(string role, RSA? key = null, string audience = Audience, TimeSpan? expiresIn = null, string issuer = Issuer)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
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

    /// <summary>Writes <paramref name="jwt"/> as <c>FleetProfiler:Auth:Jwt</c> into the appsettings.json beside the silo (atomically, as an editor or a deploy tool would).</summary>
    private static void WriteJwtSettings(string siloDll, JsonObject jwt)
    {
        var path = Path.Combine(Path.GetDirectoryName(siloDll)!, "appsettings.json");
        var settings = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var fleet = settings["FleetProfiler"]!.AsObject();
        fleet["Auth"] = new JsonObject { ["Jwt"] = jwt };
        File.WriteAllText(path + ".tmp", settings.ToJsonString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static void WritePublicKey(string path, RSA key)
    {
        File.WriteAllText(path + ".tmp", key.ExportSubjectPublicKeyInfoPem());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [Fact]
    public async Task Jwt_settings_reload_when_the_settings_file_or_the_key_file_is_rewritten_without_a_restart()
    {
        const string NewIssuer = "https://idp.test/realms/fleet-2";
        using var rotated = RSA.Create(2048);
        using var third = RSA.Create(2048);
        var siloDll = _dir.LinkBuildOutput(Repo.SiloDll, "silo");
        var firstKey = _dir.Combine("idp-1.pem");
        var secondKey = _dir.Combine("idp-2.pem");
        WritePublicKey(firstKey, _signer);
        WritePublicKey(secondKey, rotated);
        WriteJwtSettings(siloDll, new JsonObject
        {
            ["Issuer"] = Issuer,
            ["Audience"] = Audience,
            ["SigningKeyPath"] = firstKey,
            ["Roles"] = new JsonObject { ["fleet-readers"] = "reader" },
        });
        await using var platform = await PlatformFixture.StartAsync(siloDll: siloDll);
        var pid = platform.Silo.Pid;
        Assert.Equal(StatusCode.OK, await ListServicesAsync(platform, Token("fleet-readers")));
        var byNewKey = Token("fleet-viewers", rotated, issuer: NewIssuer);
        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, byNewKey));

        // The provider moved: new issuer, new signing key, its groups renamed. The settings file is rewritten.
        WriteJwtSettings(siloDll, new JsonObject
        {
            ["Issuer"] = NewIssuer,
            ["Audience"] = Audience,
            ["SigningKeyPath"] = secondKey,
            ["Roles"] = new JsonObject { ["fleet-viewers"] = "reader" },
        });
        await Eventually.Until(() => ListServicesAsync(platform, byNewKey), s => s == StatusCode.OK, ReloadDeadline, "a token of the new key and issuer accepted");
        Assert.Equal(HttpStatusCode.Unauthorized, await HttpAsync(platform, Token("fleet-readers"), HttpMethod.Get, ReadRoute));
        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, Token("fleet-viewers", _signer, issuer: NewIssuer)));
        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, Token("fleet-readers")));
        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, Token("fleet-viewers", rotated)));
        // The old group no longer maps to a role: authenticated, permitted nothing.
        Assert.Equal(StatusCode.PermissionDenied, await ListServicesAsync(platform, Token("fleet-readers", rotated, issuer: NewIssuer)));

        // The provider rotates its key again and the key file is rewritten in place of the old one.
        WritePublicKey(secondKey, third);
        var byThirdKey = Token("fleet-viewers", third, issuer: NewIssuer);
        await Eventually.Until(() => ListServicesAsync(platform, byThirdKey), s => s == StatusCode.OK, ReloadDeadline, "a token of the third key accepted");
        Assert.Equal(StatusCode.Unauthenticated, await ListServicesAsync(platform, byNewKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await HttpAsync(platform, byNewKey, HttpMethod.Get, ReadRoute));

        // Invalid settings are refused with a log line; those in force stay in force, and the process is the same.
        WriteJwtSettings(siloDll, new JsonObject
        {
            ["Issuer"] = NewIssuer,
            ["Audience"] = Audience,
            ["SigningKeyPath"] = secondKey,
            ["Roles"] = new JsonObject { ["fleet-viewers"] = "admin" },
        });
        await platform.Silo.Process.WaitForLineAsync("JWT settings not reloaded", ReloadDeadline);
        Assert.Contains("Roles:fleet-viewers", platform.Silo.Output);
        Assert.Equal(StatusCode.OK, await ListServicesAsync(platform, byThirdKey));
        Assert.Equal(pid, platform.Silo.Pid);
        Assert.False(platform.Silo.HasExited);
    }
}
