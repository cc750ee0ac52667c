using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// JWT bearer tokens as a second credential beside API keys: which scheme reads a request's token, and how a valid
/// token's role claim becomes FleetProfiler roles (<see cref="JwtOptions"/>).
/// </summary>
public static class JwtTokens
{
    public const string SchemeName = "Jwt";

    /// <summary>The default scheme when JWTs are on: forwards each request to the API-key or the JWT handler.</summary>
    public const string SelectorScheme = "ApiKeyOrJwt";

    /// <summary>The identity that carries the mapped roles, beside the token's own identity.</summary>
    private const string MappedRoles = "jwt-roles";

    /// <summary>
    /// A compact JWS (<c>eyJ…</c>, three dot-separated parts) goes to the JWT handler; anything else (an API key is
    /// <c>fpk_</c> + base64url, no dots; Basic; nothing) to the API-key handler.
    /// </summary>
    public static string SchemeFor(HttpContext context) =>
        LooksLikeJwt(context.Request.Headers.Authorization.ToString()) ? SchemeName : ApiKeyAuthenticationHandler.SchemeName;

    internal static bool LooksLikeJwt(string header) =>
        header.StartsWith("Bearer ey", StringComparison.OrdinalIgnoreCase) && header.Count(c => c == '.') == 2;

    /// <summary>The handler's options from the settings in force (<see cref="JwtSettings"/> rebuilds them after a reload).</summary>
    public static void Configure(JwtBearerOptions o, JwtSettings.Snapshot settings)
    {
        var jwt = settings.Options;
        // Claims keep the names the token has ("sub", "roles"), not the WS-Federation URIs.
        o.MapInboundClaims = false;
        o.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
        o.Audience = jwt.Audience;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            IssuerSigningKeys = settings.SigningKeys,
            ClockSkew = jwt.ClockSkew,
            NameClaimType = "sub",
            RoleClaimType = ClaimTypes.Role,
        };
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (context.Principal is { } principal) MapRoles(principal, jwt);
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>Adds the FleetProfiler roles that the token's role-claim values map to (none: the token authenticates but may do nothing).</summary>
    internal static void MapRoles(ClaimsPrincipal principal, JwtOptions jwt)
    {
        var roles = principal.FindAll(jwt.RoleClaim)
            .Select(c => jwt.Roles.GetValueOrDefault(c.Value))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Select(role => new Claim(ClaimTypes.Role, role));
        principal.AddIdentity(new ClaimsIdentity(roles, MappedRoles, ClaimTypes.Name, ClaimTypes.Role));
    }
}
