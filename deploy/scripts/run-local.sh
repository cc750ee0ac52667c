#!/usr/bin/env bash
# The whole single-node platform on this machine, profiling the bundled demo service:
#   silo + gRPC gateway + Orleans dashboard (state in ./.data), the demo API under synthetic load,
#   and an agent that profiles it on a short schedule and streams windows to the gateway.
# Ctrl+C stops everything this script started. No external server is needed.
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
token=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)

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

echo "== silo + gateway + dashboard"
dotnet "silo/FleetProfiler.Silo/bin/$config/net10.0/FleetProfiler.Silo.dll" \
  --FleetProfiler:DataDirectory="$data" \
  --FleetProfiler:Gateway:GrpcPort=$grpc_port --FleetProfiler:Gateway:HttpPort=$http_port \
  --FleetProfiler:Profiles:RollupPeriod=00:00:10 \
  --FleetProfiler:Ingest:Agents:0:AgentId=local-agent \
  --FleetProfiler:Ingest:Agents:0:Host="$host" \
  --FleetProfiler:Ingest:Agents:0:Token="$token" >"$data/logs/silo.log" 2>&1 &
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
dotnet "agent/FleetProfiler.Agent/bin/$config/net10.0/FleetProfiler.Agent.dll" \
  --Agent:AgentId=local-agent --Agent:Host="$host" --Agent:Token="$token" \
  --Agent:GatewayUrl="http://127.0.0.1:$grpc_port" --Agent:SpoolDirectory="$data/spool" \
  --Agent:Include:0=$service \
  --Agent:Schedules:0:Kind=cpu --Agent:Schedules:0:Seconds=10 --Agent:Schedules:0:Every=00:00:20 \
  --Agent:Schedules:1:Kind=alloc --Agent:Schedules:1:Seconds=10 --Agent:Schedules:1:Every=00:00:30 \
  >"$data/logs/agent.log" 2>&1 &
pids+=($!)

cat <<MSG

FleetProfiler is running (single-node; data and logs in $data).
  dashboard      http://127.0.0.1:$http_port/dashboard
  flamegraph     http://127.0.0.1:$http_port/api/profile?service=$service&kind=cpu&since=15m    (first windows land within a minute)
  allocations    http://127.0.0.1:$http_port/api/profile?service=$service&kind=alloc&since=15m
  gRPC gateway   http://127.0.0.1:$grpc_port   (grpcurl -plaintext 127.0.0.1:$grpc_port list)
  command line   dotnet run --project gateway/FleetProfiler.Cli -- top --service $service --since 15m
  demo API       http://127.0.0.1:$demo_port/cpu  /alloc  /async  /rare
Logs: tail -f $data/logs/{silo,agent,demo}.log     Stop: Ctrl+C
MSG
wait -n "${pids[@]}" || true
echo "a process exited; see $data/logs"
