using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using FleetProfiler.Agent.Coverage;

namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>
/// The ReadyToRun inlining tables of real images: the shared framework this test runs on is compiled ReadyToRun by
/// crossgen2. Every pair read is checked independently against the IL: an inliner's IL must call its inlinee, directly
/// or through methods it inlined as well (nested inlines are recorded against the outermost compiled method).
/// </summary>
public sealed class ReadyToRunInliningTests
{
    public static TheoryData<string> FrameworkImages => new()
    {
        typeof(Enumerable).Assembly.Location,                  // System.Linq
        typeof(object).Assembly.Location,                      // System.Private.CoreLib
        typeof(System.Text.Json.JsonSerializer).Assembly.Location,
    };

    [Theory]
    [MemberData(nameof(FrameworkImages))]
    public void Every_inlining_pair_of_a_framework_image_is_a_call_in_the_inliners_IL(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var inlining = ReadyToRunInlining.Read(pe);
        var il = new ILCalls(pe);

        Assert.True(inlining.Pairs > 100, $"{Path.GetFileName(path)}: only {inlining.Pairs} pairs");
        var pairs = inlining.InlinersByInlinee.SelectMany(p => p.Value.Select(inliner => (Inlinee: p.Key, Inliner: inliner))).ToList();
        var unexplained = pairs.Where(p => !il.Reaches(p.Inliner, p.Inlinee)).ToList();
        // The same check on the pairs with their inlinees shuffled: what a wrong decoding would score.
        var shuffled = pairs.Select(p => p.Inlinee).OrderBy(t => (t * 2654435761u) ^ 0x5bd1e995).ToList();
        var chance = pairs.Zip(shuffled, (p, inlinee) => il.Reaches(p.Inliner, inlinee)).Count(x => x);

        // Some calls a byte scan of IL cannot follow: devirtualized calls are matched by name only, and calls through
        // generic math or deeper nesting are missed; a wrong decoding would explain few pairs (the shuffled control).
        Assert.True(unexplained.Count * 20 <= pairs.Count, $"{unexplained.Count} of {pairs.Count} pairs are not calls in the IL, e.g. {string.Join(", ", unexplained.Take(5).Select(p => $"{il.Name(p.Inlinee)} in {il.Name(p.Inliner)}"))}");
        Assert.True(chance * 3 < pairs.Count - unexplained.Count, $"shuffled pairs explained {chance} of {pairs.Count}, real ones {pairs.Count - unexplained.Count}");
    }

    [Fact]
    public void A_tiny_getter_called_by_a_linq_method_is_recorded_as_inlined_into_it()
    {
        using var pe = new PEReader(File.OpenRead(typeof(Enumerable).Assembly.Location));
        var inlining = ReadyToRunInlining.Read(pe);
        var il = new ILCalls(pe);

        // A property getter of at most 8 bytes of IL (ldarg.0; ldfld; ret) that its inliner calls directly.
        var getters = inlining.InlinersByInlinee
            .Where(p => il.Name(p.Key).Contains(".get_", StringComparison.Ordinal) && il.Size(p.Key) <= 8)
            .SelectMany(p => p.Value.Where(inliner => il.Calls(inliner).Contains(p.Key)).Select(inliner => $"{il.Name(p.Key)} in {il.Name(inliner)}"))
            .ToList();

        Assert.NotEmpty(getters);
    }

