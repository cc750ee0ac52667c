using System.Security.Cryptography;
using System.Text;

namespace FleetProfiler.Protocol;

/// <summary>
/// The API keys every port accepts as bearer tokens: 256 random bits, written <c>fpk_</c> + base64url. The gateway keeps
/// only their SHA-256 (hex), so its configuration can be read without revealing a key. Shared by gateway, CLI and agent.
/// </summary>
public static class ApiKeys
{
    /// <summary>The marker that makes a FleetProfiler key recognisable in a leaked log or a secret scanner.</summary>
    public const string Prefix = "fpk_";

    /// <summary>The three roles a key can carry: ingest, read, operate (operate includes read).</summary>
    public const string Agent = "agent";
    public const string Reader = "reader";
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> Roles = [Agent, Reader, Operator];

    /// <summary>A new key from 32 bytes of the OS's cryptographic random generator.</summary>
    public static string Generate() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes: the only form of a key that goes into configuration.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>True for 64 hex digits, the shape of <see cref="Hash"/>.</summary>
    public static bool IsHash(string? text) => text is { Length: 64 } && text.All(Uri.IsHexDigit);

    /// <summary>The value of an HTTP <c>Authorization</c> header (or gRPC <c>authorization</c> metadata) carrying <paramref name="key"/>.</summary>
    public static string BearerHeader(string key) => "Bearer " + key;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
