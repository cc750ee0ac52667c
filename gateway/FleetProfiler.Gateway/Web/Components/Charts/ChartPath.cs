using System.Globalization;
using System.Text;

namespace FleetProfiler.Gateway.Web.Components.Charts;

/// <summary>SVG path data for a series: a line through the measured points, broken where a point is missing (null), never drawn as zero.</summary>
public static class ChartPath
{
    public static string Line(IReadOnlyList<double?> values, double max, double width, double height, double left = 0, double top = 0)
    {
        var path = new StringBuilder();
        var step = values.Count > 1 ? width / (values.Count - 1) : 0;
        var pen = false;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v)
            {
                pen = false;
                continue;
            }
            var x = left + (values.Count > 1 ? i * step : width / 2);
            var y = top + height - (max > 0 ? v / max * height : 0);
            path.Append(pen ? " L" : " M").Append(N(x)).Append(' ').Append(N(y));
            // A lone point between gaps still shows: a dot (round line caps on a zero-length segment).
            if (!pen && (i + 1 >= values.Count || values[i + 1] is null)) path.Append(" h0.01");
            pen = true;
        }
        return path.ToString().Trim();
    }

    public static double Max(IEnumerable<double?> values) => values.Where(v => v.HasValue).Select(v => v!.Value).DefaultIfEmpty(0).Max();

    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
