using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Agent.Coverage;

/// <summary>Bounds of one module's part of a run.</summary>
/// <param name="MaxDeadMethods">Dead methods listed per module (certain first, then by token); the counts stay exact.</param>
/// <param name="MaxLine">Sequence points on lines beyond this are ignored (generated code with absurd line numbers).</param>
public sealed record RunLimits(int MaxDeadMethods = 20_000, int MaxLine = CoverageLimits.MaxLine, int MaxFiles = 5_000, int MaxModules = 500);

/// <summary>The lines of one source file in one module: per line, <see cref="ModuleCoverage.LiveLine"/> and
/// <see cref="ModuleCoverage.ProbableLine"/> flags of the methods with a sequence point on it (0 = only certain-dead ones).</summary>
public sealed record DocumentLines(SourcePath Path, string Module, Dictionary<int, byte> Lines);

/// <summary>
/// One service assembly in one run: every method with an IL body classified (<see cref="MethodClassifier"/>) against
/// the tokens the rundown listed, and its lines from the portable PDB. A line is missed when every method with a
/// sequence point on it (every line from the point's start to its end line) is dead; its confidence is the weakest of theirs.
/// </summary>
public static class ModuleCoverage
{
    public const byte LiveLine = 1;
    public const byte ProbableLine = 2;

    /// <param name="seen">Tokens of the module's methods with native code; null when the process never loaded it.</param>
    public static (CoverageModule Module, IReadOnlyList<DocumentLines> Documents) Analyze(
        ServiceAssembly assembly, HashSet<int>? seen, bool sound, JitSettings jit, SourcePathRules paths, RunLimits limits)
    {
        var module = new CoverageModule { Name = assembly.Name, Loaded = seen is not null };
        using var pe = new PEReader(File.OpenRead(assembly.LocalPath));
        if (!pe.HasMetadata)
        {
            module.Skipped = "not a .NET assembly";
            return (module, []);
        }
        var metadata = pe.GetMetadataReader();
        module.Mvid = metadata.GetGuid(metadata.GetModuleDefinition().Mvid).ToString("D");
        var readyToRun = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
        var facts = new ModuleFacts(sound, seen is not null, jit.Canary && (!readyToRun || jit.ReadyToRunDisabled));
        // crossgen2's inlinees have no code of their own: one that was inlined into a compiled method that ran counts as run.
        var inlining = ReadyToRunInlining.None;
        if (readyToRun && seen is not null && !jit.ReadyToRunDisabled)
        {
            try
            {
                inlining = ReadyToRunInlining.Read(pe);
            }
            catch (BadImageFormatException)
            {
                // Without the table the rule stays sound: crossgen2 inlines only methods the rule calls probable
                // (small, not NoInlining); they stay probable instead of live.
            }
        }

        var (pdbProvider, pdbProblem) = PdbLocator.Open(pe, assembly.LocalPath);
        using var pdbOwner = pdbProvider;
        var pdb = pdbProvider?.GetMetadataReader();
        module.Skipped = pdbProblem;
        var sourceLinkRoots = pdb is null ? [] : SourceLineReader.SourceLinkRootsOf(pdb);
        var documents = new Dictionary<DocumentHandle, (SourcePath Path, Dictionary<int, byte> Lines)>();

        var dead = new List<CoverageMethod>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            string? typeName = null;
            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue; // abstract, extern, runtime-implemented: no IL, nothing to run
                }
                var token = MetadataTokens.GetToken(methodHandle);
                var ilBytes = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader().Length;
                var ran = seen is not null && (seen.Contains(token) || inlining.InlinedIntoAnyOf(token, seen));
                var state = MethodClassifier.Classify(ran, facts, method.ImplAttributes, ilBytes);
                module.Methods++;
                switch (state)
                {
                    case MethodState.Live:
                        module.MethodsLive++;
                        break;
                    case MethodState.DeadCertain:
                        module.MethodsDeadCertain++;
                        break;
                    default:
                        module.MethodsDeadProbable++;
                        break;
                }

                SourcePath? firstFile = null;
                var firstLine = 0;
                if (pdb is not null && MetadataTokens.GetRowNumber(methodHandle) <= pdb.MethodDebugInformation.Count)
                {
                    var flag = state switch { MethodState.Live => LiveLine, MethodState.DeadProbable => ProbableLine, _ => (byte)0 };
                    foreach (var point in pdb.GetMethodDebugInformation(methodHandle).GetSequencePoints())
                    {
                        if (point.IsHidden || point.StartLine > limits.MaxLine || point.EndLine < point.StartLine)
                        {
                            continue;
                        }
                        if (!documents.TryGetValue(point.Document, out var document))
                        {
                            var name = pdb.GetString(pdb.GetDocument(point.Document).Name);
                            documents[point.Document] = document = (paths.Map(name, sourceLinkRoots), []);
                        }
                        if (firstFile is null)
                        {
                            (firstFile, firstLine) = (document.Path, point.StartLine);
                        }
                        for (var line = point.StartLine; line <= Math.Min(point.EndLine, limits.MaxLine); line++)
                        {
                            document.Lines[line] = (byte)(document.Lines.GetValueOrDefault(line) | flag);
                        }
                    }
                }

                if (state != MethodState.Live)
                {
                    typeName ??= TypeName(metadata, type);
                    dead.Add(new CoverageMethod
                    {
                        Token = (uint)token,
                        Name = Bounded($"{typeName}.{metadata.GetString(method.Name)}"),
                        Confidence = state == MethodState.DeadCertain ? DeadConfidence.DeadCertain : DeadConfidence.DeadProbable,
                        File = firstFile?.Path ?? "",
                        Line = (uint)firstLine,
                    });
                }
            }
        }

        module.DeadMethods.AddRange(dead.OrderBy(m => m.Confidence == DeadConfidence.DeadCertain ? 0 : 1).ThenBy(m => m.Token).Take(limits.MaxDeadMethods));
        var files = documents.Values.Select(d => new DocumentLines(d.Path, assembly.Name, d.Lines)).ToList();
        return (module, files);
    }

    /// <summary>Names within the protocol's longest string (generated names can be absurd).</summary>
    internal static string Bounded(string text) => text.Length <= BatchLimitDefaults.MaxStringLength ? text : text[..(BatchLimitDefaults.MaxStringLength - 1)] + "…";

    /// <summary><c>Namespace.Type</c>, nested types as <c>Outer+Inner</c> (as the runtime names them).</summary>
    private static string TypeName(MetadataReader metadata, TypeDefinition type)
    {
        var name = metadata.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return $"{TypeName(metadata, metadata.GetTypeDefinition(declaring))}+{name}";
        }
        var ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
