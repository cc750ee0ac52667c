using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// Authentication (API keys, and JWT bearer tokens when configured) and the role policies for every HTTP and gRPC endpoint of a process: the gateway's two
/// ports, and the dashboard of a silo that serves one. Endpoints that name no policy require <see cref="FleetPolicies.Reader"/>.
/// </summary>
public static class SecurityHosting
{
    public static WebApplicationBuilder AddFleetSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.Section));
        builder.Services.AddSingleton<ApiKeyRing>();
        // Authentication pulls in data protection; nothing here encrypts with it (no cookies), so keep its key ring in
        // memory instead of writing unencrypted keys under the home directory (and warning about it at every start).
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        // A refused key is the caller's problem, answered with 401; two info lines per refusal would let anyone flood the log.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        var jwt = builder.Configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        jwt.Validate();
        if (jwt.Enabled)
        {
            // An unreadable key file fails the start here, with its setting named; later the settings reload on change.
            JwtSettings.Load(jwt);
            builder.Services.Configure<JwtOptions>(builder.Configuration.GetSection(JwtOptions.Section));
            builder.Services.AddSingleton<JwtSettings>();
            builder.Services.AddOptions<JwtBearerOptions>(JwtTokens.SchemeName)
                .Configure<JwtSettings>((o, settings) => JwtTokens.Configure(o, settings.Current));
        }
        // With JWTs on, a selector forwards each request to the handler of the credential it carries (docs/security.md).
        var authentication = builder.Services.AddAuthentication(jwt.Enabled ? JwtTokens.SelectorScheme : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (jwt.Enabled)
        {
            authentication
                .AddJwtBearer(JwtTokens.SchemeName, _ => { })
                .AddPolicyScheme(JwtTokens.SelectorScheme, "API key or JWT", o => o.ForwardDefaultSelector = JwtTokens.SchemeFor);
            builder.Logging.AddFilter(typeof(Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerHandler).FullName, LogLevel.Warning);
        }
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(FleetPolicies.Reader, p => p.RequireAuthenticatedUser().RequireRole(ApiKeys.Reader, ApiKeys.Operator))
            .AddPolicy(FleetPolicies.Operator, p => p.RequireAuthenticatedUser().RequireRole(ApiKeys.Operator))
            .AddPolicy(FleetPolicies.Agent, p => p.RequireAuthenticatedUser().RequireRole(ApiKeys.Agent))
            .AddPolicy(FleetPolicies.AnyKey, p => p.RequireAuthenticatedUser())
            // Whatever names no policy (a new route, a new gRPC method, the dashboard) is for readers, never open.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(ApiKeys.Reader, ApiKeys.Operator).Build());
        return builder;
    }

    /// <summary>Loads the keys (an invalid key fails the start here, with its setting named) and adds the middleware.</summary>
    public static WebApplication UseFleetSecurity(this WebApplication app)
    {
        var keys = app.Services.GetRequiredService<ApiKeyRing>();
        // Created now, so that it watches for changes from the start (not from the first token).
        _ = app.Services.GetService<JwtSettings>();
        if (keys.Count == 0)
        {
            app.Logger.LogWarning("No API keys are configured ({Section}:Keys or {Section}:KeysFile): every call except health checks is refused. Create one with 'fleetprofiler keys new'.",
                AuthOptions.Section, AuthOptions.Section);
        }
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                SecurityHeaders.Apply(context.Response);
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
