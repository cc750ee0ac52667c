using System.Reflection;
using System.Reflection.Emit;
using Microsoft.Diagnostics.Tracing;

namespace FleetProfiler.Agent.Symbolization;

/// <summary>
/// The raw stack (return addresses, leaf first) that EventPipe recorded with an event, read while the event is
/// dispatched by an <see cref="Microsoft.Diagnostics.Tracing.EventPipeEventSource"/>: no TraceLog, no .etlx.
/// </summary>
/// <remarks>
/// TraceEvent has no public API for this (TraceLog reads it internally). Its EventPipe reader hands every event over as an
/// ETW-style EVENT_RECORD whose extended data holds the stack as an EVENT_HEADER_EXT_TYPE_STACK_TRACE64 item; the record
/// is the internal field <c>TraceEvent.eventRecord</c>. We read that field through a compiled accessor and the record by
/// its documented Windows layout (EVENT_HEADER 80 bytes, ETW_BUFFER_CONTEXT 4, ExtendedDataCount at 84, ExtendedData at
/// 88; items of 16 bytes: ExtType at 2, DataSize at 6, DataPtr at 8; the stack item is a ulong MatchId, then the addresses).
/// <see cref="Available"/> is false when the TraceEvent in use lacks the field: callers then use TraceLog.
/// </remarks>
internal static unsafe class EventStacks
{
    private const int ExtendedDataCountOffset = 84;
    private const int ExtendedDataOffset = 88;
    private const int ItemSize = 16;
    private const ushort StackTrace64 = 0x0006;

    private static readonly Func<TraceEvent, IntPtr>? RecordOf = CompileRecordAccessor();

    /// <summary>False when this TraceEvent build does not have the field we read (a different version): use TraceLog.</summary>
    public static bool Available => RecordOf is not null;

    /// <summary>The event's stack addresses, leaf first; empty when it has none.</summary>
    public static ReadOnlySpan<ulong> Of(TraceEvent e)
    {
        var record = (byte*)RecordOf!(e);
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

    private static Func<TraceEvent, IntPtr>? CompileRecordAccessor()
    {
        var field = typeof(TraceEvent).GetField("eventRecord", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || !field.FieldType.IsPointer)
        {
            return null;
        }
        // ldarg.0; ldfld eventRecord; ret — as a native int. Skips visibility checks: the field is internal.
        var method = new DynamicMethod("EventRecordOf", typeof(IntPtr), [typeof(TraceEvent)], typeof(EventStacks).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, field);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<TraceEvent, IntPtr>>();
    }
}
