using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// Authenticates an API key sent as <c>Authorization: Bearer KEY</c> (gRPC metadata or HTTP), or as the password of
/// HTTP Basic (<c>curl -u :KEY</c>, or a browser's login prompt). No header: no result, so authorization challenges
/// with 401 (UNAUTHENTICATED on gRPC); an unknown or revoked key fails the same way.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request.Headers.Authorization.ToString());
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        var entry = keys.Find(presented);
        if (entry is null) return Task.FromResult(AuthenticateResult.Fail("unknown or revoked API key"));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(entry), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // Bearer for programs; Basic so that a browser asks for the key (as the password) instead of showing a bare 401.
        Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer realm=\"FleetProfiler\"");
        Response.Headers.Append(HeaderNames.WWWAuthenticate, "Basic realm=\"FleetProfiler\", charset=\"UTF-8\"");
        return Task.CompletedTask;
    }

    /// <summary>The key in a Bearer or Basic (password part) header; null for no header or another scheme.</summary>
    internal static string? PresentedKey(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim() is { Length: > 0 } bearer ? bearer : null;
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon >= 0 && colon < pair.Length - 1 ? pair[(colon + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static ClaimsPrincipal Principal(ApiKeyEntry entry)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name), new(ClaimTypes.Role, entry.Role) };
        if (entry.Role == ApiKeys.Agent)
        {
            claims.Add(new Claim(FleetPolicies.HostClaim, entry.Host!));
            claims.AddRange(entry.Services.Select(s => new Claim(FleetPolicies.ServiceClaim, s)));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
    }
}
