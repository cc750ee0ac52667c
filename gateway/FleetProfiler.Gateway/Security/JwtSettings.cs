using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// The JWT settings in force (<see cref="JwtOptions"/>) and the signing keys they name, re-read without a restart when
/// the configuration changes (issuer, audience, keys, role claim and its mapping) or the <see cref="JwtOptions.SigningKeyPath"/>
/// file is rewritten (a key rotated at the provider). The JWT handler's options are cached per scheme: a reload drops
/// them from the cache, so the next request builds them from the new settings. A reload that does not validate is
/// refused with a log line and the settings in force stay in force, as for API keys.
/// </summary>
public sealed class JwtSettings : IDisposable
{
    private readonly IOptionsMonitor<JwtOptions> _options;
    private readonly IOptionsMonitorCache<JwtBearerOptions> _handlerOptions;
    private readonly ILogger<JwtSettings> _logger;
    private readonly IDisposable? _configChanges;
    private readonly Lock _reloading = new();
    private IDisposable? _keyFileChanges;
    private PhysicalFileProvider? _keyFileProvider;
    private string? _watchedKeyFile;
    private volatile Snapshot _current;

    /// <summary>Validated settings with the keys loaded from them.</summary>
    public sealed record Snapshot(JwtOptions Options, IReadOnlyList<SecurityKey>? SigningKeys);

    public JwtSettings(IOptionsMonitor<JwtOptions> options, IOptionsMonitorCache<JwtBearerOptions> handlerOptions, ILogger<JwtSettings> logger)
    {
        _options = options;
        _handlerOptions = handlerOptions;
        _logger = logger;
        _current = Load(options.CurrentValue);
        WatchKeyFile(_current.Options);
        _configChanges = options.OnChange(changed => Reload(changed));
    }

    public Snapshot Current => _current;

    /// <summary>Validates <paramref name="options"/> and loads its keys; a <see cref="StartupException"/> names what is wrong.</summary>
    public static Snapshot Load(JwtOptions options)
    {
        options.Validate();
        if (!options.Enabled)
            throw new StartupException($"{JwtOptions.Section}:Issuer was removed: turning JWT bearer tokens on or off needs a restart.");
        return new Snapshot(options, string.IsNullOrWhiteSpace(options.SigningKeyPath) ? null : options.LoadSigningKeys());
    }

    private void Reload(JwtOptions changed)
    {
        lock (_reloading)
        {
            Snapshot next;
            try
            {
                next = Load(changed);
            }
            catch (StartupException e)
            {
                _logger.LogError("JWT settings not reloaded, the previous ones stay in force: {Problem}", e.Message);
                return;
            }
            _current = next;
            _handlerOptions.TryRemove(JwtTokens.SchemeName);
            WatchKeyFile(next.Options);
            _logger.LogInformation("JWT settings reloaded: issuer {Issuer}, audience {Audience}, {Keys}, {Roles} role mapping(s)",
                next.Options.Issuer, next.Options.Audience,
                next.SigningKeys is { } keys ? $"{keys.Count} signing key(s) from {next.Options.SigningKeyPath}" : $"keys from {next.Options.Authority}",
                next.Options.Roles.Count);
        }
    }

    /// <summary>Watches the PEM file of the signing keys (when one is configured): rewriting it rotates the keys.</summary>
    private void WatchKeyFile(JwtOptions options)
    {
        var path = string.IsNullOrWhiteSpace(options.SigningKeyPath) ? null : Path.GetFullPath(options.SigningKeyPath);
        if (path == _watchedKeyFile) return;
        _keyFileChanges?.Dispose();
        _keyFileProvider?.Dispose();
        _keyFileChanges = null;
        _keyFileProvider = null;
        _watchedKeyFile = path;
        if (path is null || Path.GetDirectoryName(path) is not { } directory || !Directory.Exists(directory)) return;
        var provider = _keyFileProvider = new PhysicalFileProvider(directory);
        var name = Path.GetFileName(path);
        _keyFileChanges = ChangeToken.OnChange(() => provider.Watch(name), () => Reload(_options.CurrentValue));
    }

    public void Dispose()
    {
        _configChanges?.Dispose();
        _keyFileChanges?.Dispose();
        _keyFileProvider?.Dispose();
    }
}
