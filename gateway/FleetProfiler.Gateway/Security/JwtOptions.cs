using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// OIDC/JWT bearer tokens beside API keys (<c>FleetProfiler:Auth:Jwt</c>): a token of the configured issuer and
/// audience, signed by its provider, gets the FleetProfiler roles its role claim maps to. Off unless
/// <see cref="Issuer"/> is set.
/// </summary>
public sealed class JwtOptions
{
    public const string Section = AuthOptions.Section + ":Jwt";

    /// <summary>The <c>iss</c> every token must carry; setting it turns JWT bearer tokens on.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry (the id the identity provider gives FleetProfiler).</summary>
    public string? Audience { get; set; }

    /// <summary>OIDC authority: signing keys come from its discovery document (<c>/.well-known/openid-configuration</c>).</summary>
    public string? Authority { get; set; }

    /// <summary>Instead of discovery: a PEM file with the provider's public signing key(s) or certificate(s).</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>The claim whose values name the caller's groups or roles at the provider.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Role-claim value → FleetProfiler role (<c>reader</c> or <c>operator</c>), e.g. <c>"fleet-ops": "operator"</c>. Unmapped values give nothing.</summary>
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Tolerance for clocks when checking <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);

    /// <summary>Start-up errors naming the setting: audience and a key source are required, roles must be reader or operator.</summary>
    public void Validate()
    {
        if (!Enabled) return;
        if (string.IsNullOrWhiteSpace(Audience)) throw new StartupException($"{Section}:Audience is required with {Section}:Issuer.");
        if (string.IsNullOrWhiteSpace(Authority) == string.IsNullOrWhiteSpace(SigningKeyPath))
            throw new StartupException($"{Section}: set exactly one of Authority (OIDC discovery) and SigningKeyPath (a PEM public key).");
        if (string.IsNullOrWhiteSpace(RoleClaim)) throw new StartupException($"{Section}:RoleClaim must not be empty.");
        if (Roles.Count == 0) throw new StartupException($"{Section}:Roles: map at least one value of the '{RoleClaim}' claim to reader or operator.");
        foreach (var (value, role) in Roles)
        {
            if (role is not (ApiKeys.Reader or ApiKeys.Operator))
                throw new StartupException($"{Section}:Roles:{value}: '{role}' is not reader or operator (agents use API keys).");
        }
    }

    /// <summary>The public keys in <see cref="SigningKeyPath"/> (RSA or EC keys, or certificates).</summary>
    public IReadOnlyList<SecurityKey> LoadSigningKeys()
    {
        var path = Path.GetFullPath(SigningKeyPath!);
        try
        {
            var keys = new List<SecurityKey>();
            var pem = File.ReadAllText(path);
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            keys.AddRange(certificates.Select(c => new X509SecurityKey(c)));
            if (pem.Contains("PUBLIC KEY-----", StringComparison.Ordinal))
            {
                keys.Add(pem.Contains("BEGIN EC", StringComparison.Ordinal) || IsEc(pem) ? Ec(pem) : Rsa(pem));
            }
            if (keys.Count == 0) throw new StartupException($"{Section}:SigningKeyPath: '{path}' holds no PEM public key or certificate.");
            return keys;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupException($"{Section}:SigningKeyPath: cannot load '{path}': {e.Message}");
        }
    }

    private static bool IsEc(string pem)
    {
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return true;
        }
        catch (ArgumentException) { return false; }
        catch (CryptographicException) { return false; }
    }

    private static SecurityKey Rsa(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa);
    }

    private static SecurityKey Ec(string pem)
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(pem);
        return new ECDsaSecurityKey(ec);
    }
}
