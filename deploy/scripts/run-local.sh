#!/usr/bin/env bash
# The whole single-node platform on this machine, profiling the bundled demo service:
#   silo + gRPC gateway + Orleans dashboard (state in ./.data), the demo API under synthetic load,
#   and an agent that profiles it on a short schedule and streams windows to the gateway.
# Ctrl+C stops everything this script started. No external server is needed.
# Security is on: the first run creates API keys in $data/keys (an agent key for this host and the demo service, an
# operator key for you); the gateway stores only their hashes (keys.json) and binds loopback only. docs/security.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
config=Release
grpc_port=${FLEETPROFILER_GRPC_PORT:-5150}
http_port=${FLEETPROFILER_HTTP_PORT:-5151}
demo_port=${FLEETPROFILER_DEMO_PORT:-5080}
data=${FLEETPROFILER_DATA:-$root/.data/local}
host=$(hostname)
service=demo-api

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$data/logs"
echo "== building (Release; the first build takes a minute)"
dotnet build FleetProfiler.sln -c $config -v quiet -nologo | grep -E "error|Warn|Elapsed" || true

pids=()
stop() {
  echo; echo "== stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

wait_for() { # file, pattern, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:"; tail -20 "$1"; exit 1
}

cli="dotnet gateway/FleetProfiler.Cli/bin/$config/net10.0/FleetProfiler.Cli.dll"
keys=$data/keys
if [[ ! -f $keys/keys.json ]]; then
  echo "== creating API keys in $keys (first run)"
  mkdir -p "$keys" && chmod 700 "$keys"
  $cli keys new --role agent --name local-agent --host "$host" --services $service \
    --keys-file "$keys/keys.json" --key-out "$keys/agent.key" >/dev/null
  $cli keys new --role operator --name local-operator --keys-file "$keys/keys.json" --key-out "$keys/operator.key" >/dev/null
fi

echo "== silo + gateway + dashboard"
dotnet "silo/FleetProfiler.Silo/bin/$config/net10.0/FleetProfiler.Silo.dll" \
  --FleetProfiler:DataDirectory="$data" \
  --FleetProfiler:Gateway:GrpcPort=$grpc_port --FleetProfiler:Gateway:HttpPort=$http_port \
  --FleetProfiler:Profiles:RollupPeriod=00:00:10 \
  --FleetProfiler:Auth:KeysFile="$keys/keys.json" >"$data/logs/silo.log" 2>&1 &
pids+=($!)
wait_for "$data/logs/silo.log" "FleetProfiler silo is up" 120

echo "== demo service ($service) under synthetic load"
# A 10 ms sample-profiler interval keeps the demo's overhead while a window runs at a few per cent (docs/operations.md).
# Idle thread-pool workers would otherwise spin on the loaded demo and crowd its flamegraph.
OTEL_SERVICE_NAME=$service DOTNET_EventPipeThreadSamplingRate=A DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 \
  dotnet "deploy/demo/FleetProfiler.Demo/bin/$config/net10.0/FleetProfiler.Demo.dll" \
  --urls "http://127.0.0.1:$demo_port" --load 4 >"$data/logs/demo.log" 2>&1 &
pids+=($!)

echo "== agent"
# The key by environment, not on the command line, where any user's ps would show it.
Agent__Token="$(cat "$keys/agent.key")" dotnet "agent/FleetProfiler.Agent/bin/$config/net10.0/FleetProfiler.Agent.dll" \
  --Agent:AgentId=local-agent --Agent:Host="$host" \
  --Agent:GatewayUrl="http://127.0.0.1:$grpc_port" --Agent:SpoolDirectory="$data/spool" \
  --Agent:Include:0=$service \
  --Agent:Schedules:0:Kind=cpu --Agent:Schedules:0:Seconds=10 --Agent:Schedules:0:Every=00:00:20 \
  --Agent:Schedules:1:Kind=alloc --Agent:Schedules:1:Seconds=10 --Agent:Schedules:1:Every=00:00:30 \
  >"$data/logs/agent.log" 2>&1 &
pids+=($!)

cat <<MSG

FleetProfiler is running (single-node; data and logs in $data).
Every port asks for an API key. Yours (operator) is in $keys/operator.key:
in a browser, give it as the password (any user name); curl -u :KEY or -H "Authorization: Bearer KEY".
  web app        http://127.0.0.1:$http_port/app    (fleet, service insights, flamegraph explorer)
  dashboard      http://127.0.0.1:$http_port/dashboard
  flamegraph     http://127.0.0.1:$http_port/api/profile?service=$service&kind=cpu&since=15m    (first windows land within a minute)
  allocations    http://127.0.0.1:$http_port/api/profile?service=$service&kind=alloc&since=15m
  curl           curl -u ":\$(cat $keys/operator.key)" "http://127.0.0.1:$http_port/api/profile?service=$service&format=folded"
  gRPC gateway   http://127.0.0.1:$grpc_port   (grpcurl -plaintext -H "authorization: Bearer \$(cat $keys/operator.key)" 127.0.0.1:$grpc_port list)
  command line   export FLEETPROFILER_KEY_FILE=$keys/operator.key FLEETPROFILER_GATEWAY=http://127.0.0.1:$grpc_port
                 dotnet run --project gateway/FleetProfiler.Cli -- top --service $service --since 15m
  demo API       http://127.0.0.1:$demo_port/cpu  /alloc  /async  /rare
Logs: tail -f $data/logs/{silo,agent,demo}.log     Stop: Ctrl+C
MSG
wait -n "${pids[@]}" || true
echo "a process exited; see $data/logs"
