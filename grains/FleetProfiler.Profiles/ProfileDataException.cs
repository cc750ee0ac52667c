namespace FleetProfiler.Profiles;

/// <summary>
/// Serialized or textual profile data is malformed, truncated, corrupt or over a decoding limit.
/// (<see cref="InvalidDataException"/> is sealed, so this derives from <see cref="FormatException"/>; when
/// decompression itself fails the <see cref="InvalidDataException"/> is the inner exception.)
/// </summary>
public sealed class ProfileDataException : FormatException
{
    /// <summary>Creates the exception with a message.</summary>
    public ProfileDataException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that revealed the problem.</summary>
    public ProfileDataException(string message, Exception inner) : base(message, inner) { }
}