    [Fact]
    public void Classifying_a_ReadyToRun_assembly_counts_an_unseen_inlinee_of_a_method_that_ran_as_live()
    {
        // System.Linq as if it were a service assembly: with only one inliner "seen", its inlinees are live; without
        // it they are not (no PDB here, so the module is classified without lines).
        var linq = typeof(Enumerable).Assembly.Location;
        using var pe = new PEReader(File.OpenRead(linq));
        var (inlinee, inliners) = ReadyToRunInlining.Read(pe).InlinersByInlinee.First(p => !p.Value.Contains(p.Key));
        var assembly = new ServiceAssembly("System.Linq", linq, linq);
        var jit = new JitSettings(false, "", false, "");
        var paths = new FleetProfiler.Agent.Symbolization.SourcePathRules([]);

        var (withInliner, _) = ModuleCoverage.Analyze(assembly, [inliners[0]], sound: true, jit, paths, new RunLimits());
        var (alone, _) = ModuleCoverage.Analyze(assembly, [], sound: true, jit, paths, new RunLimits());
        var (r2rOff, _) = ModuleCoverage.Analyze(assembly, [inliners[0]], sound: true, jit with { ReadyToRunDisabled = true }, paths, new RunLimits());

        var inlinedInto = ReadyToRunInlining.Read(pe).InlinersByInlinee.Count(p => p.Value.Contains(inliners[0]));
        Assert.Equal(1 + inlinedInto, withInliner.MethodsLive);   // the inliner and everything it inlined
        Assert.DoesNotContain(withInliner.DeadMethods, m => m.Token == (uint)inlinee);
        Assert.Contains(alone.DeadMethods, m => m.Token == (uint)inlinee);
        Assert.Equal(1, r2rOff.MethodsLive);                      // R2R code never ran: the table says nothing
    }

    [Fact]
    public void An_IL_only_assembly_has_no_inlining_tables()
    {
        using var pe = new PEReader(File.OpenRead(typeof(ReadyToRunInliningTests).Assembly.Location));

        Assert.Same(ReadyToRunInlining.None, ReadyToRunInlining.Read(pe));
    }

    [Fact]
    public void An_unseen_inlinee_of_a_compiled_method_that_ran_counts_as_live()
    {
        var inlining = new ReadyToRunInlining(new Dictionary<int, int[]> { [0x06000010] = [0x06000020, 0x06000030] }, 0);

        Assert.True(inlining.InlinedIntoAnyOf(0x06000010, [0x06000030]));
        Assert.False(inlining.InlinedIntoAnyOf(0x06000010, [0x06000040]));
        Assert.False(inlining.InlinedIntoAnyOf(0x06000020, [0x06000030]));
    }

    /// <summary>Call, callvirt, newobj and ldftn operands of a module's method bodies, resolved to its own MethodDefs.</summary>
    private sealed class ILCalls
    {
        private readonly PEReader _pe;
        private readonly MetadataReader _md;
        private readonly Dictionary<(TypeDefinitionHandle, string, string), int> _byName = [];
        private readonly Dictionary<int, HashSet<int>> _calls = [];
        private readonly Dictionary<int, HashSet<string>> _virtualNames = [];

        public ILCalls(PEReader pe)
        {
            _pe = pe;
            _md = pe.GetMetadataReader();
            foreach (var handle in _md.MethodDefinitions)
            {
                var method = _md.GetMethodDefinition(handle);
                _byName[(method.GetDeclaringType(), _md.GetString(method.Name), Convert.ToHexString(_md.GetBlobBytes(method.Signature)))] = MetadataTokens.GetToken(handle);
            }
        }

        public string Name(int token)
        {
            var method = _md.GetMethodDefinition((MethodDefinitionHandle)MetadataTokens.EntityHandle(token));
            return $"{_md.GetString(_md.GetTypeDefinition(method.GetDeclaringType()).Name)}.{_md.GetString(method.Name)}";
        }

        public int Size(int token)
        {
            var method = _md.GetMethodDefinition((MethodDefinitionHandle)MetadataTokens.EntityHandle(token));
            return method.RelativeVirtualAddress == 0 ? int.MaxValue : _pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!.Length;
        }

        /// <summary>
        /// <paramref name="to"/> is called from <paramref name="from"/> through at most <paramref name="depth"/> calls, by
        /// token, or by name when the call is virtual (the compiler devirtualized it to this override or implementation).
        /// </summary>
        public bool Reaches(int from, int to, int depth = 6)
        {
            var name = _md.GetString(_md.GetMethodDefinition((MethodDefinitionHandle)MetadataTokens.EntityHandle(to)).Name);
            var frontier = new HashSet<int> { from };
            var seen = new HashSet<int> { from };
            for (var i = 0; i < depth && frontier.Count > 0; i++)
            {
                var next = new HashSet<int>();
                foreach (var method in frontier)
                {
                    if (_virtualNames.TryGetValue(method, out var names) && names.Contains(name))
                    {
                        return true;
                    }
                    foreach (var callee in Calls(method))
                    {
                        if (callee == to)
                        {
                            return true;
                        }
                        if (seen.Add(callee))
                        {
                            next.Add(callee);
                        }
                    }
                }
                frontier = next;
            }
            return false;
        }

