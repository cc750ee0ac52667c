using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// The keys the gateway accepts right now, from <c>FleetProfiler:Auth:Keys</c> and the keys file. Rebuilt whenever
/// either changes, so adding or revoking a key needs no restart. A reload that does not validate is refused with a
/// log line and the previous keys stay in force; at start, an invalid key is a start-up error.
/// </summary>
public sealed class ApiKeyRing : IDisposable
{
    private readonly IOptionsMonitor<AuthOptions> _options;
    private readonly ILogger<ApiKeyRing> _logger;
    private readonly IConfigurationRoot? _file;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _reloading = new();
    private volatile (byte[] Hash, ApiKeyEntry Entry)[] _keys;
    private Microsoft.Extensions.FileProviders.PhysicalFileProvider? _fileProvider;
    private string? _fileError;

    public ApiKeyRing(IOptionsMonitor<AuthOptions> options, ILogger<ApiKeyRing> logger)
    {
        _options = options;
        _logger = logger;
        if (options.CurrentValue.KeysFile is { Length: > 0 } path)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new StartupException($"{AuthOptions.Section}:KeysFile: '{full}' does not exist (create keys with 'fleetprofiler keys new --keys-file {full}').");
            KeysFilePath = full;
            _file = new ConfigurationBuilder().AddJsonFile(source =>
            {
                source.Path = Path.GetFileName(full);
                source.FileProvider = _fileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(full)!);
                source.ReloadOnChange = true;
                // A file that does not parse must not read as "no keys" (which would revoke them all) nor throw on the
                // watcher's thread: remember why, and Build refuses it.
                source.OnLoadException = context =>
                {
                    _fileError = $"{full}: {context.Exception.InnerException?.Message ?? context.Exception.Message}";
                    context.Ignore = true;
                };
            }).Build();
            _subscriptions.Add(ChangeToken.OnChange(_file.GetReloadToken, Reload));
        }
        var problem = Build(out var keys);
        if (problem is not null) throw new StartupException(problem);
        _keys = keys;
        _subscriptions.Add(options.OnChange(_ => Reload())!);
    }

    /// <summary>The watched keys file, when one is configured.</summary>
    public string? KeysFilePath { get; }

    public int Count => _keys.Length;

    /// <summary>The entry whose hash matches the presented key, comparing every entry in constant time; null when none does.</summary>
    public ApiKeyEntry? Find(string presented)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        ApiKeyEntry? match = null;
        foreach (var (h, entry) in _keys)
            if (CryptographicOperations.FixedTimeEquals(h, hash)) match = entry;
        return match;
    }

    private void Reload()
    {
        lock (_reloading)
        {
            var problem = Build(out var keys);
            if (problem is not null)
            {
                _logger.LogError("API keys not reloaded, the previous {Count} stay in force: {Problem}", _keys.Length, problem);
                return;
            }
            _keys = keys;
            _logger.LogInformation("API keys reloaded: {Count} keys", keys.Length);
        }
    }

    private string? Build(out (byte[], ApiKeyEntry)[] keys)
    {
        keys = [];
        if (Interlocked.Exchange(ref _fileError, null) is { } fileError) return fileError;
        var entries = new List<(string Where, ApiKeyEntry Entry)>();
        var configured = _options.CurrentValue.Keys;
        for (var i = 0; i < configured.Count; i++) entries.Add(($"{AuthOptions.Section}:Keys:{i}", configured[i]));
        if (_file is not null)
        {
            var fromFile = _file.GetSection("Keys").Get<List<ApiKeyEntry>>() ?? [];
            for (var i = 0; i < fromFile.Count; i++) entries.Add(($"{KeysFilePath}: Keys:{i}", fromFile[i]));
        }
        foreach (var (where, entry) in entries)
        {
            if (entry.Problem(where) is { } problem) return problem;
        }
        var twice = entries.GroupBy(e => e.Entry.Sha256.ToLowerInvariant()).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            return $"{string.Join(" and ", twice.Select(e => e.Where))} hold the same key; give each holder its own.";
        keys = [.. entries.Select(e => (Convert.FromHexString(e.Entry.Sha256), e.Entry))];
        return null;
    }

    public void Dispose()
    {
        foreach (var s in _subscriptions) s.Dispose();
        (_file as IDisposable)?.Dispose();
        _fileProvider?.Dispose();
    }
}
