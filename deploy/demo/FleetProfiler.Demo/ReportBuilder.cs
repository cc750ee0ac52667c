namespace FleetProfiler.Demo;

/// <summary>One report row: the distinctive type the alloc profile should show.</summary>
public sealed record DemoRow(int Id, string Label, double[] Values);

/// <summary>The allocation-heavy hot spot: builds rows with a string and an array each.</summary>
public static class ReportBuilder
{
    // Kept out of line so profiles attribute the work to this method, not its caller.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static DemoRow[] BuildRows(int count)
    {
        var rows = new DemoRow[count];
        for (var i = 0; i < count; i++)
        {
            var values = new double[16];
            for (var j = 0; j < values.Length; j++)
            {
                values[j] = i * j;
            }
            rows[i] = new DemoRow(i, "row-" + i, values);
        }
        return rows;
    }

    public static double Total(DemoRow[] rows)
    {
        double total = 0;
        foreach (var row in rows)
        {
            total += row.Values[^1];
        }
        return total;
    }
}
