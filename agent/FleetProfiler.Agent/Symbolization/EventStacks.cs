using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// The raw stack (return addresses, leaf first) that EventPipe recorded with an event, read while the event is
/// dispatched by an <see cref="Microsoft.Diagnostics.Tracing.EventPipeEventSource"/>: no TraceLog, no .etlx.
/// </summary>
/// <remarks>
/// TraceEvent has no public API for this (TraceLog reads it internally). Its EventPipe reader hands every event over as an
/// ETW-style EVENT_RECORD whose extended data holds the stack as an EVENT_HEADER_EXT_TYPE_STACK_TRACE64 item; the record
/// is the internal field <c>TraceEvent.eventRecord</c>. We read the record by its documented Windows layout (EVENT_HEADER
/// 80 bytes, ETW_BUFFER_CONTEXT 4, ExtendedDataCount at 84, ExtendedData at 88; items of 16 bytes: ExtType at 2, DataSize
/// at 6, DataPtr at 8; the stack item is a ulong MatchId, then the addresses).
/// <para>
/// The field is read at its byte offset in the object, found once: the slot among TraceEvent's own fields that holds
/// the value reflection reads from the field. No Reflection.Emit and no per-event reflection, so the same code runs in
/// the JIT build and in the Native AOT build (docs/operations.md, "Native AOT agent"), where a field of an internal
/// pointer type is out of reach of both <c>DynamicMethod</c> and <c>UnsafeAccessor</c>.
/// </para>
/// <see cref="Available"/> is false when the TraceEvent in use lacks the field: callers then use TraceLog.
/// </remarks>
internal static unsafe class EventStacks
{
    private const int ExtendedDataCountOffset = 84;
    private const int ExtendedDataOffset = 88;
    private const int ItemSize = 16;
    private const ushort StackTrace64 = 0x0006;
    private const int Unknown = -1;
    private const int Ambiguous = -2;

    private static readonly FieldInfo? RecordField = FindField();

    /// <summary>Byte offset of the field from the object's first field; <see cref="Unknown"/> until an event shows it.</summary>
    private static int _offset = Unknown;

    /// <summary>False when this TraceEvent build does not have the field we read (a different version): use TraceLog.</summary>
    public static bool Available => RecordField is not null;

    /// <summary>Where the field was found (bytes from the object's first field), or -1 (no event yet) / -2 (not found or ambiguous: reflection).</summary>
    internal static int Offset => Volatile.Read(ref _offset);

    /// <summary>The event's stack addresses, leaf first; empty when it has none.</summary>
    public static ReadOnlySpan<ulong> Of(TraceEvent e)
    {
        var record = RecordOf(e);
        if (record == null)
        {
            return [];
        }
        var count = *(ushort*)(record + ExtendedDataCountOffset);
        var items = *(byte**)(record + ExtendedDataOffset);
        for (var i = 0; i < count && items != null; i++)
        {
            var item = items + (i * ItemSize);
            if (*(ushort*)(item + 2) == StackTrace64)
            {
                var size = *(ushort*)(item + 6);
                var data = *(ulong**)(item + 8);
                return size <= sizeof(ulong) || data == null ? [] : new ReadOnlySpan<ulong>(data + 1, (size / sizeof(ulong)) - 1);
            }
        }
        return [];
    }

    internal static byte* RecordOf(TraceEvent e)
    {
        var offset = Volatile.Read(ref _offset);
        if (offset >= 0)
        {
            return (byte*)Unsafe.ReadUnaligned<nint>(ref Unsafe.Add(ref Unsafe.As<RawObject>(e).FirstField, offset));
        }
        var record = (byte*)Pointer.Unbox(RecordField!.GetValue(e)!);
        if (offset == Unknown && record != null)
        {
            Volatile.Write(ref _offset, Locate(e, record));
        }
        return record;
    }

    /// <summary>
    /// The one pointer-aligned slot among TraceEvent's own fields (laid out first, before any subclass's) that holds
    /// <paramref name="record"/>; <see cref="Ambiguous"/> when none or several do, and reflection then stays the way to
    /// read it (slower, still right).
    /// </summary>
    internal static int Locate(TraceEvent e, byte* record)
    {
        var slots = typeof(TraceEvent).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Length;
        ref var first = ref Unsafe.As<RawObject>(e).FirstField;
        var found = Ambiguous;
        for (var offset = 0; offset < slots * sizeof(nint); offset += sizeof(nint))
        {
            if (Unsafe.ReadUnaligned<nint>(ref Unsafe.Add(ref first, offset)) == (nint)record)
            {
                if (found != Ambiguous)
                {
                    return Ambiguous;
                }
                found = offset;
            }
        }
        return found;
    }

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, typeof(TraceEvent))]
    private static FieldInfo? FindField() =>
        typeof(TraceEvent).GetField("eventRecord", BindingFlags.Instance | BindingFlags.NonPublic) is { FieldType.IsPointer: true } field ? field : null;

    /// <summary>An object seen from its first field, as <c>RuntimeHelpers.GetRawData</c> sees it.</summary>
    private sealed class RawObject
    {
        public byte FirstField;
    }
}
