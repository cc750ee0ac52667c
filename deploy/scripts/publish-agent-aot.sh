#!/usr/bin/env bash
# The agent as one Native AOT executable for this machine's architecture (no .NET runtime needed on the host, no JIT):
# idle ~30 MB and ~0.02 % of a core instead of ~74 MB and ~0.15 % (docs/benchmarks.md, "Issue 12"). Needs gcc (or
# clang: CppCompilerAndLinker=clang) and the NuGet feed for the ILCompiler package. The executable takes the same
# arguments and configuration as `dotnet FleetProfiler.Agent.dll` (docs/operations.md, "Native AOT agent").
#   deploy/scripts/publish-agent-aot.sh [output directory]    (default: ./.publish/agent-aot)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.publish/agent-aot}
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64 | arm64) rid=linux-arm64 ;;
  *) echo "publish-agent-aot: no Native AOT runtime identifier for $(uname -m)" >&2; exit 2 ;;
esac
command -v gcc > /dev/null || command -v clang > /dev/null || { echo "publish-agent-aot: Native AOT links with gcc or clang; neither is installed" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== publishing the agent with Native AOT for $rid into $out (a minute or two)"
# Into obj/ and bin/ folders of its own runtime identifier: the JIT build's outputs stay as they are.
dotnet publish agent/FleetProfiler.Agent/FleetProfiler.Agent.csproj -c Release -r "$rid" -p:PublishAot=true \
  -o "$out" -v quiet -nologo
echo "== $out/FleetProfiler.Agent"
