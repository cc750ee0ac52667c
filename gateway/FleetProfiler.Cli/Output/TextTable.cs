namespace FleetProfiler.Cli.Output;

/// <summary>A plain-text table: a header row, columns two spaces apart, numbers right-aligned, the last column unpadded.</summary>
public sealed class TextTable(params (string Header, bool AlignRight)[] columns)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public TextTable Add(params string[] cells)
    {
        if (cells.Length != columns.Length) throw new ArgumentException($"expected {columns.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[columns.Length];
        for (var c = 0; c < columns.Length; c++)
            widths[c] = Math.Max(columns[c].Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
        WriteRow(writer, columns.Select(c => c.Header).ToArray(), widths);
        foreach (var row in _rows) WriteRow(writer, row, widths);
    }

    private void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new System.Text.StringBuilder();
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0) line.Append("  ");
            var last = c == cells.Length - 1;
            if (columns[c].AlignRight) line.Append(cells[c].PadLeft(widths[c]));
            else line.Append(last ? cells[c] : cells[c].PadRight(widths[c]));
        }
        writer.WriteLine(line.ToString().TrimEnd());
    }
}