        public HashSet<int> Calls(int token)
        {
            if (_calls.TryGetValue(token, out var known))
            {
                return known;
            }
            var calls = _calls[token] = [];
            var method = _md.GetMethodDefinition((MethodDefinitionHandle)MetadataTokens.EntityHandle(token));
            if (method.RelativeVirtualAddress == 0)
            {
                return calls;
            }
            var il = _pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!;
            // A byte scan, not a decoder: an opcode byte followed by a method token; a false match needs a token of this
            // module's own methods by chance, which only makes a pair look explained, never the reader look wrong.
            for (var i = 0; i + 4 < il.Length; i++)
            {
                var operandAt = il[i] is 0x28 or 0x6F or 0x73 ? i + 1 : il[i] == 0xFE && il[i + 1] is 0x06 or 0x07 ? i + 2 : -1;
                if (operandAt < 0 || operandAt + 4 > il.Length)
                {
                    continue;
                }
                var operand = BitConverter.ToInt32(il, operandAt);
                if (Resolve(operand) is { } callee)
                {
                    calls.Add(callee);
                }
                if ((il[i] == 0x6F || il[i] == 0x28) && CalledName(operand) is { } called)
                {
                    // callvirt, or call after a constrained. prefix (static abstract interface members): devirtualizable.
                    if (!_virtualNames.TryGetValue(token, out var names))
                    {
                        _virtualNames[token] = names = new HashSet<string>(StringComparer.Ordinal);
                    }
                    if (il[i] == 0x6F || (i >= 6 && il[i - 6] == 0xFE && il[i - 5] == 0x16))
                    {
                        names.Add(called);
                    }
                }
            }
            return calls;
        }

        private string? CalledName(int token)
        {
            var rid = token & 0xFFFFFF;
            return (token >>> 24) switch
            {
                0x06 when rid > 0 && rid <= _md.GetTableRowCount(TableIndex.MethodDef) => _md.GetString(_md.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(rid)).Name),
                0x0A when rid > 0 && rid <= _md.GetTableRowCount(TableIndex.MemberRef) => _md.GetString(_md.GetMemberReference(MetadataTokens.MemberReferenceHandle(rid)).Name),
                0x2B when rid > 0 && rid <= _md.GetTableRowCount(TableIndex.MethodSpec) => CalledName(MetadataTokens.GetToken(_md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(rid)).Method)),
                _ => null,
            };
        }

        private int? Resolve(int token)
        {
            var table = token >>> 24;
            var rid = token & 0xFFFFFF;
            if (rid == 0)
            {
                return null;
            }
            switch (table)
            {
                case 0x06 when rid <= _md.GetTableRowCount(TableIndex.MethodDef):
                    return token;
                case 0x2B when rid <= _md.GetTableRowCount(TableIndex.MethodSpec):
                    return Resolve(MetadataTokens.GetToken(_md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(rid)).Method));
                case 0x0A when rid <= _md.GetTableRowCount(TableIndex.MemberRef):
                    var member = _md.GetMemberReference(MetadataTokens.MemberReferenceHandle(rid));
                    if (member.Parent.Kind != HandleKind.TypeSpecification)
                    {
                        return null;
                    }
                    // A method of a generic type of this module, instantiated: the TypeSpec's generic type definition.
                    var blob = _md.GetBlobReader(_md.GetTypeSpecification((TypeSpecificationHandle)member.Parent).Signature);
                    if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
                    {
                        return null;
                    }
                    blob.ReadSignatureTypeCode();
                    var generic = blob.ReadTypeHandle();
                    return generic.Kind == HandleKind.TypeDefinition &&
                           _byName.TryGetValue(((TypeDefinitionHandle)generic, _md.GetString(member.Name), Convert.ToHexString(_md.GetBlobBytes(member.Signature))), out var local)
                        ? local
                        : null;
                default:
                    return null;
            }
        }
    }
}
