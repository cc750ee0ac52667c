using System.Globalization;

namespace FleetProfiler.Gateway.Web;

/// <summary>How the pages write numbers: bytes, money, shares and ages, invariant culture, short.</summary>
public static class Show
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        var i = 0;
        while (Math.Abs(bytes) >= 1024 && i < units.Length - 1)
        {
            bytes /= 1024;
            i++;
        }
        return bytes.ToString(i == 0 ? "0" : "0.0", Invariant) + " " + units[i];
    }

    /// <summary>A change in bytes with its sign (+1.5 MB, -200 B, 0 B).</summary>
    public static string SignedBytes(double bytes) => (bytes > 0 ? "+" : "") + Bytes(bytes);

    /// <summary>A change in a count with its sign (+1,200, -3, 0).</summary>
    public static string Signed(double value) => (value > 0 ? "+" : "") + Number(value);

    public static string Share(double share) => (share * 100).ToString(share is > 0 and < 0.001 ? "0.00" : "0.0", Invariant) + " %";

    public static string Usd(double usd) => "$" + usd.ToString(Math.Abs(usd) < 1 ? "0.0000" : "#,0.00", Invariant);

    public static string Number(double value, string format = "#,0") => value.ToString(format, Invariant);

    public static string Ago(DateTimeOffset then, DateTimeOffset now)
    {
        var d = now - then;
        if (d < TimeSpan.FromMinutes(1)) return Math.Max(0, (int)d.TotalSeconds) + " s ago";
        if (d < TimeSpan.FromHours(1)) return (int)d.TotalMinutes + " min ago";
        if (d < TimeSpan.FromDays(1)) return (int)d.TotalHours + " h ago";
        return (int)d.TotalDays + " days ago";
    }

    /// <summary>A month "2026-11" as "November 2026".</summary>
    public static string Month(string month) =>
        DateTime.TryParseExact(month, "yyyy-MM", Invariant, DateTimeStyles.None, out var m) ? m.ToString("MMMM yyyy", Invariant) : month;

    /// <summary>
    /// A function or file as a table cell shows it: without the module (<c>Module!</c>) and parameters, the last two
    /// segments (<c>Type.Method</c>, <c>Project/File.cs</c>); the full name stays in the cell's title.
    /// </summary>
    public static string ShortName(string name)
    {
        var bang = name.IndexOf('!', StringComparison.Ordinal);
        var s = bang >= 0 ? name[(bang + 1)..] : name;
        var paren = s.IndexOf('(', StringComparison.Ordinal);
        if (paren > 0) s = s[..paren];
        var separator = s.Contains('/', StringComparison.Ordinal) ? '/' : '.';
        var parts = s.Split(separator);
        if (separator == '.' && s.EndsWith(".cs", StringComparison.Ordinal)) return s;
        return parts.Length > 2 ? string.Join(separator, parts[^2..]) : s;
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant);
}
